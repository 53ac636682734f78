"""Sending's rules, free of I/O: whom a message goes to, which channel it takes or why it
is blocked, and what a send request's message row holds."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_contracts import channels
from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.channels import Choice, Chosen, NotPossible
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
    language: str | None = None  # a customer's own; a template's values speak it


@dataclass(frozen=True)
class SendEmail:
    to: tuple[str, ...]
    channel: Channel = Channel.EMAIL


@dataclass(frozen=True)
class SendSms:
    to: tuple[str, ...]
    channel: Channel = Channel.SMS


@dataclass(frozen=True)
class SendLetter:
    """The report goes to the print queue of its print tag (``print_queue``): a customer
    whose way is letter. Sent once the office marks it printed."""

    to: tuple[str, ...] = ()
    channel: Channel = Channel.LETTER


@dataclass(frozen=True)
class Blocked:
    reason: BlockReason
    detail: str
    channel: Channel | None


Decision = SendEmail | SendSms | SendLetter | Blocked


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


M = CommunicationMethod


def provided(rendered: Rendered, *, report: bool = False) -> frozenset[CommunicationMethod]:
    """The methods a message has content for: e-mail with a subject and a body, SMS with
    a text, a letter with a report (``report``: the request rendered one)."""
    methods = set()
    if report:
        methods.add(M.LETTER)
    if rendered.subject and rendered.body_html:
        methods.add(M.EMAIL)
    if rendered.sms_text and rendered.sms_text.strip():
        methods.add(M.SMS)
    return frozenset(methods)


def _allowed(addressee: Addressee) -> str:
    names = [m.value for m in (M.EMAIL, M.SMS, M.LETTER) if m in (addressee.allowed or ())]
    return ", ".join(names) or "none"


_CONTENT = {M.EMAIL: "e-mail subject and body", M.SMS: "SMS text"}
_ADDRESS = {M.EMAIL: "e-mail address", M.SMS: "mobile number"}
# The seed's "SMS setup is missing" and "Email/report settings are missing": the message
# (the step) lacks the content of the method it must take.
_SETUP_MISSING = {M.EMAIL: BlockReason.EMAIL_SETTINGS_MISSING, M.SMS: BlockReason.SMS_SETUP_MISSING}


def _addresses(addressee: Addressee, method: M) -> tuple[str, ...]:
    return addressee.emails if method is M.EMAIL else addressee.mobiles


def _forced(method: M, addressee: Addressee, offers: frozenset[M]) -> Choice:
    """A channel the requester chose: the customer must allow it and the message have it;
    no address for it is the customer's (a recipient problem, fixed by updating the
    recipient) or, for a request's own addresses, the request's setup."""
    if addressee.allowed is not None and method not in addressee.allowed:
        return NotPossible(
            BlockReason.ALLOWED_METHODS,
            f"the customer does not allow {method.value} (allowed: {_allowed(addressee)})",
            method,
        )
    if method not in offers:
        return NotPossible(_SETUP_MISSING[method], f"the message has no {_CONTENT[method]}", method)
    to = _addresses(addressee, method)
    if not to:
        if addressee.allowed is None:
            return NotPossible(
                _SETUP_MISSING[method], f"the recipient has no {_ADDRESS[method]}", method
            )
        return NotPossible(
            BlockReason.ALLOWED_METHODS,
            f"the customer has no {_ADDRESS[method]} (allowed: {_allowed(addressee)})",
            method,
        )
    return Chosen(method, tuple(to))


def _requested(addressee: Addressee, offers: frozenset[M]) -> Choice:
    """``auto`` for a request's own addresses (no customer, no restriction): e-mail when
    it names addresses and the message has an e-mail, else SMS likewise."""
    named = [m for m in (M.EMAIL, M.SMS) if _addresses(addressee, m)]
    for method in named:
        if method in offers:
            return _forced(method, addressee, offers)
    if not offers:
        return NotPossible(BlockReason.NOTHING_TO_SEND, "the message has no content")
    return _forced(named[0], addressee, offers)


def choose(choice: ChannelChoice, addressee: Addressee, offers: frozenset[M]) -> Choice:
    """The method a message takes, or why none can. ``auto`` for a customer is the shared
    rule (``aftersales_contracts.channels.choose``, which scheduling's "Send to" shows
    too); a forced channel and a request's own addresses are notifications' own."""
    if choice is not ChannelChoice.AUTO:
        return _forced(M(choice.value), addressee, offers)
    if addressee.allowed is None:
        return _requested(addressee, offers)
    return channels.choose(
        emails=addressee.emails,
        mobiles=addressee.mobiles,
        allowed=addressee.allowed,
        preferred=addressee.preferred,
        provided=offers,
    )


def decide(
    choice: ChannelChoice,
    addressee: Addressee,
    rendered: Rendered,
    *,
    sms_ready: bool = False,
    report: bool = False,
) -> Decision:
    """Pick the channel and say whether the message can go, or why it is blocked.

    ``sms_ready``: an SMS provider is configured; without one an SMS is
    ``sms_setup_missing`` (the installation's SMS is not set up).
    """
    chosen = choose(choice, addressee, provided(rendered, report=report))
    if isinstance(chosen, NotPossible):
        channel = Channel(chosen.method.value) if chosen.method is not None else None
        return Blocked(chosen.reason, chosen.detail, channel)
    if chosen.method is M.SMS:
        if not sms_ready:
            return Blocked(
                BlockReason.SMS_SETUP_MISSING,
                "SMS sending is not set up (no provider)",
                Channel.SMS,
            )
        return SendSms(to=chosen.to)
    if chosen.method is M.EMAIL:
        return SendEmail(to=chosen.to)
    # A letter: the report goes to the print queue (``print_queue.handlers.follow``).
    return SendLetter()


def requested_addressee(cmd: SendMessage) -> Addressee:
    """The addresses a request names itself (no customer): no channel restrictions."""
    return Addressee(
        emails=tuple(str(e) for e in cmd.recipient.emails),
        mobiles=tuple(cmd.recipient.mobiles),
    )


def outcome_values(outcome: Outcome, *, trace_id: str | None) -> dict[str, Any]:
    """The message columns an outcome sets. ``trace_id``: the work that decided a block
    or a failure, as MessageBlocked and MessageFailed report it."""
    if isinstance(outcome, SendEmail | SendSms | SendLetter):
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
        "print_tag": cmd.report.print_tag if cmd.report is not None else None,
    }
