"""The read side's queries: the order list, the board, planning days and weeks, my day and
the day's map. Every query keeps to what the caller may see (``visibility.Scope``).

Local dates (booked, created, a booking's day) are days in the order's org unit's time
zone (the service's zone for an order without one); a booking's day is the
``booking.local_date`` the planner booked.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    Date,
    Select,
    case,
    cast,
    false,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.sql import ColumnElement

from aftersales_contracts.fieldwork import Priority, Stage
from aftersales_kit import keyset
from aftersales_kit.pagination import Sort, decode_cursor, page_of
from aftersales_kit.problems import NotFound, Unprocessable
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.views import domain
from fieldwork.visibility import Scope

o = tables.service_order.c
kind = tables.order_kind.c
cust = tables.customer.c
tech = tables.technician.c
bk = tables.booking.c
order_unit = tables.org_unit.alias("order_unit")
tech_unit = tables.org_unit.alias("technician_unit")

# The widest UTC offsets there are (-12 h .. +14 h): a local day lies within its UTC day
# widened by 14 hours each side, a range the indexes on the instants can use.
_OFFSET_SLACK = timedelta(hours=14)
# Sorts after every real booking: an order without one comes last in booked order. Not
# 'infinity', which asyncpg reads back as a naive value no cursor can carry.
_FAR_FUTURE = datetime(3000, 1, 1, tzinfo=UTC)
# A description's first characters are enough for an excerpt: cards never carry it whole.
_DESCRIPTION_CHARS = domain.EXCERPT_LENGTH + 40

# --- order cards -------------------------------------------------------------------------

_CARD_FROM = (
    tables.service_order.outerjoin(tables.order_kind, kind.id == o.kind_id)
    .outerjoin(tables.customer, cust.id == o.customer_id)
    .outerjoin(tables.technician, tech.id == o.technician_id)
    .outerjoin(order_unit, order_unit.c.id == o.org_unit_id)
)

_CARD_COLUMNS: tuple[ColumnElement[Any], ...] = (
    o.id,
    o.number,
    o.stage,
    o.status,
    o.priority,
    o.location,
    o.org_unit_id,
    o.booked_from,
    o.created_at,
    func.left(o.description, _DESCRIPTION_CHARS).label("description"),
    kind.id.label("kind_ref_id"),
    kind.code.label("kind_code"),
    kind.name.label("kind_name"),
    cust.id.label("customer_ref_id"),
    cust.name.label("customer_name"),
    cust.customer_number.label("customer_number"),
    tech.id.label("technician_ref_id"),
    tech.name.label("technician_name"),
)


def card_query() -> Select[Any]:
    """Order cards: the order with its kind, customer and technician (outer joins: each
    may be missing or not yet projected)."""
    return select(*_CARD_COLUMNS).select_from(_CARD_FROM)


def card(row: Any, prefix: str = "") -> dict[str, Any]:
    """An ``OrderCard`` from a row of ``card_query`` (its columns, optionally prefixed)."""
    m = row._mapping

    def get(name: str) -> Any:
        return m[prefix + name]

    return {
        "id": get("id"),
        "number": get("number"),
        "stage": get("stage"),
        "status": get("status"),
        "priority": get("priority"),
        "kind": (
            {"id": get("kind_ref_id"), "code": get("kind_code"), "name": get("kind_name")}
            if get("kind_ref_id") is not None
            else None
        ),
        "customer": (
            {
                "id": get("customer_ref_id"),
                "name": get("customer_name"),
                "customer_number": get("customer_number"),
            }
            if get("customer_ref_id") is not None
            else None
        ),
        "location": get("location"),
        "technician": (
            {"id": get("technician_ref_id"), "name": get("technician_name")}
            if get("technician_ref_id") is not None
            else None
        ),
        "org_unit_id": get("org_unit_id"),
        "booked_from": get("booked_from"),
        "created_at": get("created_at"),
        "description": domain.excerpt(get("description")),
    }


# --- filters -----------------------------------------------------------------------------


@dataclass
class OrderFilter:
    """The list's and the board's filters; empty lists and None mean "any"."""

    stages: list[Stage] = field(default_factory=list)
    org_unit_ids: list[uuid.UUID] = field(default_factory=list)
    technician_ids: list[uuid.UUID] = field(default_factory=list)
    kind_ids: list[uuid.UUID] = field(default_factory=list)
    priorities: list[Priority] = field(default_factory=list)
    customer_ids: list[uuid.UUID] = field(default_factory=list)
    booked_from: date | None = None
    booked_to: date | None = None
    created_from: date | None = None
    created_to: date | None = None
    # A prefix of the order number ("SO-0001"), case-insensitive.
    number: str | None = None

    def check(self) -> None:
        for name in ("booked", "created"):
            start, end = getattr(self, f"{name}_from"), getattr(self, f"{name}_to")
            if start is not None and end is not None and start > end:
                raise Unprocessable(
                    f"{name}_from {start} is after {name}_to {end}", field=f"query.{name}_from"
                )


def _zone_of_order(default_zone: str) -> ColumnElement[str]:
    return func.coalesce(order_unit.c.time_zone, literal(default_zone))


def _local_days(
    column: ColumnElement[datetime],
    start: date | None,
    end: date | None,
    default_zone: str,
) -> list[ColumnElement[bool]]:
    """``column`` (an instant) falls on a local day from ``start`` to ``end`` in the
    order's time zone: the exact test, and a wider range on the instant for the index."""
    local_day = cast(func.timezone(_zone_of_order(default_zone), column), Date)
    where: list[ColumnElement[bool]] = []
    if start is not None:
        where.append(column >= datetime.combine(start, time(), UTC) - _OFFSET_SLACK)
        where.append(local_day >= start)
    if end is not None:
        where.append(
            column < datetime.combine(end + timedelta(days=1), time(), UTC) + _OFFSET_SLACK
        )
        where.append(local_day <= end)
    return where


def conditions(criteria: OrderFilter, scope: Scope, default_zone: str) -> list[ColumnElement[bool]]:
    """The filter and the caller's scope as conditions on ``card_query``'s rows."""
    criteria.check()
    where: list[ColumnElement[bool]] = [scope.orders_clause()]
    if criteria.stages:
        where.append(o.stage.in_([s.value for s in criteria.stages]))
    if criteria.org_unit_ids:
        where.append(o.org_unit_id.in_(criteria.org_unit_ids))
    if criteria.technician_ids:
        where.append(o.technician_id.in_(criteria.technician_ids))
    if criteria.kind_ids:
        where.append(o.kind_id.in_(criteria.kind_ids))
    if criteria.priorities:
        where.append(o.priority.in_([p.value for p in criteria.priorities]))
    if criteria.customer_ids:
        where.append(o.customer_id.in_(criteria.customer_ids))
    where += _local_days(o.booked_from, criteria.booked_from, criteria.booked_to, default_zone)
    where += _local_days(o.created_at, criteria.created_from, criteria.created_to, default_zone)
    if criteria.number:
        where.append(o.number.like(like_escape(criteria.number.upper()) + "%", escape="\\"))
    return where


# --- the order list ----------------------------------------------------------------------

# sort field -> (key expression, its kind in a cursor); booked_from is coalesced so the
# keyset holds for orders not booked (they come last, booked order ascending).
LIST_SORTS: dict[str, tuple[ColumnElement[Any], type]] = {
    "created_at": (o.created_at, datetime),
    "booked_from": (func.coalesce(o.booked_from, literal(_FAR_FUTURE)), datetime),
}


def parse_sort(text: str) -> Sort:
    return Sort.parse(text, tuple(LIST_SORTS))


async def list_orders(
    uow: UnitOfWork,
    criteria: OrderFilter,
    scope: Scope,
    sort: Sort,
    cursor: str | None,
    limit: int,
    default_zone: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of order cards in keyset order (sort key, id)."""
    key, kind_of_key = LIST_SORTS[sort.field]
    columns = [key, o.id]
    if criteria.number:
        await plan_for_values(uow.session)
    where = conditions(criteria, scope, default_zone)
    if cursor is not None:
        last = decode_cursor(cursor, (kind_of_key, uuid.UUID), sort)
        where.append(keyset.after(columns, last, descending=sort.descending))
    query = (
        card_query()
        .add_columns(key.label("sort_key"))
        .where(*where)
        .order_by(*keyset.order(columns, descending=sort.descending))
        .limit(limit + 1)
    )
    rows = (await uow.session.execute(query)).all()
    page, next_cursor = page_of(rows, limit, lambda r: (r.sort_key, r.id), sort)
    return [card(r) for r in page], next_cursor


# --- the board ---------------------------------------------------------------------------

BOARD_STAGES = (Stage.NEW, Stage.PLANNED, Stage.COMPLETED, Stage.CANCELLED)


@dataclass(frozen=True)
class ColumnOrder:
    """A column's card order: a time column (null ones after the others, by id), then the
    id. Each has an index (stage, key, id) (migration 0003)."""

    key: Column[Any]
    descending: bool


# Each column's card order: new ones newest first, planned ones by booked time (the next
# visit first), completed and cancelled ones most recently closed first.
COLUMN_ORDERS: dict[Stage, ColumnOrder] = {
    Stage.NEW: ColumnOrder(o.created_at, True),
    Stage.PLANNED: ColumnOrder(o.booked_from, False),
    Stage.COMPLETED: ColumnOrder(o.completed_at, True),
    Stage.CANCELLED: ColumnOrder(o.cancelled_at, True),
}


def _column_sort(stage: Stage) -> str:
    # A column's cursor names its column: another column's cursor is refused.
    return f"board.{stage.value}"


def _column_parts(
    stage: Stage, where: list[ColumnElement[bool]], limit: int, last: tuple[Any, ...] | None
) -> list[Select[Any]]:
    """A column's next ``limit + 1`` cards after ``last`` as (at most) two index range
    scans: the cards with a key in key order, then those without one in id order. One
    ``OR key IS NULL`` query instead could not start its scan at the cursor."""
    order_of = COLUMN_ORDERS[stage]
    key, descending = order_of.key, order_of.descending
    in_column = [*where, o.stage == stage.value]
    parts: list[Select[Any]] = []
    if last is None or last[0] is not None:
        keyed = [*in_column, key.is_not(None)]
        if last is not None:
            keyed.append(keyset.after([key, o.id], last, descending=descending))
        parts.append(
            card_query()
            .add_columns(key.label("sort_key"))
            .where(*keyed)
            .order_by(*keyset.order([key, o.id], descending=descending))
            .limit(limit + 1)
        )
    if key.nullable:
        unkeyed = [*in_column, key.is_(None)]
        if last is not None and last[0] is None:
            unkeyed.append(keyset.after([o.id], last[1:], descending=descending))
        parts.append(
            card_query()
            .add_columns(key.label("sort_key"))
            .where(*unkeyed)
            # (key, id) rather than id alone: the order of the (stage, key, id) index,
            # which the planner then scans instead of the primary key.
            .order_by(*keyset.order([key, o.id], descending=descending))
            .limit(limit + 1)
        )
    return parts


def _in_column_order(stage: Stage, rows: list[Any]) -> list[Any]:
    # UNION ALL keeps no order across its parts: each column is put in order again here.
    descending = COLUMN_ORDERS[stage].descending
    keyed = sorted(
        (r for r in rows if r.sort_key is not None),
        key=lambda r: (r.sort_key, r.id),
        reverse=descending,
    )
    unkeyed = sorted(
        (r for r in rows if r.sort_key is None), key=lambda r: r.id, reverse=descending
    )
    return keyed + unkeyed


async def board(
    uow: UnitOfWork,
    criteria: OrderFilter,
    scope: Scope,
    limit: int,
    column: Stage | None,
    cursor: str | None,
    default_zone: str,
) -> list[dict[str, Any]]:
    """The board's columns with exact counts and at most ``limit`` cards each (one
    column only, after ``cursor``, when ``column`` is given): two statements, the counts
    and every column's cards in one UNION ALL."""
    if cursor is not None and column is None:
        raise Unprocessable("a cursor pages one column: name it in column", field="query.column")
    stages = [column] if column is not None else list(BOARD_STAGES)
    last = None
    if cursor is not None and column is not None:
        last = decode_cursor(cursor, (datetime, uuid.UUID), _column_sort(column))
    if criteria.number:
        await plan_for_values(uow.session)
    where = conditions(criteria, scope, default_zone)
    counted = await uow.session.execute(
        select(o.stage, func.count())
        .select_from(_CARD_FROM)
        # Every stage is a column: no stage condition, so the count can be an index-only
        # scan of a (stage, ...) index.
        .where(*where, *([o.stage == column.value] if column is not None else []))
        .group_by(o.stage)
    )
    counts = {Stage(stage): n for stage, n in counted.all()}
    parts = [part for stage in stages for part in _column_parts(stage, where, limit, last)]
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    rows_by_stage: dict[Stage, list[Any]] = defaultdict(list)
    for row in (await uow.session.execute(statement)).all():
        rows_by_stage[Stage(row.stage)].append(row)
    answer = []
    for stage in stages:
        rows = _in_column_order(stage, rows_by_stage[stage])
        page, next_cursor = page_of(rows, limit, lambda r: (r.sort_key, r.id), _column_sort(stage))
        answer.append(
            {
                "stage": stage,
                "count": counts.get(stage, 0),
                "cards": [card(r) for r in page],
                "next_cursor": next_cursor,
            }
        )
    return answer


# --- technicians and their bookings ------------------------------------------------------


@dataclass(frozen=True)
class PlannedTechnician:
    id: uuid.UUID
    name: str
    org_unit_id: uuid.UUID | None
    time_zone: str
    home_base: dict[str, Any] | None
    working_hours: dict[str, Any]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def out(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "org_unit_id": self.org_unit_id,
            "time_zone": self.time_zone,
        }


_TECHNICIAN_QUERY = select(
    tech.id,
    tech.name,
    tech.org_unit_id,
    tech.home_base,
    tech.working_hours,
    tech_unit.c.time_zone,
).select_from(tables.technician.outerjoin(tech_unit, tech_unit.c.id == tech.org_unit_id))


def _technician(row: Any, default_zone: str) -> PlannedTechnician:
    return PlannedTechnician(
        id=row.id,
        name=row.name,
        org_unit_id=row.org_unit_id,
        time_zone=row.time_zone or default_zone,
        home_base=row.home_base,
        working_hours=row.working_hours or {},
    )


async def technicians(
    uow: UnitOfWork,
    scope: Scope,
    org_unit_ids: Sequence[uuid.UUID],
    technician_ids: Sequence[uuid.UUID],
    default_zone: str,
) -> list[PlannedTechnician]:
    """The active technicians planned: of the org units asked for (else every one the
    caller sees), or the ones asked for; a technician-only caller plans only themself."""
    where: list[ColumnElement[bool]] = [
        tech.active.is_(True),
        scope.org_unit_clause(tech.org_unit_id),
    ]
    if scope.own_orders_only:
        where.append(tech.id == scope.technician_id if scope.technician_id else false())
    if org_unit_ids:
        where.append(tech.org_unit_id.in_(org_unit_ids))
    if technician_ids:
        where.append(tech.id.in_(technician_ids))
    rows = await uow.session.execute(_TECHNICIAN_QUERY.where(*where).order_by(tech.name, tech.id))
    return [_technician(r, default_zone) for r in rows]


_BOOKING_COLUMNS: tuple[ColumnElement[Any], ...] = (
    bk.id.label("booking_id"),
    bk.technician_id.label("booking_technician_id"),
    bk.starts_at,
    bk.ends_at,
    bk.local_date,
    bk.local_start,
    bk.local_end,
    bk.overrides,
    bk.override_reason,
)


def _bookings_query(scope: Scope) -> Select[Any]:
    """Standing bookings with their orders' cards, and whether the caller may see the
    order (a hidden order's booking still takes the technician's time)."""
    visible = scope.orders_clause()
    return (
        select(*_BOOKING_COLUMNS, *_CARD_COLUMNS, visible.label("visible"))
        .select_from(_CARD_FROM.join(tables.booking, bk.order_id == o.id))
        .where(bk.state == "standing")
    )


def _planned_booking(row: Any) -> dict[str, Any]:
    return {
        "booking_id": row.booking_id,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "local_date": row.local_date,
        "local_start": row.local_start,
        "local_end": row.local_end,
        "overrides": list(row.overrides or []),
        "override_reason": row.override_reason,
        "order": card(row) if row.visible else None,
    }


async def standing_bookings(
    uow: UnitOfWork,
    scope: Scope,
    technician_ids: Sequence[uuid.UUID],
    first_day: date,
    last_day: date,
) -> dict[tuple[uuid.UUID, date], list[Any]]:
    """The standing bookings of these technicians on these days, by (technician, day),
    each list in time order."""
    if not technician_ids:
        return {}
    rows = await uow.session.execute(
        _bookings_query(scope)
        .where(
            bk.technician_id.in_(technician_ids),
            bk.local_date >= first_day,
            bk.local_date <= last_day,
        )
        .order_by(bk.technician_id, bk.starts_at, bk.id)
    )
    grouped: dict[tuple[uuid.UUID, date], list[Any]] = defaultdict(list)
    for row in rows:
        grouped[(row.booking_technician_id, row.local_date)].append(row)
    return grouped


def technician_day(
    technician: PlannedTechnician, day: date, bookings: Sequence[Any]
) -> dict[str, Any]:
    """One technician's day: working hours, standing bookings and the free gaps."""
    hours = domain.working_hours_on(technician.working_hours, day)
    zone = technician.zone
    busy = [(b.starts_at, b.ends_at) for b in bookings]
    gaps = domain.free_gaps(domain.instants(day, hours, zone), busy)
    return {
        "date": day,
        "working_hours": [{"start": s, "end": e} for s, e in hours],
        "bookings": [_planned_booking(b) for b in bookings],
        "gaps": [
            {
                "starts_at": start.astimezone(UTC),
                "ends_at": end.astimezone(UTC),
                "local_start": start.astimezone(zone).time(),
                "local_end": end.astimezone(zone).time(),
                "minutes": int((end - start).total_seconds() // 60),
            }
            for start, end in gaps
        ],
    }


# --- unbooked orders ---------------------------------------------------------------------

_PRIORITY_RANK = case(
    {Priority.URGENT.value: 0, Priority.HIGH.value: 1, Priority.NORMAL.value: 2},
    value=o.priority,
    else_=3,
)
_UNBOOKED_SORT = "unbooked"


async def unbooked(
    uow: UnitOfWork,
    scope: Scope,
    org_unit_ids: Iterable[uuid.UUID] | None,
    cursor: str | None,
    limit: int,
) -> dict[str, Any]:
    """Orders in stage new (no standing booking: decision 71) of these org units (None:
    every one the caller sees), most urgent first, then the longest waiting; the count
    is exact."""
    where = [scope.orders_clause(), o.stage == Stage.NEW.value]
    if org_unit_ids is not None:
        where.append(o.org_unit_id.in_(list(org_unit_ids)))
    count = await uow.session.scalar(
        select(func.count()).select_from(tables.service_order).where(*where)
    )
    columns = [_PRIORITY_RANK, o.created_at, o.id]
    if cursor is not None:
        last = decode_cursor(cursor, (int, datetime, uuid.UUID), _UNBOOKED_SORT)
        where.append(keyset.after(columns, last))
    rows = (
        await uow.session.execute(
            card_query()
            .add_columns(_PRIORITY_RANK.label("rank"))
            .where(*where)
            .order_by(*keyset.order(columns))
            .limit(limit + 1)
        )
    ).all()
    page, next_cursor = page_of(rows, limit, lambda r: (r.rank, r.created_at, r.id), _UNBOOKED_SORT)
    return {"count": count or 0, "items": [card(r) for r in page], "next_cursor": next_cursor}


# --- planning days and weeks -------------------------------------------------------------


@dataclass(frozen=True)
class PlanningQuery:
    first_day: date
    days: int
    org_unit_ids: list[uuid.UUID]
    technician_ids: list[uuid.UUID]
    unbooked_cursor: str | None
    unbooked_limit: int


async def planning(
    uow: UnitOfWork, scope: Scope, asked: PlanningQuery, default_zone: str
) -> dict[str, Any]:
    """Each planned technician's days (working hours, standing bookings, free gaps) and
    the unbooked orders beside them: of the org units asked for, else of the technicians
    asked for, else every org unit the caller sees."""
    days = [asked.first_day + timedelta(days=n) for n in range(asked.days)]
    planned = await technicians(uow, scope, asked.org_unit_ids, asked.technician_ids, default_zone)
    bookings = await standing_bookings(uow, scope, [t.id for t in planned], days[0], days[-1])
    unbooked_units: list[uuid.UUID] | None = None
    if asked.org_unit_ids:
        unbooked_units = list(asked.org_unit_ids)
    elif asked.technician_ids:
        unbooked_units = sorted({t.org_unit_id for t in planned if t.org_unit_id is not None})
    waiting = await unbooked(
        uow, scope, unbooked_units, asked.unbooked_cursor, asked.unbooked_limit
    )
    return {
        "days": days,
        "technicians": [
            {
                "technician": t.out(),
                "days": [technician_day(t, d, bookings.get((t.id, d), [])) for d in days],
            }
            for t in planned
        ],
        "unbooked": waiting,
    }


def check_week_start(week_start: date) -> None:
    if week_start.isoweekday() != 1:
        raise Unprocessable(
            f"a week starts on a Monday; {week_start} is a {week_start.strftime('%A')}",
            field="query.week_start",
        )


# --- my day ------------------------------------------------------------------------------


class NoTechnician(NotFound):
    pass


async def technician_for_day(
    uow: UnitOfWork,
    scope: Scope,
    username: str | None,
    technician_id: uuid.UUID | None,
    default_zone: str,
) -> PlannedTechnician:
    """Whose day: the technician asked for (one the caller may see; a technician-only
    caller only themself), else the caller's own technician record; 404 otherwise."""
    if technician_id is None:
        if not username:
            raise NoTechnician("the caller has no technician record")
        where = [tech.username == username.strip().lower()]
    else:
        if scope.own_orders_only and technician_id != scope.technician_id:
            raise NoTechnician(f"no technician with id {technician_id}")
        where = [tech.id == technician_id]
    row = (await uow.session.execute(_TECHNICIAN_QUERY.where(*where))).first()
    if row is None:
        if technician_id is None:
            raise NoTechnician(f"{username} has no technician record")
        raise NoTechnician(f"no technician with id {technician_id}")
    if technician_id is not None and not scope.sees_org_unit(row.org_unit_id):
        raise NoTechnician(f"no technician with id {technician_id}")
    return _technician(row, default_zone)


async def my_day(
    uow: UnitOfWork, scope: Scope, technician: PlannedTechnician, day: date
) -> dict[str, Any]:
    bookings = await standing_bookings(uow, scope, [technician.id], day, day)
    planned = technician_day(technician, day, bookings.get((technician.id, day), []))
    return {
        "date": day,
        "technician": technician.out(),
        "working_hours": planned["working_hours"],
        "bookings": await _with_case_and_protocol(uow, planned["bookings"]),
    }


async def _with_case_and_protocol(
    uow: UnitOfWork, bookings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each booking's order's case (number, name) and protocol (id, status): what the
    technician's phone opens from the day's list. Orders out of sight stay bare."""
    order_ids = {b["order"]["id"] for b in bookings if b["order"] is not None}
    if not order_ids:
        return bookings
    sc, pr = tables.service_case.c, tables.protocol.c
    cases = {
        row.order_id: {"id": row.id, "number": row.number, "name": row.name}
        for row in await uow.session.execute(
            select(o.id.label("order_id"), sc.id, sc.number, sc.name)
            .select_from(tables.service_order.join(tables.service_case, sc.id == o.case_id))
            .where(o.id.in_(order_ids))
        )
    }
    # At most one protocol per order (the protocols package keeps it so).
    protocols = {
        row.order_id: {"id": row.id, "status": row.status}
        for row in await uow.session.execute(
            select(pr.order_id, pr.id, pr.status).where(pr.order_id.in_(order_ids))
        )
    }
    for booking in bookings:
        order_id = booking["order"]["id"] if booking["order"] is not None else None
        booking["case"] = cases.get(order_id)
        booking["protocol"] = protocols.get(order_id)
    return bookings


# --- the day's map -----------------------------------------------------------------------


async def day_map(
    uow: UnitOfWork,
    scope: Scope,
    day: date,
    org_unit_ids: Sequence[uuid.UUID],
    technician_ids: Sequence[uuid.UUID],
) -> dict[str, Any]:
    """The standing bookings of ``day`` on orders the caller sees, as GeoJSON by
    technician (``domain.day_map``)."""
    booked_by = tables.technician.alias("booked_by")
    query = (
        select(
            bk.id.label("booking_id"),
            bk.technician_id.label("booking_technician_id"),
            bk.starts_at,
            bk.ends_at,
            bk.local_start,
            bk.local_end,
            o.id,
            o.number,
            o.stage,
            o.status,
            o.location,
            cust.id.label("customer_ref_id"),
            cust.name.label("customer_name"),
            cust.customer_number.label("customer_number"),
            booked_by.c.name.label("booked_name"),
            booked_by.c.home_base,
        )
        .select_from(
            tables.booking.join(tables.service_order, o.id == bk.order_id)
            .join(booked_by, booked_by.c.id == bk.technician_id)
            .outerjoin(tables.customer, cust.id == o.customer_id)
        )
        .where(bk.state == "standing", bk.local_date == day, scope.orders_clause())
        .order_by(booked_by.c.name, bk.technician_id, bk.starts_at, bk.id)
    )
    if org_unit_ids:
        query = query.where(o.org_unit_id.in_(org_unit_ids))
    if technician_ids:
        query = query.where(bk.technician_id.in_(technician_ids))
    rounds: dict[uuid.UUID, tuple[Any, list[domain.Visit]]] = {}
    for row in await uow.session.execute(query):
        visits = rounds.setdefault(row.booking_technician_id, (row, []))[1]
        visits.append(
            domain.Visit(
                booking_id=str(row.booking_id),
                order_id=str(row.id),
                number=row.number,
                customer=(
                    {
                        "id": str(row.customer_ref_id),
                        "name": row.customer_name,
                        "customer_number": row.customer_number,
                    }
                    if row.customer_ref_id is not None
                    else None
                ),
                technician_id=str(row.booking_technician_id),
                technician_name=row.booked_name,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                local_start=row.local_start,
                local_end=row.local_end,
                stage=row.stage,
                status=row.status,
                point=domain.point_of(row.location),
            )
        )
    return domain.day_map(
        [
            domain.Round(
                technician_id=str(technician_id),
                technician_name=first.booked_name,
                home_base=domain.point_of(first.home_base),
                visits=visits,
            )
            for technician_id, (first, visits) in rounds.items()
        ]
    )


def today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()
