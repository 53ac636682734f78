"""The order's buttons and the Kanban's moves: status actions (depart, arrive, start work,
break, resume, customer absent, complete, cancel) and moving a card to a stage, each
through ``orders.domain``'s rules; a change that does not apply is a 409 with its reason."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping

from aftersales_contracts.fieldwork import Stage
from aftersales_kit.problems import Conflict, Unprocessable
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.campaign_cases import domain as ticks
from fieldwork.campaign_cases.queries import open_cases_of
from fieldwork.cases.status import refresh_case_status
from fieldwork.context import Context
from fieldwork.orders import domain, events, store
from fieldwork.orders.booking_rules import localize, place_booking, release_booking
from fieldwork.orders.schemas import BookingIn, MoveIn, OrderView
from fieldwork.orders.snapshots import order_view, serial_items_of
from fieldwork.visibility import Scope

B = tables.booking.c


class ActionRefused(Conflict):
    """The action or move does not apply to the order as it is (the reason named)."""


def _refused(error: domain.Refused, row: RowMapping) -> ActionRefused:
    return ActionRefused(
        error.reason,
        field=error.field,
        current_stage=row["stage"],
        current_status=row["status"],
    )


async def _standing_ids(
    uow: UnitOfWork, order_id: uuid.UUID, *, starting_after: datetime | None = None
) -> list[uuid.UUID]:
    """The order's standing bookings (those starting after ``starting_after`` only, when
    given), the one that starts first first."""
    query = select(B.id).where(B.order_id == order_id, B.state == store.STANDING)
    if starting_after is not None:
        query = query.where(B.starts_at > starting_after)
    rows = await uow.session.scalars(query.order_by(B.starts_at, B.id))
    return list(rows)


async def _ticked_done(
    uow: UnitOfWork, row: RowMapping, done: Sequence[uuid.UUID], record: store.Recorder
) -> list[uuid.UUID]:
    """The campaign cases ticked done at completion, checked and recorded in the history:
    each must be an open campaign case of one of the order's serial items (422 naming
    ``campaign_case_ids_done.<i>``); a case ticked twice counts once."""
    if not done:
        return []
    offered = {c.case_id: c for c in await open_cases_of(uow.session, serial_items_of(row))}
    bad = ticks.unticked(done, offered)
    if bad is not None:
        raise Unprocessable(
            f"{done[bad]} is not an open campaign case of the order's serial items",
            field=f"campaign_case_ids_done.{bad}",
        )
    ids = ticks.once_each(done)
    await record(
        "campaign_cases_done",
        detail={
            "case_ids": [str(i) for i in ids],
            "case_numbers": [offered[i].case_number for i in ids],
        },
    )
    return ids


def _refuse_ticks_unless(completing: bool, done: Sequence[uuid.UUID]) -> None:
    if done and not completing:
        raise Unprocessable(
            "campaign cases are ticked done only when completing the order",
            field="campaign_case_ids_done",
        )


async def _apply(
    uow: UnitOfWork,
    row: RowMapping,
    action: domain.Action,
    record: store.Recorder,
    done: Sequence[uuid.UUID] = (),
) -> events.Happened:
    """Run ``action`` on the locked order ``row``: the new status and stage written with
    their history rows; what happened, to publish. ``done``: the campaign cases ticked
    done when completing."""
    state = await store.state_of(uow.session, row)
    try:
        new = domain.act(state, action)
    except domain.Refused as error:
        raise _refused(error, row) from error
    now = record.at
    detail: dict[str, Any] = {"action": action.value}
    values: dict[str, Any] = {}
    happened = events.Happened(previous_stage=Stage(row["stage"]))
    if action is domain.Action.CUSTOMER_ABSENT:
        # The visited booking (the standing one that starts first) is missed; the order
        # is replanned with what remains (domain's docstring, decision 71).
        standing = await _standing_ids(uow, row["id"])
        visited = standing[0] if standing else None
        if visited is not None:
            await uow.session.execute(
                update(tables.booking)
                .where(B.id == visited)
                .values(state=store.MISSED, updated_at=now)
            )
        detail["booking_id"] = str(visited) if visited else None
        await record("absence", detail={"booking_id": detail["booking_id"]})
        new = domain.act(
            domain.OrderState(
                state.stage, state.status, state.has_technician, max(len(standing) - 1, 0)
            ),
            action,
        )
        happened.changed_fields = ["status", "bookings"]
    elif action is domain.Action.COMPLETE:
        # The work is done: visits still ahead no longer hold the technician's time; the
        # ones already begun stay, as what happened.
        for booking_id in await _standing_ids(uow, row["id"], starting_after=now):
            await release_booking(uow.session, booking_id, record, now=now, why="completed")
        values["completed_at"] = now
        happened.completed_at = now
        happened.campaign_case_ids_done = await _ticked_done(uow, row, done, record)
    elif action is domain.Action.CANCEL:
        # A cancelled visit no longer holds its technician's time.
        for booking_id in await _standing_ids(uow, row["id"]):
            await release_booking(uow.session, booking_id, record, now=now, why="cancelled")
        values["cancelled_at"] = now
        happened.cancelled_at = now
    else:
        happened.changed_fields = ["status"]
    await store.settle(uow.session, row, new, record, values=values, detail=detail)
    return happened


async def _done(
    uow: UnitOfWork, ctx: Context, order_id: uuid.UUID, by: str | None, what: events.Happened
) -> OrderView:
    await events.publish(uow, order_id, by, what)
    # The case follows its trips (cases.domain): a visit under way, an absence, a
    # booking, a cancellation can each move it.
    case_id = await uow.session.scalar(
        select(tables.service_order.c.case_id).where(tables.service_order.c.id == order_id)
    )
    if case_id is not None:
        await refresh_case_status(uow, ctx, case_id, by=by)
    await uow.commit()
    return await order_view(uow.session, order_id, ctx.clock.now())


async def act_on_order(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    action: domain.Action,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
    campaign_case_ids_done: Sequence[uuid.UUID] = (),
) -> OrderView:
    """Run a status action, stamped with the clock in the order's history (time spent is
    computed from those stamps). Refusals are 409 naming the reason.

    - ``customer_absent`` (en route or on site): the visited booking (the standing one
      that starts first) becomes ``missed``, recorded with its ``booking_id``; the order
      is Planned again while another standing booking remains, else New (no status, the
      technician kept) to be booked again.
    - ``complete``: status Done, stage Completed, ``completed_at`` set, the standing
      bookings that start later released (those begun stay); the campaign cases ticked
      (``campaign_case_ids_done``: open cases of the order's serial items, else 422
      naming ``campaign_case_ids_done.<i>``) recorded in the history and named in
      ``ServiceOrderCompleted``; publishes it and ``ServiceOrderStageChanged``. Other
      actions tick nothing (422 naming ``campaign_case_ids_done``).
    - ``cancel``: status and stage Cancelled, ``cancelled_at`` set, the standing bookings
      released; publishes ``ServiceOrderCancelled`` and ``ServiceOrderStageChanged``.
    - the others: ``ServiceOrderChanged`` (``status``), and ``StageChanged`` if it moved."""
    _refuse_ticks_unless(action is domain.Action.COMPLETE, campaign_case_ids_done)
    row = await store.lock_for_change(uow, order_id, scope, expected_version)
    record = store.Recorder(uow.session, order_id, ctx.clock.now(), by)
    happened = await _apply(uow, row, action, record, campaign_case_ids_done)
    return await _done(uow, ctx, order_id, by, happened)


async def cancel_for_case(
    uow: UnitOfWork, ctx: Context, order_id: uuid.UUID, *, by: str | None
) -> None:
    """Cancel one open order of a case being cancelled: the ``cancel`` action (status and
    stage Cancelled, bookings released, history, ``ServiceOrderCancelled``), in the
    case's transaction: neither committed nor the case refreshed here (the case's own
    cancellation writes it). The caller holds the order's lock."""
    row = await store.find_order(uow, order_id, None, lock=True)
    record = store.Recorder(uow.session, order_id, ctx.clock.now(), by)
    happened = await _apply(uow, row, domain.Action.CANCEL, record)
    await events.publish(uow, order_id, by, happened)


async def _book_for_move(
    uow: UnitOfWork,
    ctx: Context,
    row: RowMapping,
    booking: BookingIn,
    record: store.Recorder,
) -> uuid.UUID:
    technician_id = booking.technician_id or row["technician_id"]
    if technician_id is None:
        raise Unprocessable(
            "a booking needs a technician: give booking.technician_id or set the order's",
            field="booking.technician_id",
        )
    zone = await store.zone_of(uow.session, ctx, row["org_unit_id"])
    local = localize(booking.date, booking.start, booking.end, zone, "booking.")
    await place_booking(
        uow.session,
        order_id=row["id"],
        technician_id=technician_id,
        local=local,
        override=booking.override,
        record=record,
        field_prefix="booking.",
    )
    existing: uuid.UUID | None = row["technician_id"]
    return existing if existing is not None else technician_id


async def move_order(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    move: MoveIn,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """Move a Kanban card (decision 71: a request, never a column write).

    To Completed runs Complete (with the body's ``campaign_case_ids_done``, checked as
    for the action), to Cancelled runs Cancel. To Planned needs a technician
    and a standing booking: the body's ``booking`` is booked first (same rules as
    ``POST .../bookings``), else 409 "needs a technician and a booked date". To New
    releases the standing bookings (refused while a visit is under way). Moving to the
    stage the order is in changes nothing."""
    _refuse_ticks_unless(move.stage is Stage.COMPLETED, move.campaign_case_ids_done)
    row = await store.lock_for_change(uow, order_id, scope, expected_version)
    state = await store.state_of(uow.session, row)
    try:
        action = domain.move(state, move.stage)
    except domain.Refused as error:
        raise _refused(error, row) from error
    now = ctx.clock.now()
    record = store.Recorder(uow.session, order_id, now, by)
    if action is not None:
        await record("moved", from_value=row["stage"], to_value=move.stage.value)
        happened = await _apply(uow, row, action, record, move.campaign_case_ids_done)
        return await _done(uow, ctx, order_id, by, happened)
    if move.stage is state.stage and move.booking is None:
        return await order_view(uow.session, order_id, now)
    happened = events.Happened(previous_stage=state.stage)
    technician_id = row["technician_id"]
    if move.stage is Stage.PLANNED:
        if move.booking is not None:
            technician_id = await _book_for_move(uow, ctx, row, move.booking, record)
            happened.booked = True
            if row["technician_id"] is None:
                happened.changed_fields = ["technician_id"]
                happened.assigned_technician_id = technician_id
        standing = await store.standing_count(uow.session, order_id)
        if technician_id is None or standing == 0:
            raise ActionRefused(
                "moving to planned needs a technician and a booked date: send a booking",
                field="booking",
                current_stage=row["stage"],
                current_status=row["status"],
            )
    else:  # New: what stood is released; the technician stays.
        for booking_id in await _standing_ids(uow, order_id):
            await release_booking(uow.session, booking_id, record, now=now, why="moved to new")
            happened.booked = True
    await record("moved", from_value=row["stage"], to_value=move.stage.value)
    new = domain.replanned(
        domain.OrderState(
            state.stage,
            state.status,
            technician_id is not None,
            await store.standing_count(uow.session, order_id),
        )
    )
    await store.settle(uow.session, row, new, record, values={"technician_id": technician_id})
    return await _done(uow, ctx, order_id, by, happened)
