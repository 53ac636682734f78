"""The HTTP shapes of booking confirmations and the order's sent log."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from aftersales_contracts.notifications import E164


class Suggestion(BaseModel):
    name: str
    email: str | None
    mobile: str | None
    # order_contact, customer_contact, facility or customer.
    source: str


class ConfirmationOut(BaseModel):
    """``GET /service-orders/{id}/booking-confirmation``: can one be offered, and to whom."""

    can_offer: bool
    reason: str | None
    default_recipient: Suggestion | None
    suggestions: list[Suggestion]


class ConfirmationChannel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class ConfirmationIn(BaseModel):
    """``POST /service-orders/{id}/booking-confirmation``: send it by e-mail and/or SMS.
    Without ``emails``/``mobiles`` it goes to the order's contact person."""

    model_config = ConfigDict(extra="forbid")

    channels: list[ConfirmationChannel] = Field(min_length=1, max_length=2)
    emails: list[EmailStr] | None = Field(default=None, min_length=1, max_length=20)
    mobiles: list[E164] | None = Field(default=None, min_length=1, max_length=20)
    # Kept in the order's history beside the request (why it was sent again, say).
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("channels")
    @classmethod
    def _once_each(cls, value: list[ConfirmationChannel]) -> list[ConfirmationChannel]:
        if len(set(value)) != len(value):
            raise ValueError("name each channel once")
        return value


class SentLogEntry(BaseModel):
    id: uuid.UUID
    # booking_confirmation, service_protocol, work_order, free_text, articles_to_order,
    # ordered_articles, delivered_parts, planner_outside_hours.
    purpose: str = "booking_confirmation"
    channel: str
    recipients: list[str]
    requested_at: datetime
    requested_by: str | None
    # requested, sent, failed or blocked.
    state: str
    detail: str | None
    sent_at: datetime | None
    message_id: uuid.UUID | None
    # The document changed since it was sent (a confirmation's standing bookings, the
    # protocol, the work order): consider sending again. A message is never flagged.
    flagged: bool


class SentLogOut(BaseModel):
    items: list[SentLogEntry]


class SentOut(BaseModel):
    """What ``POST .../booking-confirmation`` requested: one entry per channel."""

    items: list[SentLogEntry]
