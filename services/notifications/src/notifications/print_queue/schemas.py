"""The print queue's HTTP shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from notifications.print_queue.domain import MAX_BATCH


class PrintJobOut(BaseModel):
    """One report waiting to be printed, or printed (``printed_at``, ``printed_by``)."""

    id: uuid.UUID
    message_id: uuid.UUID
    print_tag: str
    file_name: str
    org_unit_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    customer_name: str | None
    requester: str
    requester_reference: str
    created_at: datetime
    printed_at: datetime | None
    printed_by: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PrintJobOut:
        return cls.model_validate(row)


class PrintJobPage(BaseModel):
    items: list[PrintJobOut]
    next_cursor: str | None


class PrintTagOut(BaseModel):
    print_tag: str
    unprinted: int


class MarkPrintedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BATCH)


class MarkPrintedOut(BaseModel):
    printed: list[uuid.UUID]
    # Already printed, or not seen by the caller: left as they are.
    skipped: list[uuid.UUID]
