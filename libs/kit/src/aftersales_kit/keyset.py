"""Keyset pagination in SQL: the WHERE and ORDER BY of a page after a decoded cursor
(``aftersales_kit.pagination``), over a sort key (a column or an expression such as a
``coalesce``) and the id as the tie breaker; ``page`` and ``table_page`` run a whole page."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import KeyedColumnElement

from aftersales_kit.pagination import Sort, decode_cursor, page_of


def after(
    columns: Sequence[ColumnElement[Any]], values: Sequence[Any], *, descending: bool = False
) -> ColumnElement[bool]:
    """Rows strictly after the key ``values`` in the order of ``columns``."""
    key = tuple_(*columns)
    last = tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
    return key < last if descending else key > last


def order(
    columns: Sequence[ColumnElement[Any]], *, descending: bool = False
) -> list[ColumnElement[Any]]:
    return [c.desc() if descending else c.asc() for c in columns]


async def page(
    session: AsyncSession,
    query: Select[Any],
    columns: Sequence[KeyedColumnElement[Any]],
    kinds: Sequence[type],
    sort: Sort,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of ``query`` after ``cursor`` in the order of ``columns`` (the sort
    column, then a unique tie breaker, each a column of the result), at most ``limit``,
    and the next page's cursor. ``kinds`` are the columns' value types for the cursor."""
    if cursor is not None:
        values = decode_cursor(cursor, kinds, sort)
        query = query.where(after(columns, values, descending=sort.descending))
    query = query.order_by(*order(columns, descending=sort.descending)).limit(limit + 1)
    rows = [dict(r) for r in (await session.execute(query)).mappings()]
    return page_of(rows, limit, lambda r: [r[c.key] for c in columns], sort)


async def table_page(
    session: AsyncSession,
    table: Table,
    filters: Iterable[ColumnElement[bool]],
    sort_text: str,
    sorts: Mapping[str, type],
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of ``table``'s rows that pass ``filters``, in the sort asked for (one of
    ``sorts``: a column name and the type of its values; 422 naming ``query.sort``
    otherwise) with the row id as the tie breaker."""
    sort = Sort.parse(sort_text, tuple(sorts))
    columns = (table.c[sort.field], table.c.id)
    query = select(table).where(*filters)
    return await page(session, query, columns, (sorts[sort.field], uuid.UUID), sort, cursor, limit)
