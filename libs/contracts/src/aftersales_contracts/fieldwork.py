"""Field work's messages: service orders and what happens to them, technicians, vehicles,
and the command that opens an order for a service callout.

Every order event carries the order's whole snapshot (``ServiceOrderSnapshot``), so a
consumer (scheduling, campaigns, notifications) keeps what it needs without calling
back; ``version`` orders them (newest wins).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field

from aftersales_contracts.envelope import Message, MessageKind


class Stage(enum.StrEnum):
    """An order's stage (the Kanban's columns)."""

    NEW = "new"
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TechnicianStatus(enum.StrEnum):
    """Where the technician is with the order; None (absent) while nothing is planned."""

    PLANNED = "planned"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    WORKING = "working"
    BREAK = "break"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Address(_Part):
    """A place: a street address and, where known, its coordinates (WGS 84)."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


class BookingSnapshot(_Part):
    booking_id: uuid.UUID
    technician_id: uuid.UUID
    technician_username: str | None = None
    starts_at: datetime
    ends_at: datetime
    # The local date and times in the order's org unit's time zone, as the planner booked.
    local_date: date
    local_start: time
    local_end: time


class ServiceOrderSnapshot(_Part):
    """The order as it is after the change an event reports."""

    order_id: uuid.UUID
    version: int
    number: str
    case_id: uuid.UUID
    kind_code: str | None = None
    stage: Stage
    status: TechnicianStatus | None = None
    priority: Priority
    customer_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    serial_item_id: uuid.UUID | None = None
    # The serial items concerned (the service objects), the location's item included.
    service_object_ids: list[uuid.UUID] = Field(default_factory=list)
    service_type_id: uuid.UUID | None = None
    technician_id: uuid.UUID | None = None
    technician_username: str | None = None
    vehicle_id: uuid.UUID | None = None
    # The service callout this order was opened for, if any.
    callout_id: uuid.UUID | None = None
    bookings: list[BookingSnapshot] = Field(default_factory=list)
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None


class _OrderEvent(Message):
    order: ServiceOrderSnapshot
    # The user (or system) whose action caused the event.
    changed_by: str | None = None


class ServiceOrderCreated(_OrderEvent):
    TYPE = "fieldwork.order.created"


class ServiceOrderChanged(_OrderEvent):
    """Anything on the order changed: fields, technician, vehicle, status."""

    TYPE = "fieldwork.order.changed"

    changed_fields: list[str] = Field(default_factory=list)
    # The technician the order was newly assigned to by this change, if it was.
    assigned_technician_id: uuid.UUID | None = None


class ServiceOrderBooked(_OrderEvent):
    """A booking was added, changed or removed; ``order.bookings`` holds those that stand."""

    TYPE = "fieldwork.order.booked"


class ServiceOrderStageChanged(_OrderEvent):
    TYPE = "fieldwork.order.stage_changed"

    previous_stage: Stage


class ServiceOrderCompleted(_OrderEvent):
    TYPE = "fieldwork.order.completed"

    completed_at: datetime
    # The campaign cases the technician ticked as done at this order (campaigns closes
    # them); the open ones not ticked stay open.
    campaign_case_ids_done: list[uuid.UUID] = Field(default_factory=list)


class ServiceOrderCancelled(_OrderEvent):
    TYPE = "fieldwork.order.cancelled"

    cancelled_at: datetime


class TechnicianChanged(Message):
    TYPE = "fieldwork.technician.changed"

    technician_id: uuid.UUID
    version: int
    name: str
    username: str | None
    org_unit_id: uuid.UUID | None
    active: bool


class VehicleChanged(Message):
    TYPE = "fieldwork.vehicle.changed"

    vehicle_id: uuid.UUID
    version: int
    registration: str
    name: str
    org_unit_id: uuid.UUID | None
    active: bool


class OpenServiceOrder(Message):
    """A command to field work: open an order for a service callout (its "create service
    order" action). At most one order per callout: a repeat opens nothing new."""

    TYPE = "fieldwork.open_service_order"
    KIND = MessageKind.COMMAND

    callout_id: uuid.UUID
    customer_id: uuid.UUID
    serial_item_id: uuid.UUID
    service_type_id: uuid.UUID | None = None
    service_type_name: str | None = None
    org_unit_id: uuid.UUID | None = None
    description: str | None = Field(default=None, max_length=4000)
    requested_by: str | None = Field(default=None, max_length=200)


# --- the second half: service cases, protocols, invoicing --------------------------------


class CaseStatus(enum.StrEnum):
    """A service case's status (seed 002): it follows its orders, except Completed, which
    only the dispatcher's review sets."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    PROBLEM = "problem"


class TripType(enum.StrEnum):
    FIELD_TRIP = "field_trip"
    CUSTOMER_VISIT = "customer_visit"


class ServiceCaseChanged(Message):
    """A service case changed (its fields or its status)."""

    TYPE = "fieldwork.case.changed"

    case_id: uuid.UUID
    version: int
    number: str
    name: str
    status: CaseStatus
    customer_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    serial_item_ids: list[uuid.UUID] = Field(default_factory=list)
    order_ids: list[uuid.UUID] = Field(default_factory=list)
    changed_by: str | None = None


class ProtocolItemLine(_Part):
    """A consumed item: a catalog product or free text, with quantity and unit."""

    product_id: uuid.UUID | None = None
    product_number: str | None = None
    description: str
    quantity: str  # a decimal, written as text so no precision is lost
    unit: str


class ProtocolWorkLine(_Part):
    description: str
    minutes: int
    technician_id: uuid.UUID | None = None
    technician_name: str | None = None


class ProtocolCompleted(Message):
    """A service protocol was completed on site."""

    TYPE = "fieldwork.protocol.completed"

    protocol_id: uuid.UUID
    case_id: uuid.UUID
    order_id: uuid.UUID | None = None
    problem_reported: bool = False
    items: list[ProtocolItemLine] = Field(default_factory=list)
    works: list[ProtocolWorkLine] = Field(default_factory=list)
    completed_by: str | None = None


class ServiceCaseReadyForInvoicing(Message):
    """The dispatcher closed a case and marked it ready for invoicing: everything an
    invoicing system needs to bill it, without calling back."""

    TYPE = "fieldwork.case.ready_for_invoicing"

    case_id: uuid.UUID
    case_number: str
    customer_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None = None
    order_ids: list[uuid.UUID] = Field(default_factory=list)
    order_numbers: list[str] = Field(default_factory=list)
    customer_order_numbers: list[str] = Field(default_factory=list)
    technicians: list[str] = Field(default_factory=list)
    items: list[ProtocolItemLine] = Field(default_factory=list)
    works: list[ProtocolWorkLine] = Field(default_factory=list)
    ready_by: str | None = None
