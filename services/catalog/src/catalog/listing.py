"""One keyset page of any catalog list: the kit's cursor and sort rules
(``aftersales_kit.pagination``) applied to a SELECT (``aftersales_kit.keyset``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, select
from sqlalchemy.sql.elements import KeyedColumnElement

from aftersales_kit import keyset
from aftersales_kit.pagination import Sort, decode_cursor, page_of
from aftersales_kit.uow import UnitOfWork

Rows = list[dict[str, Any]]


def sort_of(text: str, sorts: Mapping[str, type]) -> Sort:
    """The sort a client asked for, among ``sorts`` (name to the type of its values);
    422 naming ``query.sort`` otherwise."""
    return Sort.parse(text, tuple(sorts))


async def page(
    uow: UnitOfWork,
    query: Select[Any],
    columns: Sequence[KeyedColumnElement[Any]],
    kinds: Sequence[type],
    sort: Sort,
    cursor: str | None,
    limit: int,
) -> tuple[Rows, str | None]:
    """The rows of ``query`` after ``cursor`` in the order of ``columns`` (the sort
    column, then a unique tie breaker), at most ``limit``, and the next page's cursor."""
    if cursor is not None:
        values = decode_cursor(cursor, kinds, sort)
        query = query.where(keyset.after(columns, values, descending=sort.descending))
    query = query.order_by(*keyset.order(columns, descending=sort.descending)).limit(limit + 1)
    rows = [dict(r) for r in (await uow.session.execute(query)).mappings()]
    return page_of(rows, limit, lambda r: [r[c.key] for c in columns], sort)


async def table_page(
    uow: UnitOfWork,
    table: Table,
    filters: Iterable[ColumnElement[bool]],
    sort_text: str,
    sorts: Mapping[str, type],
    cursor: str | None,
    limit: int,
) -> tuple[Rows, str | None]:
    """A page of ``table``'s rows that pass ``filters``, in the sort asked for (one of
    ``sorts``) with the row id as the tie breaker."""
    sort = sort_of(sort_text, sorts)
    columns = (table.c[sort.field], table.c.id)
    query = select(table).where(*filters)
    return await page(uow, query, columns, (sorts[sort.field], uuid.UUID), sort, cursor, limit)
