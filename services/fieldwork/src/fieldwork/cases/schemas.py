"""The shapes of service cases over HTTP: a new case and its changes, a trip added to a
case, the case with its trips, protocols and review, the list's rows, the review and
sending back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from aftersales_contracts.fieldwork import CaseStatus, Priority, Stage, TechnicianStatus, TripType
from fieldwork.orders.schemas import (
    BookingIn,
    ContactOut,
    DistanceKm,
    LocationIn,
    TechnicianIds,
    TechnicianRef,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
SerialItemIds = Annotated[list[uuid.UUID], Field(max_length=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseDraft(_In):
    """A new service case (seed 002). ``org_unit_id`` defaults to the customer's."""

    name: Name
    customer_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    serial_item_ids: SerialItemIds = Field(default_factory=list)
    planned_start: AwareDatetime | None = None
    org_unit_id: uuid.UUID | None = None


class CaseChange(_In):
    """``PATCH /service-cases/{id}``: the fields sent change; ``null`` clears an optional
    one. The customer, number and status never change here."""

    name: Name | None = None
    contact_id: uuid.UUID | None = None
    serial_item_ids: SerialItemIds | None = None
    planned_start: AwareDatetime | None = None
    org_unit_id: uuid.UUID | None = None


class TripDraft(_In):
    """A trip added to a case: an order of the case's customer and contact, at the case's
    first serial item unless ``serial_item_id`` or ``location`` says otherwise."""

    trip_type: TripType = TripType.FIELD_TRIP
    technician_ids: TechnicianIds | None = None
    distance_km: DistanceKm | None = None
    kind_id: uuid.UUID | None = None
    serial_item_id: uuid.UUID | None = None
    location: LocationIn | None = None
    priority: Priority = Priority.NORMAL
    vehicle_id: uuid.UUID | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    customer_order_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None
    ) = None
    booking: BookingIn | None = None


class SendBackIn(_In):
    reason: Reason


# --- answers -----------------------------------------------------------------------------


class TripOut(BaseModel):
    """One order of the case, as a trip."""

    id: uuid.UUID
    number: str
    trip_type: TripType
    kind_name: str | None
    stage: Stage
    status: TechnicianStatus | None
    technician_id: uuid.UUID | None
    technicians: list[TechnicianRef]
    # The start of the earliest standing booking.
    booked_from: datetime | None
    distance_km: float | None
    customer_order_number: str | None


class CaseProtocolOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID | None
    status: str
    problem_reported: bool
    completed_at: datetime | None


class FindingOut(BaseModel):
    """One thing missing before the case may be closed: ``no_completed_protocol``,
    ``no_materials``, ``no_work_time``, ``no_photos``, ``open_orders``."""

    code: str
    detail: str
    # The trips (order numbers) it concerns, when it concerns some.
    orders: list[str]


class ReviewOut(BaseModel):
    case_id: uuid.UUID
    status: CaseStatus
    missing: list[FindingOut]
    # Nothing missing and the case neither completed nor cancelled.
    can_close: bool
    sent_back_at: datetime | None
    sent_back_by: str | None
    sent_back_reason: str | None


class CaseView(BaseModel):
    """A service case with its trips (``orders``: those the caller may see), its
    protocols and its review."""

    id: uuid.UUID
    version: int
    number: str
    name: str
    status: CaseStatus
    problem_reason: str | None
    customer_id: uuid.UUID | None
    customer_name: str | None
    contact_id: uuid.UUID | None
    contact: ContactOut | None
    serial_item_ids: list[uuid.UUID]
    planned_start: datetime | None
    org_unit_id: uuid.UUID | None
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    invoicing_ready_at: datetime | None
    invoicing_ready_by: str | None
    orders: list[TripOut]
    protocols: list[CaseProtocolOut]
    review: ReviewOut


class CaseRow(BaseModel):
    """A case in the list."""

    id: uuid.UUID
    version: int
    number: str
    name: str
    status: CaseStatus
    customer_id: uuid.UUID | None
    customer_name: str | None
    org_unit_id: uuid.UUID | None
    planned_start: datetime | None
    created_at: datetime


class CasePage(BaseModel):
    items: list[CaseRow]
    next_cursor: str | None
