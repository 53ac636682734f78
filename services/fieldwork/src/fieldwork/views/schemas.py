"""The read side's HTTP shapes: order cards, the board, planning days and weeks, my day and
the day's map (GeoJSON)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from aftersales_contracts.fieldwork import Priority, Stage, TechnicianStatus


class KindRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str


class CustomerRef(BaseModel):
    id: uuid.UUID
    name: str
    customer_number: str


class TechnicianRef(BaseModel):
    id: uuid.UUID
    name: str


class Location(BaseModel):
    """Where the intervention is: the address and, where known, its coordinates."""

    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    latitude: float | None = None
    longitude: float | None = None


class OrderCard(BaseModel):
    """An order as lists, the board and the planning views show it."""

    id: uuid.UUID
    number: str
    stage: Stage
    status: TechnicianStatus | None
    priority: Priority
    kind: KindRef | None
    customer: CustomerRef | None
    location: Location | None
    technician: TechnicianRef | None
    org_unit_id: uuid.UUID | None
    booked_from: dt.datetime | None = Field(
        description="the start of the earliest standing booking"
    )
    created_at: dt.datetime
    description: str = Field(description="the description's first 140 characters")


class OrderPage(BaseModel):
    items: list[OrderCard]
    next_cursor: str | None


class BoardColumn(BaseModel):
    stage: Stage
    count: int = Field(description="every order of the filter in this stage")
    cards: list[OrderCard]
    next_cursor: str | None = Field(
        description="pass as cursor with column=<stage> for the column's next cards"
    )


class Board(BaseModel):
    columns: list[BoardColumn]


class WorkingInterval(BaseModel):
    start: dt.time
    end: dt.time


class Gap(BaseModel):
    """Free time within the working hours, no standing booking in it."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: dt.time
    local_end: dt.time
    minutes: int


class PlannedBooking(BaseModel):
    booking_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_date: dt.date
    local_start: dt.time
    local_end: dt.time
    overrides: list[str]
    override_reason: str | None
    order: OrderCard | None = Field(
        description="null for an order the caller may not see: the time is busy all the same"
    )


class TechnicianDay(BaseModel):
    date: dt.date
    working_hours: list[WorkingInterval]
    bookings: list[PlannedBooking]
    gaps: list[Gap]


class PlannedTechnician(BaseModel):
    id: uuid.UUID
    name: str
    org_unit_id: uuid.UUID | None
    time_zone: str


class TechnicianPlan(BaseModel):
    technician: PlannedTechnician
    days: list[TechnicianDay]


class Unbooked(BaseModel):
    """Orders in stage new of the planned org units, most urgent and oldest first."""

    count: int
    items: list[OrderCard]
    next_cursor: str | None = Field(description="pass as unbooked_cursor for the next ones")


class PlanningDay(BaseModel):
    date: dt.date
    technicians: list[TechnicianPlan]
    unbooked: Unbooked


class PlanningWeek(BaseModel):
    week_start: dt.date
    days: list[dt.date]
    technicians: list[TechnicianPlan]
    unbooked: Unbooked


class CaseRef(BaseModel):
    id: uuid.UUID
    number: str
    name: str


class ProtocolRef(BaseModel):
    id: uuid.UUID
    status: Literal["draft", "completed"]


class MyDayBooking(PlannedBooking):
    """A booking on the technician's phone: with its order's case, and the order's
    protocol once one is opened (null before: the phone offers to start it)."""

    case: CaseRef | None = None
    protocol: ProtocolRef | None = None


class MyDay(BaseModel):
    date: dt.date
    technician: PlannedTechnician
    working_hours: list[WorkingInterval]
    bookings: list[MyDayBooking]


# --- GeoJSON (RFC 7946) ------------------------------------------------------------------


class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(description="[longitude, latitude]")


class LineStringGeometry(BaseModel):
    type: Literal["LineString"]
    coordinates: list[list[float]]


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: PointGeometry | LineStringGeometry = Field(discriminator="type")
    properties: dict[str, Any]


class DayMap(BaseModel):
    """The day's visits: Point features (``properties.kind`` "stop") and per technician a
    LineString (``kind`` "route"); visits without coordinates in ``unlocated``."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    unlocated: list[dict[str, Any]]
