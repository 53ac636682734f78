"""Booking an order: add, move or remove a visit under the booking rules (decision 72),
each a change of the order (If-Match of the order, its version goes up), replanning it
and publishing ``ServiceOrderBooked``."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from aftersales_contracts.fieldwork import Stage
from aftersales_kit.problems import Conflict, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.cases.status import refresh_case_status
from fieldwork.context import Context
from fieldwork.orders import domain, events, store
from fieldwork.orders.booking_rules import localize, place_booking, release_booking
from fieldwork.orders.schemas import BookingChange, BookingIn, OrderView
from fieldwork.orders.snapshots import order_view
from fieldwork.visibility import Scope

B = tables.booking.c


class BookingNotFound(NotFound):
    pass


class BookingNotStanding(Conflict):
    """A missed or released booking is history: it is not moved or removed."""


async def _booking(uow: UnitOfWork, order_id: uuid.UUID, booking_id: uuid.UUID) -> RowMapping:
    row = (
        (
            await uow.session.execute(
                select(tables.booking).where(B.id == booking_id, B.order_id == order_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise BookingNotFound(f"order {order_id} has no booking {booking_id}")
    if row["state"] != store.STANDING:
        raise BookingNotStanding(
            f"the booking is {row['state']}: only a standing booking can be changed",
            state=row["state"],
        )
    return row


async def _replan_and_finish(
    uow: UnitOfWork,
    ctx: Context,
    row: RowMapping,
    record: store.Recorder,
    technician_id: uuid.UUID | None,
    by: str | None,
) -> OrderView:
    """Replan the order after its bookings changed, write it, publish Booked (with
    Changed when the order got its technician, StageChanged when the stage moved)."""
    previous = Stage(row["stage"])
    try:
        new = domain.replanned(
            domain.OrderState(
                previous,
                store.status_of(row),
                technician_id is not None,
                await store.standing_count(uow.session, row["id"]),
            )
        )
    except domain.Refused as error:
        raise store.OrderClosed(error.reason) from error
    await store.settle(uow.session, row, new, record, values={"technician_id": technician_id})
    happened = events.Happened(booked=True, previous_stage=previous)
    if row["technician_id"] is None and technician_id is not None:
        await record("technician", to_value=str(technician_id))
        happened.changed_fields = ["technician_id"]
        happened.assigned_technician_id = technician_id
    await events.publish(uow, row["id"], by, happened)
    # A booking made after a problem resolves it (cases.domain).
    await refresh_case_status(uow, ctx, row["case_id"], by=by)
    await uow.commit()
    return await order_view(uow.session, row["id"], ctx.clock.now())


async def add_booking(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    booking: BookingIn,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """Book a visit: the technician (default: the order's; none → 422 ``technician_id``)
    on the local date from start to end in the order's org unit's time zone. Refused with
    409 and ``conflicts`` on an overlap with another standing booking of the technician or
    outside their working hours, unless ``override.reason`` is given (stored and in the
    history). An order without a technician gets the booking's."""
    row = await store.lock_for_change(uow, order_id, scope, expected_version)
    store.refuse_if_closed(row)
    technician_id = booking.technician_id or row["technician_id"]
    if technician_id is None:
        raise Unprocessable(
            "the order has no technician: name the booking's technician_id",
            field="technician_id",
        )
    zone = await store.zone_of(uow.session, ctx, row["org_unit_id"])
    local = localize(booking.date, booking.start, booking.end, zone, "")
    record = store.Recorder(uow.session, order_id, ctx.clock.now(), by)
    await place_booking(
        uow.session,
        order_id=order_id,
        technician_id=technician_id,
        local=local,
        override=booking.override,
        record=record,
    )
    return await _replan_and_finish(
        uow, ctx, row, record, row["technician_id"] or technician_id, by
    )


async def change_booking(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    booking_id: uuid.UUID,
    change: BookingChange,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """Move a standing booking (date, start, end) or hand it to another technician, under
    the same rules as a new one (its own old interval does not count as an overlap)."""
    row = await store.lock_for_change(uow, order_id, scope, expected_version)
    store.refuse_if_closed(row)
    current = await _booking(uow, order_id, booking_id)
    zone = await store.zone_of(uow.session, ctx, row["org_unit_id"])
    local = localize(
        change.date or current["local_date"],
        change.start or current["local_start"],
        change.end or current["local_end"],
        zone,
        "",
    )
    record = store.Recorder(uow.session, order_id, ctx.clock.now(), by)
    await place_booking(
        uow.session,
        order_id=order_id,
        technician_id=change.technician_id or current["technician_id"],
        local=local,
        override=change.override,
        record=record,
        booking_id=booking_id,
    )
    return await _replan_and_finish(uow, ctx, row, record, row["technician_id"], by)


async def remove_booking(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    booking_id: uuid.UUID,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """Remove a standing booking: it is kept as ``released`` (the history and sent
    confirmations refer to it); with none left the order goes back to New."""
    row = await store.lock_for_change(uow, order_id, scope, expected_version)
    store.refuse_if_closed(row)
    await _booking(uow, order_id, booking_id)
    now = ctx.clock.now()
    record = store.Recorder(uow.session, order_id, now, by)
    await release_booking(uow.session, booking_id, record, now=now, why="removed")
    return await _replan_and_finish(uow, ctx, row, record, row["technician_id"], by)
