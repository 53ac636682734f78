"""The HTTP shapes of sending: the send request and the message it became."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from aftersales_contracts.notifications import BusinessObject, Channel, ChannelChoice, SendMessage
from aftersales_contracts.sms import SmsEncoding
from notifications.delivery.domain import AttemptPhase
from notifications.sending.domain import MessageStatus


class SendMessageIn(SendMessage):
    """The body of ``POST /messages``: the ``SendMessage`` command itself, but strict
    about unknown fields, since over HTTP a typo is a caller's mistake to report."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class AttemptOut(BaseModel):
    """One hand-over of the message to SMTP or the SMS provider. ``outcome`` null: under
    way, or its sender died in it, which the next delivery turns into ``not_sent`` (and
    sends) when its ``phase`` was ``preparing``, into ``unconfirmed`` when it was
    ``handing_over``, or into the recorded answer when it was ``answered``."""

    number: int
    channel: Channel
    recipients: list[str]
    started_at: datetime
    # ``preparing`` (nothing handed over yet), ``handing_over`` (SMTP DATA, the SMS
    # provider's request began: from here it may have gone out) or ``answered`` (the
    # server's answer is recorded; the message's outcome follows from it, nothing is sent
    # again).
    phase: AttemptPhase
    outcome: str | None
    detail: str | None
    ended_at: datetime | None
    # An operator's choice for an unconfirmed attempt: ``resend`` or ``confirmed_sent``.
    resolution: str | None
    resolved_by: str | None


class MessageOut(BaseModel):
    id: uuid.UUID
    status: MessageStatus
    requester: str
    requester_reference: str
    idempotency_key: str
    requested_by: str | None
    business_object: BusinessObject | None
    channel_choice: ChannelChoice
    channel: Channel | None
    customer_id: uuid.UUID | None
    recipients: list[str]
    subject: str | None
    body_html: str | None
    body_text: str | None
    sms_text: str | None
    # For an SMS text: ``gsm-7`` or ``ucs-2`` and how many SMS it takes.
    sms_encoding: SmsEncoding | None
    sms_segments: int | None
    # For blocked: a BlockReason value, with ``detail`` saying more; for failed: why.
    reason: str | None
    detail: str | None
    trace_id: str | None
    sent_to: list[str] | None
    provider_message_ids: list[str] | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    # Whose sending settings apply; also who may see the message (``visibility``).
    org_unit_id: uuid.UUID | None = None
    # Every attempt at handing it over, first first (``GET /messages/{id}``; empty in
    # the answer to ``POST /messages``).
    attempts: list[AttemptOut] = []

    @classmethod
    def from_row(
        cls, row: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]] = ()
    ) -> MessageOut:
        business_object = (
            BusinessObject(
                kind=row["business_object_kind"],
                id=row["business_object_id"],
                version=row["business_object_version"],
            )
            if row["business_object_kind"] is not None
            else None
        )
        fields = {
            name: row[name]
            for name in cls.model_fields
            if name not in ("business_object", "attempts")
        }
        return cls(
            business_object=business_object,
            attempts=[AttemptOut.model_validate(a) for a in attempts],
            **fields,
        )
