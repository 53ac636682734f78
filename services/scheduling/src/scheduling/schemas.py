"""The HTTP shapes of scheduling's API."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel

from scheduling.domain import CalloutState


class CalloutOut(BaseModel):
    id: uuid.UUID
    service_type_id: uuid.UUID
    service_type_name: str | None
    serial_item_id: uuid.UUID
    serial_number: str | None
    serial_item_name: str | None
    customer_id: uuid.UUID
    customer_name: str | None
    step_id: uuid.UUID
    step_description: str | None
    occurrence: int
    org_unit: str | None
    scheduled_for: date
    due_at: datetime
    state: CalloutState
    approved_at: datetime | None
    send_requested_at: datetime | None
    sent_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    send_to: str | None
    # The message notifications rendered and sent: GET /messages/{message_id}.
    message_id: uuid.UUID | None
    error: str | None
    trace_id: str | None
    created_at: datetime
