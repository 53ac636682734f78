"""The callout list: its columns, filters, keyset pages, exports and the detail dialogs."""

from __future__ import annotations

import csv
import functools
import io
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy import ARRAY, UUID, ColumnElement, Select, any_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_kit import keyset, org_units
from aftersales_kit.identity import Caller
from aftersales_kit.pagination import Sort, decode_cursor, page_of
from aftersales_kit.problems import Conflict, NotFound, Unprocessable
from aftersales_kit.search import CUSTOM_PLANS, like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from scheduling import domain, planning, tables
from scheduling.domain import CalloutState

c = tables.callout.c
item = tables.serial_item.c
cust = tables.customer.c

# --- who sees what -----------------------------------------------------------------------

# None: the caller is not restricted. A set: the org unit codes whose callouts it sees.
Visible = frozenset[str] | None


async def visible_org_units(uow: UnitOfWork, caller: Caller) -> Visible:
    """The org unit codes ``caller`` may see: its own and their descendants in the org
    unit projection (catalog's rule). The caller's own codes count even before the
    projection knows them; None when the caller is not restricted."""
    units = await org_units.visible_org_units(uow, caller)
    if units is None or caller.org_units is None:
        return None
    return frozenset(u.code for u in units) | caller.org_units


def visible_clause(visible: Visible) -> ColumnElement[bool] | None:
    """The condition limiting callouts to the visible org units; a callout without an
    org unit is seen by unrestricted callers only."""
    if visible is None:
        return None
    return c.org_unit.in_(sorted(visible))


def may_see(visible: Visible, org_unit: str | None) -> bool:
    return visible is None or (org_unit is not None and org_unit in visible)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    hidden_by_default: bool = False
    sortable: bool = True
    filter: str | None = None  # the query parameter(s) that filter on it


# The list's columns, in the seed's order; a front end offers them in column selection.
COLUMNS: tuple[Column, ...] = (
    Column("service_type_name", "Service type", filter="service_type_id"),
    Column("serial_item_name", "Serial number name", sortable=False),
    Column("serial_number", "Serial number"),
    Column("customer_number", "Customer number", filter="customer"),
    Column("customer_name", "Customer", filter="customer"),
    Column("send_to", "Send to", sortable=False),
    Column("step_description", "Step", filter="step"),
    Column("scheduled_for", "Scheduled for", filter="scheduled_from,scheduled_to"),
    Column("approved_at", "Approved on", filter="approved_from,approved_to"),
    Column("state", "State", filter="state"),
    Column("completed_at", "Completed on", filter="completed_from,completed_to"),
    Column("org_unit", "Org. unit", filter="org_unit"),
    Column("service_order_number", "Service order", sortable=False),
    Column("created_at", "Created on", hidden_by_default=True),
    Column("error", "Error", hidden_by_default=True, sortable=False),
    Column("trace_id", "Trace id", hidden_by_default=True, sortable=False),
    Column("message_id", "Message id", hidden_by_default=True, sortable=False),
)
COLUMN_KEYS = frozenset(col.key for col in COLUMNS)

# Sorts before any real approval or completion: not datetime.min, which asyncpg reads
# back as a naive -infinity that no cursor can carry.
_NEVER = datetime(1900, 1, 1, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
# sort field -> (key expression, its kind in a cursor); nullable keys are coalesced so
# the keyset holds.
SORTS: dict[str, tuple[ColumnElement[Any], type]] = {
    "scheduled_for": (c.scheduled_for, date),
    "created_at": (c.created_at, datetime),
    "approved_at": (func.coalesce(c.approved_at, literal(_NEVER)), datetime),
    "completed_at": (func.coalesce(c.completed_at, literal(_NEVER)), datetime),
    "state": (c.state, str),
    "org_unit": (func.coalesce(c.org_unit, ""), str),
    "service_type_name": (func.coalesce(c.service_type_name, ""), str),
    "step_description": (func.coalesce(c.step_description, ""), str),
    "serial_number": (func.coalesce(item.serial_number, ""), str),
    "customer_number": (func.coalesce(cust.customer_number, ""), str),
    "customer_name": (func.coalesce(cust.name, ""), str),
}


def parse_sort(text: str) -> Sort:
    """The list's sort (``field`` or ``-field``); 422 naming ``query.sort`` otherwise."""
    return Sort.parse(text, tuple(SORTS))


def _key_columns(sort: Sort) -> list[ColumnElement[Any]]:
    return [SORTS[sort.field][0], c.id]


@dataclass
class CalloutFilter:
    """The list's filters; empty lists and None mean "any"."""

    service_type_ids: list[uuid.UUID] = field(default_factory=list)
    states: list[CalloutState] = field(default_factory=list)
    scheduled_from: date | None = None
    scheduled_to: date | None = None
    approved_from: date | None = None
    approved_to: date | None = None
    completed_from: date | None = None
    completed_to: date | None = None
    customer: str | None = None  # a customer number prefix or part of the name
    # The customers ``customer`` matches, when they are few (``with_customers_found``).
    customers_found: tuple[uuid.UUID, ...] | None = None
    customer_id: uuid.UUID | None = None
    step: str | None = None  # part of the step description
    org_units: list[str] = field(default_factory=list)
    serial_item_id: uuid.UUID | None = None
    # The caller's org units (None: all); callouts of other org units are left out.
    visible: Visible = None
    # The dates' time zone (the service's): approved and completed are instants.
    zone: ZoneInfo = UTC_ZONE

    def check(self) -> None:
        for name in ("scheduled", "approved", "completed"):
            start, end = getattr(self, f"{name}_from"), getattr(self, f"{name}_to")
            if start is not None and end is not None and start > end:
                raise Unprocessable(
                    f"{name}_from {start} is after {name}_to {end}", field=f"query.{name}_from"
                )


def conditions(criteria: CalloutFilter) -> list[ColumnElement[bool]]:
    """The filter as SQL conditions on the list's joined rows."""
    criteria.check()
    where: list[ColumnElement[bool]] = []
    if criteria.service_type_ids:
        where.append(c.service_type_id.in_(criteria.service_type_ids))
    if criteria.states:
        where.append(c.state.in_([s.value for s in criteria.states]))
    if criteria.scheduled_from is not None:
        where.append(c.scheduled_for >= criteria.scheduled_from)
    if criteria.scheduled_to is not None:
        where.append(c.scheduled_for <= criteria.scheduled_to)
    for column, start, end in (
        (c.approved_at, criteria.approved_from, criteria.approved_to),
        (c.completed_at, criteria.completed_from, criteria.completed_to),
    ):
        # Dates are days in the service's time zone; the columns are instants.
        if start is not None:
            where.append(column >= datetime.combine(start, time(), criteria.zone))
        if end is not None:
            where.append(column < datetime.combine(end + timedelta(days=1), time(), criteria.zone))
    if criteria.customers_found is not None:
        # One array parameter, not an IN list of up to FEW_CUSTOMERS parameters.
        found = literal(list(criteria.customers_found), ARRAY(UUID(as_uuid=True)))
        where.append(c.customer_id == any_(found))
    elif criteria.customer:
        # The matching customers first (trigram and prefix indexes, migration 0005),
        # then their callouts: not a filter on every joined row of the list.
        where.append(c.customer_id.in_(_customers_matching(criteria.customer)))
    if criteria.customer_id is not None:
        where.append(c.customer_id == criteria.customer_id)
    if criteria.step:
        where.append(c.step_description.ilike("%" + like_escape(criteria.step) + "%", escape="\\"))
    if criteria.org_units:
        where.append(c.org_unit.in_(criteria.org_units))
    if criteria.serial_item_id is not None:
        where.append(c.serial_item_id == criteria.serial_item_id)
    seen = visible_clause(criteria.visible)
    if seen is not None:
        where.append(seen)
    return where


# Up to this many customers matching a name part are looked up first and their callouts
# read by customer (the (customer_id, scheduled_for) index, migration 0012); more, and the
# part is common enough that the list's own order finds a page of them soon. One statement
# that left the choice to the planner picked either way on the same data, 7 to 280 ms
# (bench/README.md).
FEW_CUSTOMERS = 2000


def _customers_matching(part: str) -> Select[Any]:
    pattern = like_escape(part)
    found = tables.customer.alias("found")  # not the list's joined customer
    return select(found.c.id).where(
        or_(
            found.c.customer_number.like(pattern + "%", escape="\\"),
            found.c.name.ilike("%" + pattern + "%", escape="\\"),
        )
    )


def searches(criteria: CalloutFilter) -> bool:
    """Whether the filter has a LIKE pattern (a name part, a step): its statements are
    then planned for their values (``aftersales_kit.search``)."""
    return bool(criteria.customer or criteria.step)


async def with_customers_found(session: AsyncSession, criteria: CalloutFilter) -> CalloutFilter:
    """``criteria`` with the customers its name part matches looked up, when they are at
    most FEW_CUSTOMERS (else as it was: the part stays a subquery)."""
    if not criteria.customer or criteria.customers_found is not None:
        return criteria
    query = _customers_matching(criteria.customer).limit(FEW_CUSTOMERS + 1)
    found = tuple((await session.scalars(query)).all())
    if len(found) > FEW_CUSTOMERS:
        return criteria
    return replace(criteria, customers_found=found)


def joined() -> Any:
    return tables.callout.outerjoin(tables.serial_item, item.id == c.serial_item_id).outerjoin(
        tables.customer, cust.id == c.customer_id
    )


def _view_query() -> Select[Any]:
    return select(
        tables.callout,
        item.serial_number,
        item.name.label("serial_item_name"),
        item.translations.label("serial_item_translations"),
        cust.customer_number,
        cust.name.label("customer_name"),
        cust.emails.label("customer_emails"),
        cust.mobiles.label("customer_mobiles"),
        cust.allowed_methods.label("customer_allowed_methods"),
        cust.preferred_method.label("customer_preferred_method"),
    ).select_from(joined())


def view(row: Any, language: str | None = None) -> dict[str, Any]:
    data = dict(row._mapping)
    translations = data.pop("serial_item_translations", None) or {}
    if data.get("serial_item_name") is not None:
        data["serial_item_name"] = domain.localized(
            data["serial_item_name"], translations, language
        )
    emails = data.pop("customer_emails", None) or []
    mobiles = data.pop("customer_mobiles", None) or []
    allowed = data.pop("customer_allowed_methods", None) or []
    preferred = data.pop("customer_preferred_method", None)
    data["send_to"] = domain.shown_send_to(
        CalloutState(data["state"]),
        data.get("send_to"),
        domain.send_to(emails, mobiles, allowed, preferred),
    )
    data.pop("sort_key", None)
    return data


async def get_callout(
    uow: UnitOfWork, callout_id: uuid.UUID, language: str | None = None, visible: Visible = None
) -> dict[str, Any]:
    row = (await uow.session.execute(_view_query().where(c.id == callout_id))).first()
    if row is None or not may_see(visible, row.org_unit):
        raise NotFound(f"no callout with id {callout_id}")
    return view(row, language)


async def list_callouts(
    uow: UnitOfWork,
    matching: CalloutFilter,
    sort: Sort,
    cursor: str | None,
    limit: int,
    language: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page in keyset order (sort key, id): no OFFSET, stable under inserts."""
    key, kind = SORTS[sort.field]
    if searches(matching):
        await plan_for_values(uow.session)
    where = conditions(await with_customers_found(uow.session, matching))
    if cursor is not None:
        last = decode_cursor(cursor, (kind, uuid.UUID), sort)
        where.append(keyset.after(_key_columns(sort), last, descending=sort.descending))
    query = (
        _view_query()
        .add_columns(key.label("sort_key"))
        .where(*where)
        .order_by(*keyset.order(_key_columns(sort), descending=sort.descending))
        .limit(limit + 1)
    )
    rows = (await uow.session.execute(query)).all()
    page, next_cursor = page_of(rows, limit, lambda r: (r.sort_key, r.id), sort)
    return [view(r, language) for r in page], next_cursor


# --- exports ---------------------------------------------------------------------------


def export_columns(selected: list[str] | None) -> list[Column]:
    """The columns an export writes: those asked for, else the visible-by-default ones."""
    if not selected:
        return [col for col in COLUMNS if not col.hidden_by_default]
    unknown = [k for k in selected if k not in COLUMN_KEYS]
    if unknown:
        raise Unprocessable(
            f"unknown column {unknown[0]!r}; choose from {', '.join(sorted(COLUMN_KEYS))}",
            field="query.columns",
        )
    by_key = {col.key: col for col in COLUMNS}
    return [by_key[k] for k in dict.fromkeys(selected)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# What an export reads for a column that is not a callout's own column.
_SERIAL_ITEM_NAME = (item.name, item.translations)
_SEND_TO = (
    c.state,
    c.send_to,
    cust.emails,
    cust.mobiles,
    cust.allowed_methods,
    cust.preferred_method,
)
_JOINED_COLUMNS = {
    "serial_number": item.serial_number,
    "customer_number": cust.customer_number,
    "customer_name": cust.name,
}

Cells = Callable[[Any], str]


def _export_plan(
    columns: list[Column], language: str | None
) -> tuple[list[ColumnElement[Any]], list[Cells]]:
    """What an export selects (only what its columns need) and how each cell is made from
    a selected row: the rows stay tuples, with no dict and no ``view`` per row (an export
    of a million rows spent most of its time there; bench/README.md)."""
    selected: list[ColumnElement[Any]] = []

    def at(*expressions: ColumnElement[Any]) -> int:
        selected.extend(expressions)
        return len(selected) - len(expressions)

    cells: list[Cells] = []
    for col in columns:
        if col.key == "serial_item_name":
            if language:
                cells.append(functools.partial(_item_name_cell, at(*_SERIAL_ITEM_NAME), language))
            else:  # the default name: no translations to read (and decode) per row
                cells.append(functools.partial(_plain_cell, at(item.name)))
        elif col.key == "send_to":
            cells.append(functools.partial(_send_to_cell, at(*_SEND_TO)))
        else:
            expression = _JOINED_COLUMNS.get(col.key)
            if expression is None:
                expression = c[col.key]
            cells.append(functools.partial(_plain_cell, at(expression)))
    return selected, cells


def _plain_cell(i: int, row: Any) -> str:
    value = row[i]
    return value if type(value) is str else _cell(value)


def _item_name_cell(i: int, language: str | None, row: Any) -> str:
    name, translations = row[i], row[i + 1]
    return "" if name is None else domain.localized(name, translations or {}, language)


def _send_to_cell(i: int, row: Any) -> str:
    state, stored, emails, mobiles, allowed, preferred = row[i : i + 6]
    if stored and state in domain.SHOWS_STORED_SEND_TO:
        return str(stored)
    return _cell(domain.send_to(emails or [], mobiles or [], allowed or [], preferred))


async def _export_batches(
    sessionmaker: async_sessionmaker[AsyncSession],
    matching: CalloutFilter,
    sort: Sort,
    columns: list[Column],
    batch: int,
    language: str | None,
) -> AsyncIterator[list[list[str]]]:
    """The export's rows as cells, in the list's order, ``batch`` rows at a time.

    Read straight from the driver's server-side cursor in a read-only transaction: the
    statement is built and compiled by SQLAlchemy (the list's own filters), but its rows
    skip SQLAlchemy's result layer, which cost more than the driver's decoding and the
    cells together (bench/README.md: the export)."""
    selected, cells = _export_plan(columns, language)
    order = keyset.order(_key_columns(sort), descending=sort.descending)
    query = select(*selected).select_from(joined()).order_by(*order)
    # Its own sessions: the response streams after the request's unit of work is gone.
    async with sessionmaker() as session:
        if searches(matching):
            await plan_for_values(session)
        matching = await with_customers_found(session, matching)
    query = query.where(*conditions(matching))
    async with sessionmaker() as session:
        connection = await session.connection()
        compiled = query.compile(
            dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
        )
        parameters = [compiled.params[name] for name in compiled.positiontup or ()]
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        async with driver.transaction(readonly=True):
            if searches(matching):
                await driver.execute(CUSTOM_PLANS)
            cursor = await driver.cursor(compiled.string, *parameters)
            while rows := await cursor.fetch(batch):
                yield [[cell(row) for cell in cells] for row in rows]


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    matching: CalloutFilter,
    sort: Sort,
    columns: list[Column],
    batch: int,
    language: str | None,
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([col.label for col in columns])
    async for rows in _export_batches(sessionmaker, matching, sort, columns, batch, language):
        writer.writerows(rows)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


async def export_xlsx(
    sessionmaker: async_sessionmaker[AsyncSession],
    matching: CalloutFilter,
    sort: Sort,
    columns: list[Column],
    batch: int,
    language: str | None,
) -> AsyncIterator[bytes]:
    """An XLSX is a zip whose directory comes last: rows go to a temporary file in
    xlsxwriter's constant-memory mode (one row in memory), then the file streams out."""
    with tempfile.TemporaryFile(suffix=".xlsx") as spool:
        workbook = xlsxwriter.Workbook(spool, {"constant_memory": True})
        sheet = workbook.add_worksheet("Callouts")
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, [col.label for col in columns], bold)
        index = 0
        async for rows in _export_batches(sessionmaker, matching, sort, columns, batch, language):
            for row in rows:
                index += 1
                sheet.write_row(index, 0, row)
        workbook.close()
        spool.seek(0)
        while chunk := spool.read(64 * 1024):
            yield chunk


# --- the detail dialogs ----------------------------------------------------------------


async def show_message(
    uow: UnitOfWork, callout_id: uuid.UUID, visible: Visible = None
) -> dict[str, Any]:
    row = await _callout(uow, callout_id, visible)
    messages = [
        # The public path: clients read this through the gateway (bodies are not rewritten).
        {"purpose": purpose, "message_id": str(mid), "href": f"/api/messages/{mid}"}
        for purpose, mid in (("initial", row.message_id), ("completion", row.completion_message_id))
        if mid is not None
    ]
    warning = None if messages else "no message has been generated for this callout yet"
    return {"callout_id": str(callout_id), "messages": messages, "warning": warning}


async def service_types(
    uow: UnitOfWork, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ServiceTypeChanged]:
    """The definitions of these service types (the ones scheduling knows), each read and
    validated once: a batch's callouts share a few types, and read with every callout a
    definition was decoded and validated a hundred times a batch."""
    wanted = set(ids)
    if not wanted:
        return {}
    st = tables.service_type
    rows = await uow.session.execute(select(st.c.id, st.c.definition).where(st.c.id.in_(wanted)))
    return {row.id: ServiceTypeChanged.model_validate(row.definition) for row in rows}


async def show_settings(
    uow: UnitOfWork, callout_id: uuid.UUID, visible: Visible = None
) -> dict[str, Any]:
    row = await _callout(uow, callout_id, visible)
    service_type = (await service_types(uow, [row.service_type_id])).get(row.service_type_id)
    step = None
    if service_type is not None:
        step = next((s for s in service_type.steps if s.step_id == row.step_id), None)
    if step is None:
        raise NotFound(f"the step of callout {callout_id} is no longer known", field="step_id")
    fields = ("email_subject", "email_body", "sms_text", "report", "print_tag", "print_text")
    return {
        "callout_id": str(callout_id),
        "step_description": step.description,
        "fields": [
            {
                "field": name,
                "initial": getattr(step.initial, name),
                "on_completion": getattr(step.on_completion, name),
            }
            for name in fields
        ],
        "initial": step.initial.model_dump(),
        "on_completion": step.on_completion.model_dump(),
    }


async def show_error(
    uow: UnitOfWork, callout_id: uuid.UUID, visible: Visible = None
) -> dict[str, Any]:
    row = await _callout(uow, callout_id, visible)
    reason = domain.refusal(domain.Action.SHOW_ERROR, CalloutState(row.state))
    if reason is not None:
        raise Conflict(reason + ": it has no error", field="state", state=row.state)
    return {
        "callout_id": str(callout_id),
        "state": row.state,
        "reason": row.error,
        "trace_id": row.trace_id,
        "occurred_at": row.error_at,
    }


async def history(
    uow: UnitOfWork, callout_id: uuid.UUID, visible: Visible = None
) -> list[dict[str, Any]]:
    await _callout(uow, callout_id, visible)
    a = tables.callout_action.c
    rows = (
        await uow.session.execute(
            select(a.action, a.actor, a.at, a.from_state, a.to_state, a.detail)
            .where(a.callout_id == callout_id)
            .order_by(a.id)
        )
    ).mappings()
    return [dict(r) for r in rows]


async def _callout(uow: UnitOfWork, callout_id: uuid.UUID, visible: Visible = None) -> Any:
    """A callout the caller may see: 404 otherwise, as if it did not exist."""
    row = (await uow.session.execute(select(tables.callout).where(c.id == callout_id))).first()
    if row is None or not may_see(visible, row.org_unit):
        raise NotFound(f"no callout with id {callout_id}")
    return row


async def planning_runs(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The service types whose latest version is still being planned, and how far."""
    st, si = tables.service_type.c, tables.serial_item.c
    rows = (
        await uow.session.execute(
            select(st.definition, st.version, st.planned_version, st.plan_cursor)
            .where(st.planned_version.is_distinct_from(st.version))
            .order_by(st.id)
        )
    ).all()
    runs = []
    for row in rows:
        service_type = ServiceTypeChanged.model_validate(row.definition)
        linked = planning.linked_items(service_type)
        total = await uow.session.scalar(select(func.count()).where(linked))
        done: int | None = 0
        if row.plan_cursor is not None:
            done = await uow.session.scalar(
                select(func.count()).where(linked, si.id <= row.plan_cursor)
            )
        runs.append(
            {
                "service_type_id": service_type.service_type_id,
                "display_name": service_type.display_name,
                "version": row.version,
                "planned_version": row.planned_version,
                "items_planned": done or 0,
                "items_total": total or 0,
            }
        )
    return runs
