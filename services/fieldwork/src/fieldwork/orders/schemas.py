"""The shapes of the order write side: what creates or changes an order, a booking, an
action or a move, and the order as it is answered (with its bookings, time spent and
whether a booking confirmation can be offered)."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from aftersales_contracts.fieldwork import Address, Priority, Stage, TechnicianStatus, TripType
from fieldwork.campaign_cases.schemas import CampaignCaseOut

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class _In(BaseModel):
    # Over HTTP a misspelt field is the caller's mistake to hear about.
    model_config = ConfigDict(extra="forbid")


class LocationIn(_In):
    """A free intervention location; coordinates both or neither (WGS 84)."""

    street: Text200 = ""
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = ""
    city: Text100 = ""
    country: Text100 = ""
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_or_neither(self) -> LocationIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude come together (both or neither)")
        return self


# A trip's technicians (the first the responsible one) and its distance in km (one
# decimal; more are rounded).
TechnicianIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=20)]
DistanceKm = Annotated[float, Field(ge=0, le=99999.9)]


class OverrideIn(_In):
    """The planner books over an overlap or outside working hours on purpose."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class BookingIn(_In):
    """A visit: local date and times in the order's org unit's time zone; the technician
    defaults to the order's."""

    technician_id: uuid.UUID | None = None
    date: dt.date
    start: dt.time
    end: dt.time
    override: OverrideIn | None = None


class BookingChange(_In):
    """A booking moved or handed to another technician: the fields given change."""

    technician_id: uuid.UUID | None = None
    date: dt.date | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    override: OverrideIn | None = None


class OrderDraft(_In):
    """What a new order is made of (``POST /service-orders``, and the callout consumer).

    ``serial_item_id`` or ``location`` says where the intervention is (not both);
    ``case_id`` puts the order into an existing case of the same customer, else it gets a
    case of its own; ``booking`` books it at once (with a technician: Planned)."""

    customer_id: uuid.UUID
    kind_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    serial_item_id: uuid.UUID | None = None
    location: LocationIn | None = None
    service_object_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    priority: Priority = Priority.NORMAL
    technician_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    customer_order_number: Text100 | None = None
    facility_name: Text200 | None = None
    org_unit_id: uuid.UUID | None = None
    service_type_id: uuid.UUID | None = None
    callout_id: uuid.UUID | None = None
    booking: BookingIn | None = None
    # The trip (seed 002): its type, every technician assigned (the first the responsible
    # one, as ``technician_id``), its distance (pre-filled from the responsible
    # technician's home base to the location when not given; null: none).
    trip_type: TripType = TripType.FIELD_TRIP
    technician_ids: TechnicianIds | None = None
    distance_km: DistanceKm | None = None


class OrderChange(_In):
    """``PATCH /service-orders/{id}``: only the fields sent change; ``null`` clears an
    optional one. The number, the case and the callout never change."""

    customer_id: uuid.UUID | None = None
    kind_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    serial_item_id: uuid.UUID | None = None
    location: LocationIn | None = None
    service_object_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    priority: Priority | None = None
    technician_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    customer_order_number: Text100 | None = None
    facility_name: Text200 | None = None
    org_unit_id: uuid.UUID | None = None
    service_type_id: uuid.UUID | None = None
    # The trip: ``technician_ids`` replaces the assigned technicians (the first becomes
    # the responsible one); ``distance_km`` overrides the pre-filled distance (null
    # clears it), which is otherwise filled again when the technician or location changes.
    trip_type: TripType | None = None
    technician_ids: TechnicianIds | None = None
    distance_km: DistanceKm | None = None


# The campaign cases one completion may tick done (an order concerns at most 100 items).
CampaignCaseIds = Annotated[list[uuid.UUID], Field(max_length=500)]


class MoveIn(_In):
    """A Kanban card moved to ``stage``; to Planned with a booking when none stands; to
    Completed with the campaign cases done at the order ticked (as for ``complete``)."""

    stage: Stage
    booking: BookingIn | None = None
    campaign_case_ids_done: CampaignCaseIds = Field(default_factory=list)


class ActionIn(_In):
    """The optional body of a status action: ``complete`` may tick campaign cases done
    (each an open campaign case of one of the order's serial items; campaigns closes
    them); the other actions take none."""

    campaign_case_ids_done: CampaignCaseIds = Field(default_factory=list)


# --- answers -----------------------------------------------------------------------------


class BookingOut(BaseModel):
    id: uuid.UUID
    technician_id: uuid.UUID
    technician_name: str | None
    starts_at: datetime
    ends_at: datetime
    local_date: dt.date
    local_start: dt.time
    local_end: dt.time
    # standing, missed (the customer was absent) or released.
    state: str
    overrides: list[str]
    override_reason: str | None
    created_at: datetime
    created_by: str | None


class TimeSpentOut(BaseModel):
    travel_seconds: int
    on_site_seconds: int
    working_seconds: int
    break_seconds: int


class ContactOut(BaseModel):
    contact_id: uuid.UUID | None = None
    name: str
    email: str | None = None
    mobile: str | None = None


class ConfirmationOffer(BaseModel):
    """Whether a booking confirmation can be offered now (the order's contact has an
    e-mail and a booking stands); ``reason`` says why not."""

    can_offer: bool
    reason: str | None = None
    contact: ContactOut | None = None


class TechnicianRef(BaseModel):
    id: uuid.UUID
    name: str


class OrderView(BaseModel):
    """One service order as its page shows it."""

    id: uuid.UUID
    version: int
    number: str
    case_id: uuid.UUID
    case_number: str
    kind_id: uuid.UUID | None
    kind_code: str | None
    kind_name: str | None
    customer_id: uuid.UUID | None
    customer_name: str | None
    contact_id: uuid.UUID | None
    contact: ContactOut | None
    serial_item_id: uuid.UUID | None
    location: Address | None
    service_object_ids: list[uuid.UUID]
    priority: Priority
    technician_id: uuid.UUID | None
    technician_name: str | None
    # The trip: its type, every assigned technician (the responsible one first), its
    # distance in km.
    trip_type: TripType
    technician_ids: list[uuid.UUID]
    technicians: list[TechnicianRef]
    distance_km: float | None
    vehicle_id: uuid.UUID | None
    description: str
    customer_order_number: str | None
    facility_name: str | None
    org_unit_id: uuid.UUID | None
    service_type_id: uuid.UUID | None
    callout_id: uuid.UUID | None
    stage: Stage
    status: TechnicianStatus | None
    booked_from: datetime | None
    bookings: list[BookingOut]
    time_spent: TimeSpentOut
    confirmation_offer: ConfirmationOffer
    # The open campaign cases of the order's serial items (service objects and location),
    # to tick done at completion; a case ticked stays here until campaigns has closed it.
    campaign_cases: list[CampaignCaseOut]
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None


class HistoryEntry(BaseModel):
    """One change of the order: ``kind`` created, changed, technician, status, stage,
    booking, absence, ...; ``from``/``to`` the values before and after where one value
    changed (statuses, stages, technician ids)."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    at: datetime
    by: str | None
    kind: str
    from_value: str | None = Field(serialization_alias="from")
    to_value: str | None = Field(serialization_alias="to")
    detail: dict[str, Any]


class HistoryOut(BaseModel):
    items: list[HistoryEntry]
    # True when the order has more entries than the answer holds (the oldest come first).
    truncated: bool
