"""The case list as CSV: every case the filters and the caller's org units let through (not
a page), in the list's sort order, streamed in constant memory from its own session.

Columns name what a person following a campaign reads: the case, its campaign's code, its
parent's number, the serial number, the customer's number and name, the org unit's code,
the cause and how it was closed."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales_kit import keyset
from aftersales_kit.pagination import Sort
from campaigns import tables
from campaigns.cases.queries import key_columns

_parent = tables.case.alias("parent")
_c = tables.case.c

# (header, column) in the file's order.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("number", _c.number),
    ("basic_type", _c.basic_type),
    ("title", _c.title),
    ("status", _c.status),
    ("campaign_code", tables.campaign.c.code),
    ("parent_number", _parent.c.number),
    ("serial_number", _c.serial_number),
    ("customer_number", tables.customer.c.customer_number),
    ("customer_name", tables.customer.c.name),
    ("org_unit_code", tables.org_unit.c.code),
    ("our_reference", _c.our_reference),
    ("cause_code", _c.cause_code),
    ("cause_description", _c.cause_description),
    ("created_at", _c.created_at),
    ("closed_at", _c.closed_at),
    ("closed_how", _c.closed_how),
    ("closed_by", _c.closed_by),
    ("close_reason", _c.close_reason),
    ("service_order_number", _c.service_order_number),
    ("id", _c.id),
)
HEADER = [name for name, _ in COLUMNS]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


async def _rows(
    sessionmaker: async_sessionmaker[AsyncSession],
    where: Sequence[ColumnElement[bool]],
    sort: Sort,
    batch: int,
) -> AsyncIterator[Sequence[Any]]:
    query = (
        select(*(column.label(name) for name, column in COLUMNS))
        .select_from(
            tables.case.outerjoin(tables.campaign, tables.campaign.c.id == _c.campaign_id)
            .outerjoin(_parent, _parent.c.id == _c.parent_id)
            .outerjoin(tables.customer, tables.customer.c.id == _c.customer_id)
            .outerjoin(tables.org_unit, tables.org_unit.c.id == _c.org_unit_id)
        )
        .where(*where)
        .order_by(*keyset.order(key_columns(sort), descending=sort.descending))
        .execution_options(yield_per=batch)
    )
    # Its own session: the response streams after the request's unit of work is gone.
    async with sessionmaker() as session:
        result = await session.stream(query)
        async for row in result:
            yield row


async def export_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    where: Sequence[ColumnElement[bool]],
    sort: Sort,
    batch: int = 1000,
) -> AsyncIterator[bytes]:
    """The file, a batch of rows per chunk: a header row, then one row per case (UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    count = 0
    async for row in _rows(sessionmaker, where, sort, batch):
        writer.writerow([_cell(value) for value in row])
        count += 1
        if count % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
