"""An order as others see it: the ``ServiceOrderSnapshot`` every order event carries, and
the ``OrderView`` its page shows (bookings, time spent, the confirmation offer)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_contracts.fieldwork import (
    Address,
    BookingSnapshot,
    Priority,
    ServiceOrderSnapshot,
    Stage,
    TechnicianStatus,
    TripType,
)
from fieldwork import tables
from fieldwork.campaign_cases.queries import open_cases_of
from fieldwork.orders import domain
from fieldwork.orders.schemas import (
    BookingOut,
    ConfirmationOffer,
    ContactOut,
    OrderView,
    TechnicianRef,
    TimeSpentOut,
)

SO = tables.service_order.c
B = tables.booking.c
T = tables.technician.c

_STANDING = "standing"


async def _order_row(session: AsyncSession, order_id: uuid.UUID) -> RowMapping:
    row = (
        (
            await session.execute(
                select(
                    tables.service_order,
                    tables.service_case.c.number.label("case_number"),
                    tables.order_kind.c.code.label("kind_code"),
                    tables.order_kind.c.name.label("kind_name"),
                    T.username.label("technician_username"),
                    T.name.label("technician_name"),
                    tables.customer.c.name.label("customer_name"),
                    tables.customer.c.contacts.label("customer_contacts"),
                )
                .join(tables.service_case, tables.service_case.c.id == SO.case_id)
                .outerjoin(tables.order_kind, tables.order_kind.c.id == SO.kind_id)
                .outerjoin(tables.technician, T.id == SO.technician_id)
                .outerjoin(tables.customer, tables.customer.c.id == SO.customer_id)
                .where(SO.id == order_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise LookupError(f"no service order with id {order_id}")
    return row


async def _bookings(
    session: AsyncSession, order_id: uuid.UUID, *, standing_only: bool
) -> list[RowMapping]:
    query = (
        select(tables.booking, T.username.label("technician_username"), T.name.label("tname"))
        .join(tables.technician, T.id == B.technician_id)
        .where(B.order_id == order_id)
        .order_by(B.starts_at, B.id)
    )
    if standing_only:
        query = query.where(B.state == _STANDING)
    return list((await session.execute(query)).mappings())


def _snapshot(row: RowMapping, bookings: list[RowMapping]) -> ServiceOrderSnapshot:
    return ServiceOrderSnapshot(
        order_id=row["id"],
        version=row["version"],
        number=row["number"],
        case_id=row["case_id"],
        kind_code=row["kind_code"],
        stage=Stage(row["stage"]),
        status=TechnicianStatus(row["status"]) if row["status"] else None,
        priority=Priority(row["priority"]),
        customer_id=row["customer_id"],
        contact_id=row["contact_id"],
        org_unit_id=row["org_unit_id"],
        serial_item_id=row["serial_item_id"],
        service_object_ids=list(row["service_object_ids"]),
        service_type_id=row["service_type_id"],
        technician_id=row["technician_id"],
        technician_username=row["technician_username"],
        vehicle_id=row["vehicle_id"],
        callout_id=row["callout_id"],
        bookings=[
            BookingSnapshot(
                booking_id=b["id"],
                technician_id=b["technician_id"],
                technician_username=b["technician_username"],
                starts_at=b["starts_at"],
                ends_at=b["ends_at"],
                local_date=b["local_date"],
                local_start=b["local_start"],
                local_end=b["local_end"],
            )
            for b in bookings
        ],
        completed_at=row["completed_at"],
        cancelled_at=row["cancelled_at"],
    )


def serial_items_of(row: RowMapping) -> list[uuid.UUID]:
    """The serial items an order concerns: its service objects and its location's item."""
    items = list(row["service_object_ids"] or [])
    if row["serial_item_id"] is not None and row["serial_item_id"] not in items:
        items.append(row["serial_item_id"])
    return items


async def order_snapshot(session: AsyncSession, order_id: uuid.UUID) -> ServiceOrderSnapshot:
    """The order as its events carry it: every field others need, the standing bookings
    (time order) with their technicians' usernames. Raises ``LookupError`` for an unknown
    id (callers check visibility first)."""
    row = await _order_row(session, order_id)
    return _snapshot(row, await _bookings(session, order_id, standing_only=True))


def _contact(row: RowMapping) -> ContactOut | None:
    if row["contact_id"] is None:
        return None
    for contact in row["customer_contacts"] or []:
        if str(contact.get("contact_id")) == str(row["contact_id"]):
            return ContactOut(
                contact_id=row["contact_id"],
                name=str(contact.get("name") or ""),
                email=contact.get("email") or None,
                mobile=contact.get("mobile") or None,
            )
    return None


def confirmation_offer(
    contact: ContactOut | None, standing_bookings: int, stage: Stage
) -> ConfirmationOffer:
    """Can a booking confirmation be offered: a standing booking of an open order, and a
    contact person with an e-mail address to send it to."""
    if stage in domain.FINAL_STAGES:
        return ConfirmationOffer(can_offer=False, reason=f"the order is {stage.value}")
    if standing_bookings == 0:
        return ConfirmationOffer(can_offer=False, reason="the order has no booking to confirm")
    if contact is None:
        return ConfirmationOffer(can_offer=False, reason="the order has no contact person")
    if not contact.email:
        return ConfirmationOffer(
            can_offer=False, reason="the contact person has no e-mail address", contact=contact
        )
    return ConfirmationOffer(can_offer=True, contact=contact)


async def time_spent(session: AsyncSession, order_id: uuid.UUID, now: datetime) -> domain.TimeSpent:
    """Travel, on-site, working and break time from the order's status history rows."""
    rows = await session.execute(
        select(tables.order_history.c.at, tables.order_history.c.to_value)
        .where(
            tables.order_history.c.order_id == order_id,
            tables.order_history.c.kind == "status",
        )
        .order_by(tables.order_history.c.id)
    )
    stamps = [domain.StatusStamp(at, TechnicianStatus(to) if to else None) for at, to in rows.all()]
    return domain.time_spent(stamps, now)


async def trip_technicians(
    session: AsyncSession, order_id: uuid.UUID, responsible: uuid.UUID | None
) -> list[TechnicianRef]:
    """Every technician assigned to the trip, the responsible one first, then by name."""
    OT = tables.order_technician.c
    rows = (
        await session.execute(
            select(T.id, T.name)
            .where(
                T.id.in_(select(OT.technician_id).where(OT.order_id == order_id))
                | (T.id == responsible)
            )
            .order_by(T.name, T.id)
        )
    ).all()
    refs = [TechnicianRef(id=r.id, name=r.name) for r in rows]
    return sorted(refs, key=lambda ref: ref.id != responsible)


async def order_view(session: AsyncSession, order_id: uuid.UUID, now: datetime) -> OrderView:
    """The order as its page shows it; ``now`` closes a status still running."""
    row = await _order_row(session, order_id)
    bookings = await _bookings(session, order_id, standing_only=False)
    spent = await time_spent(session, order_id, now)
    contact = _contact(row)
    standing = sum(1 for b in bookings if b["state"] == _STANDING)
    stage = Stage(row["stage"])
    location = row["location"]
    campaign_cases = await open_cases_of(session, serial_items_of(row))
    technicians = await trip_technicians(session, order_id, row["technician_id"])
    distance = row["distance_km"]
    return OrderView(
        id=row["id"],
        version=row["version"],
        number=row["number"],
        case_id=row["case_id"],
        case_number=row["case_number"],
        kind_id=row["kind_id"],
        kind_code=row["kind_code"],
        kind_name=row["kind_name"],
        customer_id=row["customer_id"],
        customer_name=row["customer_name"],
        contact_id=row["contact_id"],
        contact=contact,
        serial_item_id=row["serial_item_id"],
        location=Address.model_validate(location) if location else None,
        service_object_ids=list(row["service_object_ids"]),
        priority=Priority(row["priority"]),
        technician_id=row["technician_id"],
        technician_name=row["technician_name"],
        trip_type=TripType(row["trip_type"]),
        technician_ids=[t.id for t in technicians],
        technicians=technicians,
        distance_km=float(distance) if distance is not None else None,
        vehicle_id=row["vehicle_id"],
        description=row["description"],
        customer_order_number=row["customer_order_number"],
        facility_name=row["facility_name"],
        org_unit_id=row["org_unit_id"],
        service_type_id=row["service_type_id"],
        callout_id=row["callout_id"],
        stage=stage,
        status=TechnicianStatus(row["status"]) if row["status"] else None,
        booked_from=row["booked_from"],
        bookings=[
            BookingOut(
                id=b["id"],
                technician_id=b["technician_id"],
                technician_name=b["tname"],
                starts_at=b["starts_at"],
                ends_at=b["ends_at"],
                local_date=b["local_date"],
                local_start=b["local_start"],
                local_end=b["local_end"],
                state=b["state"],
                overrides=list(b["overrides"]),
                override_reason=b["override_reason"],
                created_at=b["created_at"],
                created_by=b["created_by"],
            )
            for b in bookings
        ],
        time_spent=TimeSpentOut(
            travel_seconds=int(spent.travel.total_seconds()),
            on_site_seconds=int(spent.on_site.total_seconds()),
            working_seconds=int(spent.working.total_seconds()),
            break_seconds=int(spent.on_break.total_seconds()),
        ),
        confirmation_offer=confirmation_offer(contact, standing, stage),
        campaign_cases=campaign_cases,
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
        completed_at=row["completed_at"],
        cancelled_at=row["cancelled_at"],
    )
