"""The order write side's use cases: create and change an order (a trip of its case:
``fieldwork.cases.trips``), read it and its history. Each runs in a unit of work,
commits the order's rows, history and events together, and raises kit problems (422
naming the field, 404, 409 with the reason)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Sequence, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_contracts.fieldwork import Address, Stage
from aftersales_kit.problems import Forbidden, Unprocessable
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.cases import trips
from fieldwork.cases.status import publish_case_changed, refresh_case_status
from fieldwork.context import Context
from fieldwork.orders import domain, events, store
from fieldwork.orders.booking_rules import active_technician, localize, place_booking
from fieldwork.orders.schemas import (
    BookingIn,
    HistoryEntry,
    HistoryOut,
    LocationIn,
    OrderChange,
    OrderDraft,
    OrderView,
)
from fieldwork.orders.snapshots import order_view
from fieldwork.visibility import Scope

SO = tables.service_order.c
C = tables.service_case.c

# The history answer holds at most this many entries (the oldest first).
HISTORY_CAP = 1000
_ORDER_NUMBERS = Sequence("service_order_number_seq")
_CASE_NUMBERS = Sequence("service_case_number_seq")


class CustomerUnknown(Unprocessable):
    pass


# --- references ------------------------------------------------------------------------


def _location(raw: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An installation address (catalog's shape) or a free location as stored."""
    if not raw:
        return None
    return Address.model_validate(raw).model_dump(mode="json")


async def _row(session: AsyncSession, table: Any, key: uuid.UUID) -> RowMapping | None:
    found: RowMapping | None = (
        (await session.execute(select(table).where(table.c.id == key))).mappings().first()
    )
    return found


async def _check_customer(session: AsyncSession, out: dict[str, Any], given: set[str]) -> None:
    if out.get("customer_id") is None:
        if "customer_id" in given:
            raise Unprocessable("an order needs a customer", field="customer_id")
        return
    customer = await _row(session, tables.customer, out["customer_id"])
    if customer is None and "customer_id" in given:
        raise CustomerUnknown(
            f"unknown customer {out['customer_id']}: it may not have arrived from catalog"
            " yet (catalog's customer events fill field work's copy)",
            field="customer_id",
        )
    if out.get("contact_id") is not None and ({"contact_id", "customer_id"} & given):
        contacts = (customer["contacts"] if customer is not None else None) or []
        if not any(str(c.get("contact_id")) == str(out["contact_id"]) for c in contacts):
            raise Unprocessable(
                f"contact {out['contact_id']} is not a contact of the order's customer",
                field="contact_id",
            )


async def _check_location(session: AsyncSession, out: dict[str, Any], given: set[str]) -> None:
    """A serial item as the location copies its installation address; a free address
    replaces a serial item."""
    both = out.get("serial_item_id") is not None and out.get("location") is not None
    if both and {"serial_item_id", "location"} <= given:
        raise Unprocessable(
            "give the location as a serial item (serial_item_id) or as an address"
            " (location), not both",
            field="location",
        )
    if out.get("serial_item_id") is not None and "serial_item_id" in given:
        item = await _row(session, tables.serial_item, out["serial_item_id"])
        if item is None:
            raise Unprocessable(
                f"unknown serial item {out['serial_item_id']}", field="serial_item_id"
            )
        out["location"] = _location(item["installation_address"])
    elif "location" in given:
        location = out.get("location")
        out["location"] = (
            location.model_dump(mode="json") if isinstance(location, LocationIn) else None
        )
        if "serial_item_id" not in given:
            out["serial_item_id"] = None


async def _check_objects(session: AsyncSession, out: dict[str, Any], given: set[str]) -> None:
    """The service objects: known serial items, the location's item among them."""
    if not ({"service_object_ids", "serial_item_id"} & given):
        return
    sent = list(out.get("service_object_ids") or [])
    if "service_object_ids" in given and sent:
        known = set(
            await session.scalars(
                select(tables.serial_item.c.id).where(tables.serial_item.c.id.in_(sent))
            )
        )
        for index, object_id in enumerate(sent):
            if object_id not in known:
                raise Unprocessable(
                    f"unknown serial item {object_id}", field=f"service_object_ids.{index}"
                )
    ids = list(dict.fromkeys(sent))
    if out.get("serial_item_id") is not None and out["serial_item_id"] not in ids:
        ids.insert(0, out["serial_item_id"])
    out["service_object_ids"] = ids


async def _check_resources(session: AsyncSession, out: dict[str, Any], given: set[str]) -> None:
    if out.get("technician_id") is not None and "technician_id" in given:
        await active_technician(session, out["technician_id"], "technician_id")
    if out.get("vehicle_id") is not None and "vehicle_id" in given:
        vehicle = await _row(session, tables.vehicle, out["vehicle_id"])
        if vehicle is None:
            raise Unprocessable(f"no vehicle with id {out['vehicle_id']}", field="vehicle_id")
        if not vehicle["active"]:
            raise Unprocessable(
                f"vehicle {vehicle['registration']} is not active", field="vehicle_id"
            )
    type_id = out.get("service_type_id") if "service_type_id" in given else None
    if type_id is not None and await _row(session, tables.service_type, type_id) is None:
        raise Unprocessable(
            f"unknown service type {out['service_type_id']}", field="service_type_id"
        )


async def _check_org_unit_and_kind(
    session: AsyncSession, scope: Scope | None, out: dict[str, Any], given: set[str]
) -> None:
    """An org unit given must be known and visible; the kind active and offered there
    (a kind without an org unit is offered everywhere)."""
    if "org_unit_id" in given:
        unit_id = out.get("org_unit_id")
        if unit_id is not None and await _row(session, tables.org_unit, unit_id) is None:
            raise Unprocessable(
                f"unknown org unit {unit_id}: it may not have arrived from catalog yet",
                field="org_unit_id",
            )
        _require_visible_unit(scope, out.get("org_unit_id"))
    if out.get("kind_id") is None or not ({"kind_id", "org_unit_id"} & given):
        return
    kind = await _row(session, tables.order_kind, out["kind_id"])
    if kind is None:
        raise Unprocessable(f"no order kind with id {out['kind_id']}", field="kind_id")
    if not kind["active"]:
        raise Unprocessable(f"order kind {kind['code']} is not active", field="kind_id")
    if kind["org_unit_id"] is not None and kind["org_unit_id"] != out.get("org_unit_id"):
        raise Unprocessable(
            f"order kind {kind['code']} is not offered in the order's org unit",
            field="kind_id",
        )


async def _check(
    session: AsyncSession, scope: Scope | None, values: dict[str, Any], given: set[str]
) -> dict[str, Any]:
    """Check the references among ``given`` fields of ``values`` (the order as it will be)
    and fill what follows from them (location, service objects); 422 naming the field for
    an unknown or unusable id, 403 for an org unit the caller may not see."""
    out = dict(values)
    await _check_customer(session, out, given)
    await _check_location(session, out, given)
    await _check_objects(session, out, given)
    await _check_resources(session, out, given)
    await _check_org_unit_and_kind(session, scope, out, given)
    return out


async def _default_org_unit(session: AsyncSession, draft: OrderDraft) -> uuid.UUID | None:
    """No org unit given: the serial item's, else the customer's."""
    if draft.serial_item_id is not None:
        unit: uuid.UUID | None = await session.scalar(
            select(tables.serial_item.c.org_unit_id).where(
                tables.serial_item.c.id == draft.serial_item_id
            )
        )
        if unit is not None:
            return unit
    found: uuid.UUID | None = await session.scalar(
        select(tables.customer.c.org_unit_id).where(tables.customer.c.id == draft.customer_id)
    )
    return found


def _require_visible_unit(scope: Scope | None, org_unit_id: uuid.UUID | None) -> None:
    if scope is not None and not scope.sees_org_unit(org_unit_id):
        raise Forbidden("you may only place orders in the org units you see", field="org_unit_id")


async def _next(session: AsyncSession, sequence: Sequence) -> int:
    value = await session.scalar(select(sequence.next_value()))
    assert value is not None  # a sequence always answers
    return int(value)


def _case_name(description: str, kind_name: str | None, number: str) -> str:
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return (first or kind_name or f"Service order {number}")[:200]


# --- create ----------------------------------------------------------------------------


async def create_order(
    uow: UnitOfWork,
    ctx: Context,
    draft: OrderDraft,
    *,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """Open a service order and commit it with its history and events.

    Usable outside HTTP (the callout consumer): ``scope`` None is a system caller that
    sees every org unit; ``by`` is who asked (recorded as ``created_by`` and
    ``changed_by``). Commits ``uow`` (the consumer's inbox mark commits with it).

    - Number ``SO-000123`` from ``service_order_number_seq``; a case of its own (number
      from ``service_case_number_seq``, named by the description's first line or the
      kind) unless ``case_id`` names an existing case of the same customer.
    - The org unit: given, else the serial item's, else the customer's; a restricted
      caller creates only in org units it sees (403 naming ``org_unit_id``).
    - A serial item as the location copies its installation address and joins the
      service objects.
    - ``booking``: booked at once under the booking rules (409 on a conflict unless
      overridden); with a technician the order is Planned.
    - ``callout_id``: at most one order per callout; a repeat answers the existing order
      unchanged (nothing published).
    - The trip: ``trip_type``; ``technician_ids`` (each existing and active, 422 naming
      ``technician_ids.<i>``; the first is the responsible ``technician_id``); every one
      recorded in ``order_technician``; ``distance_km`` as given, else pre-filled from
      the responsible technician's home base to the location (both with coordinates).
    - Unknown or unusable ids: 422 naming the field (``customer_id``, ``contact_id``,
      ``kind_id``, ``serial_item_id``, ``service_object_ids.<i>``, ``technician_id``,
      ``vehicle_id``, ``org_unit_id``, ``service_type_id``, ``case_id``,
      ``booking.technician_id``, ``booking.end`` ...).

    Publishes ``ServiceOrderCreated`` (and ``ServiceOrderBooked`` when booked), and
    ``ServiceCaseChanged`` for a new case or a case whose status the trip moved."""
    session = uow.session
    now = ctx.clock.now()
    if draft.callout_id is not None:
        # Two opens of one callout at once (a redelivery racing the first) wait here for
        # each other, so the second finds the first's order instead of breaking the
        # unique index.
        await session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(str(draft.callout_id), 0)))
        )
        existing = await session.scalar(select(SO.id).where(SO.callout_id == draft.callout_id))
        if existing is not None:
            return await order_view(session, existing, now)
    trip_fields = {"booking", "case_id", "trip_type", "technician_ids", "distance_km"}
    given = {name for name in draft.model_fields_set if name not in trip_fields}
    given.add("customer_id")
    values = draft.model_dump(exclude=trip_fields)
    values["location"] = draft.location
    assigned: list[uuid.UUID] = []
    if draft.technician_ids:
        assigned = await trips.check_technicians(session, draft.technician_ids)
        values["technician_id"] = trips.responsible_of(
            assigned,
            draft.technician_id,
            technician_id_given="technician_id" in draft.model_fields_set,
        )
        given.discard("technician_id")  # checked above, as technician_ids.0
    if values["org_unit_id"] is None:
        values["org_unit_id"] = await _default_org_unit(session, draft)
    values = await _check(session, scope, values, given)
    _require_visible_unit(scope, values["org_unit_id"])
    if draft.case_id is not None:
        case = (
            (await session.execute(select(tables.service_case).where(C.id == draft.case_id)))
            .mappings()
            .first()
        )
        if case is None:
            raise Unprocessable(f"no service case with id {draft.case_id}", field="case_id")
        if case["customer_id"] != draft.customer_id:
            raise Unprocessable(
                "the case belongs to another customer: an order joins a case of its own customer",
                field="case_id",
            )
        if scope is not None and not scope.sees_org_unit(case["org_unit_id"]):
            raise Unprocessable(f"no service case with id {draft.case_id}", field="case_id")
    number = domain.format_number(
        ctx.settings.order_number_prefix,
        await _next(session, _ORDER_NUMBERS),
        ctx.settings.number_width,
    )
    kind_name = None
    if values.get("kind_id") is not None:
        kind_name = await session.scalar(
            select(tables.order_kind.c.name).where(tables.order_kind.c.id == values["kind_id"])
        )
    new_case = False
    if draft.case_id is not None:
        case_id = draft.case_id
    else:
        case_id = uuid.uuid4()
        await session.execute(
            tables.service_case.insert().values(
                id=case_id,
                version=1,
                number=domain.format_number(
                    ctx.settings.case_number_prefix,
                    await _next(session, _CASE_NUMBERS),
                    ctx.settings.number_width,
                ),
                name=_case_name(draft.description, kind_name, number),
                customer_id=draft.customer_id,
                org_unit_id=values["org_unit_id"],
                status="planned",
                service_object_ids=values.get("service_object_ids") or [],
                created_at=now,
                created_by=by,
                updated_at=now,
            )
        )
        new_case = True
    order_id = uuid.uuid4()
    await session.execute(
        tables.service_order.insert().values(
            id=order_id,
            # settle() below writes version 1 with the stage and status.
            version=0,
            number=number,
            case_id=case_id,
            kind_id=values.get("kind_id"),
            customer_id=draft.customer_id,
            contact_id=values.get("contact_id"),
            serial_item_id=values.get("serial_item_id"),
            location=values.get("location"),
            service_object_ids=values.get("service_object_ids") or [],
            priority=draft.priority.value,
            technician_id=values.get("technician_id"),
            vehicle_id=values.get("vehicle_id"),
            description=draft.description,
            customer_order_number=draft.customer_order_number,
            facility_name=draft.facility_name,
            org_unit_id=values["org_unit_id"],
            service_type_id=values.get("service_type_id"),
            callout_id=draft.callout_id,
            trip_type=draft.trip_type.value,
            stage=Stage.NEW.value,
            status=None,
            created_at=now,
            created_by=by,
            updated_at=now,
        )
    )
    record = store.Recorder(session, order_id, now, by)
    await record(
        "created",
        to_value=Stage.NEW.value,
        detail={"number": number, "case_id": str(case_id)}
        | ({"callout_id": str(draft.callout_id)} if draft.callout_id else {}),
    )
    technician_id: uuid.UUID | None = values.get("technician_id")
    if draft.booking is not None:
        technician_id = await _book_new(uow, ctx, order_id, values, draft.booking, record)
    row = await store.find_order(uow, order_id, None, lock=False)
    state = domain.replanned(
        domain.OrderState(
            Stage.NEW,
            None,
            technician_id is not None,
            await store.standing_count(session, order_id),
        )
    )
    if "distance_km" in draft.model_fields_set:
        distance = draft.distance_km
    else:
        distance = await trips.prefilled_distance(session, technician_id, row["location"])
    await store.settle(
        session,
        row,
        state,
        record,
        values={"technician_id": technician_id, "distance_km": trips.stored_distance(distance)},
    )
    if technician_id is not None and technician_id not in assigned:
        assigned.insert(0, technician_id)
    await trips.assign(session, order_id, assigned, at=now, by=by, replace=False)
    happened = events.Happened(created=True, booked=draft.booking is not None)
    await events.publish(uow, order_id, by, happened)
    if new_case:
        await publish_case_changed(uow, case_id, by)
    else:
        # A trip (and its booking) added to a case can move its status (cases.domain).
        await refresh_case_status(uow, ctx, case_id, by=by)
    await uow.commit()
    return await order_view(session, order_id, now)


async def _book_new(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    values: Mapping[str, Any],
    booking: BookingIn,
    record: store.Recorder,
) -> uuid.UUID:
    """The initial booking of a new order; its technician (the booking's, else the
    order's) becomes the order's when it had none."""
    technician_id = booking.technician_id or values.get("technician_id")
    if technician_id is None:
        raise Unprocessable(
            "a booking needs a technician: give booking.technician_id or the order's technician_id",
            field="booking.technician_id",
        )
    zone = await store.zone_of(uow.session, ctx, values.get("org_unit_id"))
    local = localize(booking.date, booking.start, booking.end, zone, "booking.")
    await place_booking(
        uow.session,
        order_id=order_id,
        technician_id=technician_id,
        local=local,
        override=booking.override,
        record=record,
        field_prefix="booking.",
    )
    current: uuid.UUID | None = values.get("technician_id")
    return current if current is not None else technician_id


# --- change ----------------------------------------------------------------------------

_CHANGEABLE = (
    "customer_id",
    "kind_id",
    "contact_id",
    "serial_item_id",
    "location",
    "service_object_ids",
    "priority",
    "technician_id",
    "vehicle_id",
    "description",
    "customer_order_number",
    "facility_name",
    "org_unit_id",
    "service_type_id",
    "trip_type",
    "distance_km",
)


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


async def _team(
    session: AsyncSession, change: OrderChange, wanted: dict[str, Any], given: set[str]
) -> list[uuid.UUID] | None:
    """``technician_ids`` sent: checked (422 naming ``technician_ids.<i>``), the first
    becoming the responsible ``technician_id`` in ``wanted``; None when not sent."""
    if "technician_ids" not in change.model_fields_set:
        return None
    team = await trips.check_technicians(session, change.technician_ids or [])
    wanted["technician_id"] = trips.responsible_of(
        team, change.technician_id, technician_id_given="technician_id" in given
    )
    given.discard("technician_id")  # checked above, as technician_ids.<i>
    return team


async def _distance(
    session: AsyncSession, row: RowMapping, checked: dict[str, Any], given: set[str]
) -> None:
    """The distance as it will be: the planner's, else pre-filled again when the
    responsible technician or the place changed (a planner's figure is kept only while
    neither changes)."""
    moved = _comparable(checked.get("technician_id")) != _comparable(row["technician_id"]) or (
        _comparable(checked.get("location")) != _comparable(row["location"])
    )
    if "distance_km" not in given and moved:
        checked["distance_km"] = await trips.prefilled_distance(
            session, checked.get("technician_id"), checked.get("location")
        )
    checked["distance_km"] = trips.stored_distance(checked.get("distance_km"))


async def _reassign(
    session: AsyncSession,
    row: RowMapping,
    checked: Mapping[str, Any],
    team: list[uuid.UUID] | None,
    changed: list[str],
    *,
    now: datetime,
    by: str | None,
) -> None:
    """Keep ``order_technician``: the team sent replaces it; a responsible technician
    handed over is assigned in the place of the one before."""
    order_id = row["id"]
    if team is not None:
        await trips.assign(session, order_id, team, at=now, by=by, replace=True)
    elif "technician_id" in changed:
        if row["technician_id"] is not None:
            await trips.unassign(session, order_id, row["technician_id"])
        if checked.get("technician_id") is not None:
            await trips.assign(
                session, order_id, [checked["technician_id"]], at=now, by=by, replace=False
            )


async def change_order(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    change: OrderChange,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """Change the fields sent (``null`` clears an optional one); the version goes up when
    anything changed. A completed or cancelled order refuses with 409. A new technician
    replans the order (Planned with a standing booking, New without one) and is recorded
    in the history; ``ServiceOrderChanged`` names the changed fields and, when a
    technician was newly assigned, ``assigned_technician_id``. Bookings stay with the
    technician they were made for (each booking names its own)."""
    session = uow.session
    now = ctx.clock.now()
    row = await store.lock_for_change(uow, order_id, scope, expected_version)
    store.refuse_if_closed(row)
    given = set(change.model_fields_set) & set(_CHANGEABLE)
    for required in ("customer_id", "priority", "description"):
        if required in given and getattr(change, required) is None:
            raise Unprocessable(f"{required} cannot be cleared", field=required)
    if "trip_type" in given and change.trip_type is None:
        raise Unprocessable("trip_type cannot be cleared", field="trip_type")
    current = {name: row[name] for name in _CHANGEABLE}
    wanted = dict(current)
    for name in given:
        wanted[name] = getattr(change, name)
    for name in ("priority", "trip_type"):
        if wanted.get(name) is not None:
            wanted[name] = _comparable(wanted[name])
    if "service_object_ids" in given and wanted["service_object_ids"] is None:
        wanted["service_object_ids"] = []
    team = await _team(session, change, wanted, given)
    checked = await _check(session, scope, wanted, given)
    await _distance(session, row, checked, given)
    changed = [
        name
        for name in _CHANGEABLE
        if _comparable(checked.get(name)) != _comparable(current.get(name))
    ]
    if team is not None:
        before = await trips.assigned_ids(session, order_id, row["technician_id"])
        if set(team) != set(before):
            changed.append("technician_ids")
    if not changed:
        return await order_view(session, order_id, now)
    await _reassign(session, row, checked, team, changed, now=now, by=by)
    record = store.Recorder(session, order_id, now, by)
    await record(
        "changed",
        detail={
            "changed_fields": changed,
            "values": {
                name: [str(t) for t in team or []]
                if name == "technician_ids"
                else _comparable(checked.get(name))
                for name in changed
            },
        },
    )
    assigned = None
    state = await store.state_of(session, row)
    if "technician_id" in changed:
        new_technician = checked.get("technician_id")
        await record(
            "technician",
            from_value=str(row["technician_id"]) if row["technician_id"] else None,
            to_value=str(new_technician) if new_technician else None,
        )
        assigned = new_technician
        state = domain.replanned(
            domain.OrderState(
                state.stage, state.status, new_technician is not None, state.standing_bookings
            )
        )
    columns = {name: checked.get(name) for name in changed if name in _CHANGEABLE}
    await store.settle(session, row, state, record, values=columns)
    await events.publish(
        uow,
        order_id,
        by,
        events.Happened(
            # A distance filled again for a new technician or place follows from the
            # fields named; it is told only when the planner set it.
            changed_fields=[
                name for name in changed if name != "distance_km" or "distance_km" in given
            ],
            assigned_technician_id=assigned,
            previous_stage=Stage(row["stage"]),
        ),
    )
    await uow.commit()
    return await order_view(session, order_id, now)


# --- reads -----------------------------------------------------------------------------


async def get_order(
    uow: UnitOfWork, ctx: Context, order_id: uuid.UUID, *, scope: Scope | None
) -> OrderView:
    """The order with its bookings and time spent (404 outside the caller's sight)."""
    await store.find_order(uow, order_id, scope, lock=False)
    return await order_view(uow.session, order_id, ctx.clock.now())


async def order_history(uow: UnitOfWork, order_id: uuid.UUID, *, scope: Scope | None) -> HistoryOut:
    """Every change of the order in time order, the oldest first (at most
    ``HISTORY_CAP``; ``truncated`` says when there are more)."""
    await store.find_order(uow, order_id, scope, lock=False)
    H = tables.order_history.c
    rows = (
        await uow.session.execute(
            select(tables.order_history)
            .where(H.order_id == order_id)
            .order_by(H.at, H.id)
            .limit(HISTORY_CAP + 1)
        )
    ).mappings()
    entries = [
        HistoryEntry(
            id=r["id"],
            at=r["at"],
            by=r["by"],
            kind=r["kind"],
            from_value=r["from_value"],
            to_value=r["to_value"],
            detail=r["detail"],
        )
        for r in rows
    ]
    return HistoryOut(items=entries[:HISTORY_CAP], truncated=len(entries) > HISTORY_CAP)
