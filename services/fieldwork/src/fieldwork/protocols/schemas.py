"""The shapes of protocols over HTTP: what creates or changes one, its item and work lists,
and the protocol as answered (with its lines and its attachments' metadata)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from fieldwork.protocols.domain import (
    MAX_LINES,
    MAX_WORK_MINUTES,
    AttachmentKind,
    ProtocolStatus,
    check_quantity,
)

LongText = Annotated[str, StringConstraints(max_length=10_000)]


class _In(BaseModel):
    # Over HTTP a misspelt field is the caller's mistake to hear about.
    model_config = ConfigDict(extra="forbid")


class ProtocolDraft(_In):
    """A new draft protocol: of a case, or of one of its orders (``order_id``: the case is
    the order's; ``case_id`` too must then be that case). One protocol per order at most."""

    case_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None


class ProtocolChange(_In):
    """The fields sent change; ``problem_description`` is required when
    ``problem_reported`` is (or stays) true."""

    fault_description: LongText | None = None
    solution_description: LongText | None = None
    problem_reported: bool | None = None
    problem_description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None
    ) = None
    show_images: bool | None = Field(
        default=None, description="the protocol PDF shows the photos (seed 004)"
    )


Quantity = Annotated[
    Decimal,
    Field(description="greater than 0, at most 3 decimals (a number or a decimal string)"),
    AfterValidator(check_quantity),
]


class ItemLineIn(_In):
    """A consumed item: a catalog product (``product_id``; its name is the default
    description) or free text (``description``)."""

    product_id: uuid.UUID | None = None
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = None
    quantity: Quantity
    unit: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = (
        Field(description="pcs, h, m, kg, l … (free text, up to 20 characters)")
    )


class ItemsIn(_In):
    items: list[ItemLineIn] = Field(max_length=MAX_LINES)


class WorkLineIn(_In):
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ]
    minutes: int = Field(ge=0, le=MAX_WORK_MINUTES, description="time spent, 0 to 24 h")
    technician_id: uuid.UUID | None = Field(
        default=None, description="who did it; a technician's own phone fills in its own"
    )
    work_date: dt.date | None = None


class WorksIn(_In):
    works: list[WorkLineIn] = Field(max_length=MAX_LINES)


class ItemOut(BaseModel):
    id: uuid.UUID
    position: int
    product_id: uuid.UUID | None
    product_number: str | None
    description: str
    quantity: Decimal
    unit: str


class WorkOut(BaseModel):
    id: uuid.UUID
    position: int
    description: str
    minutes: int
    technician_id: uuid.UUID | None
    technician_name: str | None
    work_date: dt.date | None


class AttachmentOut(BaseModel):
    id: uuid.UUID
    protocol_id: uuid.UUID
    kind: AttachmentKind
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str | None


class ProtocolSummary(BaseModel):
    id: uuid.UUID
    version: int
    case_id: uuid.UUID
    case_number: str
    order_id: uuid.UUID | None
    order_number: str | None
    status: ProtocolStatus
    problem_reported: bool
    created_at: dt.datetime
    created_by: str | None
    updated_at: dt.datetime
    completed_at: dt.datetime | None
    completed_by: str | None


class Recipient(BaseModel):
    name: str
    email: str


class ProtocolView(ProtocolSummary):
    fault_description: str
    solution_description: str
    problem_description: str | None
    show_images: bool
    items: list[ItemOut]
    works: list[WorkOut]
    attachments: list[AttachmentOut]


class CompletedProtocol(ProtocolView):
    will_send_to: Recipient | None = Field(
        description="the contact the protocol PDF goes to by e-mail (their 'send service"
        " protocol' is yes and they have an e-mail address); null: nobody automatically"
    )


class ProtocolPage(BaseModel):
    items: list[ProtocolSummary]
    next_cursor: str | None
