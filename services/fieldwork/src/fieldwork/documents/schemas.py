"""The HTTP shapes of documents, messages, internal e-mails and document settings."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from aftersales_contracts.notifications import E164
from fieldwork.documents.domain import InternalMail


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class SentEntry(BaseModel):
    """A sent-log entry a request created (``GET .../sent-log`` shows them with the rest)."""

    id: uuid.UUID
    order_id: uuid.UUID
    purpose: str
    channel: str
    recipients: list[str]
    requested_at: datetime
    requested_by: str | None
    # requested, then sent, failed or blocked (notifications' results).
    state: str


class RequestedOut(BaseModel):
    """What a send requested: one entry per message (a repeat of the same
    ``Idempotency-Key`` requests nothing more)."""

    items: list[SentEntry]


# --- the work order ------------------------------------------------------------------------


class OfferedContact(BaseModel):
    contact_id: str
    name: str
    email: str


class WorkOrderOfferOut(BaseModel):
    """``GET /service-cases/{id}/work-order-offer``: at ready for invoicing, the work order
    is offered to the customer's contacts with "send work order: yes"."""

    case_id: uuid.UUID
    ready_for_invoicing: bool
    can_offer: bool
    contacts: list[OfferedContact]
    # The trips whose work orders would go (all but the cancelled).
    order_numbers: list[str]


class WorkOrderIn(_In):
    """``POST /service-cases/{id}/work-order``: to these contacts of the customer, or these
    addresses; with neither, to the offered contacts."""

    contact_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=20)
    emails: list[EmailStr] | None = Field(default=None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _one_way(self) -> WorkOrderIn:
        if self.contact_ids is not None and self.emails is not None:
            raise ValueError("name contact_ids or emails, not both")
        return self


# --- free-text messages --------------------------------------------------------------------


class DefaultTextOut(BaseModel):
    """The order kind's default message text (empty when it has none)."""

    text: str


MessageText = Annotated[str, Field(max_length=5000)]


class FreeTextIn(_In):
    """``POST /service-orders/{id}/messages``: by e-mail and/or SMS; ``text`` defaults to
    the order kind's default; without ``emails``/``mobiles``, to the order's contact."""

    channels: list[Channel] = Field(min_length=1, max_length=2)
    text: MessageText | None = None
    emails: list[EmailStr] | None = Field(default=None, min_length=1, max_length=20)
    mobiles: list[E164] | None = Field(default=None, min_length=1, max_length=20)

    @field_validator("channels")
    @classmethod
    def _once_each(cls, value: list[Channel]) -> list[Channel]:
        if len(set(value)) != len(value):
            raise ValueError("name each channel once")
        return value


# --- internal e-mails ----------------------------------------------------------------------


class InternalMailIn(_In):
    """``POST /service-orders/{id}/internal-mails``: to the org unit's list for ``kind``."""

    kind: InternalMail
    text: MessageText = Field(min_length=1)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("write what the e-mail is about")
        return value


# --- document settings ---------------------------------------------------------------------

Addresses = Annotated[list[EmailStr], Field(max_length=50)]


class DocumentSettingsIn(_In):
    """An org unit's document settings, whole (``PUT``)."""

    articles_to_order_emails: Addresses = Field(default_factory=list)
    ordered_articles_emails: Addresses = Field(default_factory=list)
    delivered_parts_emails: Addresses = Field(default_factory=list)
    # Told of bookings made outside a technician's working hours.
    planner_emails: Addresses = Field(default_factory=list)
    # The protocol PDF's file name carries the machine (serial) number.
    protocol_file_name_with_machine_number: bool = False

    @field_validator(
        "articles_to_order_emails",
        "ordered_articles_emails",
        "delivered_parts_emails",
        "planner_emails",
    )
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        result = []
        for address in value:
            if address.lower() not in seen:
                seen.add(address.lower())
                result.append(address)
        return result


class DocumentSettingsOut(BaseModel):
    org_unit_id: uuid.UUID
    # 0: never saved (the defaults).
    version: int
    articles_to_order_emails: list[str] = Field(default_factory=list)
    ordered_articles_emails: list[str] = Field(default_factory=list)
    delivered_parts_emails: list[str] = Field(default_factory=list)
    planner_emails: list[str] = Field(default_factory=list)
    protocol_file_name_with_machine_number: bool = False
    updated_at: datetime | None = None
    updated_by: str | None = None
