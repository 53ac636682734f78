"""Sending's rules, free of I/O: whom a message goes to, which channel it takes or why it
is blocked, and what a send request's message row holds."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import BlockReason, Channel, ChannelChoice, SendMessage
from notifications.sending.rendering import Rendered


class MessageStatus(enum.StrEnum):
    # The customer is not in the projection yet; its CustomerRegistered will release it.
    AWAITING_RECIPIENT = "awaiting_recipient"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    # A delivery attempt ended without a known outcome (its sender died after handing the
    # message over, or the connection dropped after the data was sent): it may have gone
    # out. Never sent again on its own; an operator resends it or confirms it was sent.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class Addressee:
    """Who a message goes to and what they accept. ``allowed`` None: no restriction
    (the requester gave bare e-mail addresses, not a customer)."""

    emails: tuple[str, ...]
    allowed: frozenset[CommunicationMethod] | None = None
    preferred: CommunicationMethod | None = None
    mobiles: tuple[str, ...] = ()

    def allows(self, method: CommunicationMethod) -> bool:
        return self.allowed is None or method in self.allowed


@dataclass(frozen=True)
class SendEmail:
    to: tuple[str, ...]
    channel: Channel = Channel.EMAIL


@dataclass(frozen=True)
class SendSms:
    to: tuple[str, ...]
    channel: Channel = Channel.SMS


@dataclass(frozen=True)
class Blocked:
    reason: BlockReason
    detail: str
    channel: Channel | None


Decision = SendEmail | SendSms | Blocked


@dataclass(frozen=True)
class Failed:
    """Nothing can be sent: the request is wrong (a placeholder without a value, a bad
    attachment; no channel yet) or the channel refused it for good."""

    reason: str
    channel: Channel | None = None


@dataclass(frozen=True)
class AwaitingRecipient:
    """The customer is not known yet; its snapshot will decide."""


# What became of a send request.
Outcome = Decision | Failed | AwaitingRecipient


def _methods(addressee: Addressee) -> str:
    allowed = sorted(m.value for m in addressee.allowed or ())
    return ", ".join(allowed) or "none"


def _channel(choice: ChannelChoice, addressee: Addressee) -> Channel:
    if choice is not ChannelChoice.AUTO:
        return Channel(choice.value)
    preferred = addressee.preferred
    if preferred in (CommunicationMethod.EMAIL, CommunicationMethod.SMS) and addressee.allows(
        preferred
    ):
        return Channel(preferred.value)
    if addressee.mobiles and not addressee.emails and addressee.allows(CommunicationMethod.SMS):
        # Bare mobile numbers and no address to e-mail: SMS is what was meant.
        return Channel.SMS
    return Channel.EMAIL


def decide(
    choice: ChannelChoice, addressee: Addressee, rendered: Rendered, *, sms_ready: bool = False
) -> Decision:
    """Pick the channel and say whether the message can go, or why it is blocked.

    ``sms_ready``: an SMS provider is configured. Without one, or without an SMS text
    (the step's SMS is not set up) or a mobile number, an SMS is ``sms_setup_missing``.
    """
    channel = _channel(choice, addressee)
    if not addressee.allows(CommunicationMethod(channel.value)):
        return Blocked(
            BlockReason.ALLOWED_METHODS,
            f"the customer does not allow {channel.value} (allowed: {_methods(addressee)})",
            channel,
        )
    if channel is Channel.SMS:
        if not sms_ready:
            return Blocked(
                BlockReason.SMS_SETUP_MISSING, "SMS sending is not set up (no provider)", channel
            )
        if not rendered.sms_text or not rendered.sms_text.strip():
            return Blocked(BlockReason.SMS_SETUP_MISSING, "the message has no SMS text", channel)
        if not addressee.mobiles:
            return Blocked(
                BlockReason.SMS_SETUP_MISSING, "the recipient has no mobile number", channel
            )
        return SendSms(to=addressee.mobiles)
    if not rendered.subject or not rendered.body_html:
        return Blocked(BlockReason.NOTHING_TO_SEND, "an e-mail needs a subject and a body", channel)
    if not addressee.emails:
        return Blocked(
            BlockReason.EMAIL_SETTINGS_MISSING, "the recipient has no e-mail address", channel
        )
    return SendEmail(to=addressee.emails)


def requested_addressee(cmd: SendMessage) -> Addressee:
    """The addresses a request names itself (no customer): no channel restrictions."""
    return Addressee(
        emails=tuple(str(e) for e in cmd.recipient.emails),
        mobiles=tuple(cmd.recipient.mobiles),
    )


def outcome_values(outcome: Outcome, *, trace_id: str | None) -> dict[str, Any]:
    """The message columns an outcome sets. ``trace_id``: the work that decided a block
    or a failure, as MessageBlocked and MessageFailed report it."""
    if isinstance(outcome, SendEmail | SendSms):
        return {
            "status": MessageStatus.QUEUED,
            "channel": outcome.channel,
            "recipients": list(outcome.to),
        }
    if isinstance(outcome, Blocked):
        return {
            "status": MessageStatus.BLOCKED,
            "channel": outcome.channel,
            "reason": outcome.reason.value,
            "detail": outcome.detail,
            "trace_id": trace_id,
        }
    if isinstance(outcome, Failed):
        return {"status": MessageStatus.FAILED, "reason": outcome.reason, "trace_id": trace_id}
    return {"status": MessageStatus.AWAITING_RECIPIENT}


def new_message(
    cmd: SendMessage,
    *,
    message_id: uuid.UUID,
    now: datetime,
    requested_by: str | None,
    rendered: Rendered,
    template_id: uuid.UUID | None,
    language: str | None,
    trace_id: str | None,
) -> dict[str, Any]:
    """The row of a new message, before its outcome is known. ``trace_id``: the trace of
    the request or command that created it, so that every message, sent or not, leads to
    its trace; a block or failure later sets the trace of the work that decided it (the
    same trace, unless an operator's resend started another)."""
    length = rendered.sms_length
    business_object = cmd.business_object
    return {
        "id": message_id,
        "requester": cmd.requester,
        "requester_reference": cmd.requester_reference,
        "idempotency_key": cmd.idempotency_key,
        # The gateway's user (HTTP) or the user the requesting service names (command).
        "requested_by": requested_by if requested_by is not None else cmd.requested_by,
        "business_object_kind": business_object.kind if business_object else None,
        "business_object_id": business_object.id if business_object else None,
        "business_object_version": business_object.version if business_object else None,
        "channel_choice": cmd.channel,
        "customer_id": cmd.recipient.customer_id,
        "requested_emails": [str(e) for e in cmd.recipient.emails],
        "requested_mobiles": list(cmd.recipient.mobiles),
        "channel": None,
        "recipients": [],
        "subject": rendered.subject,
        "body_html": rendered.body_html,
        "body_text": rendered.body_text,
        "sms_text": rendered.sms_text,
        "sms_encoding": length.encoding.value if length else None,
        "sms_segments": length.segments if length else None,
        "reason": None,
        "detail": None,
        "trace_id": trace_id,
        "sent_to": None,
        "provider_message_ids": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "org_unit_id": cmd.org_unit_id,
        "template_id": template_id,
        "language": language,
    }
