"""Projections of other services' data: a row per entity, replaced only by a newer
snapshot.

Snapshots carry the owner's version. Messages may arrive out of order or twice (a
redelivery, a re-drive, two queues), so a projection applies a snapshot only when its
version is newer than the one stored: an older one never moves it backwards. The same
rule serves every service; it lives here once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import pydantic_core
from sqlalchemy import Row, Table, TextClause, TextualSelect, bindparam, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_kit.db import EncodedJson, compiled_once


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)
K = TypeVar("K", bound=Hashable)


async def upsert_if_newer(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: tuple[str, ...] = ("id",),
) -> Row[Any] | None:
    """Insert ``values`` or replace the stored row unless it holds this or a newer
    ``version``; the row as stored now, or None when the snapshot was not newer."""
    statement = _upsert_statement(table, tuple(values), key)
    return (await session.execute(statement, dict(values))).first()


@functools.cache
def _upsert_statement(table: Table, columns: tuple[str, ...], key: tuple[str, ...]) -> TextClause:
    # One per projection and set of columns, compiled once: every event runs one.
    statement = insert(table).values({c: bindparam(c) for c in columns})
    return compiled_once(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={c: statement.excluded[c] for c in columns if c not in key},
            where=table.c.version < statement.excluded.version,
        ).returning(*table.columns)
    )


async def upsert_many_if_newer(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    key: tuple[str, ...] = ("id",),
) -> list[Row[Any]]:
    """``upsert_if_newer`` for many snapshots in one statement — a batch of events, an
    import's set event — instead of a round trip each: the rows as stored now, of those
    that were newer. Each key at most once (``newest`` first), every row the same
    columns; rows are written in the order given (sort them: one lock order)."""
    if not rows:
        return []
    statement = _upsert_many_statement(table, tuple(rows[0]), key)
    # One JSON document of the rows: PostgreSQL spreads it into the table's row type.
    document = EncodedJson(pydantic_core.to_json(list(rows)).decode())
    return list((await session.execute(statement, {"rows": document})).all())


@functools.cache
def _upsert_many_statement(
    table: Table, columns: tuple[str, ...], key: tuple[str, ...]
) -> TextualSelect:
    quote = postgresql.dialect().identifier_preparer.quote  # type: ignore[no-untyped-call]
    name = quote(table.name)
    listed = ", ".join(quote(c) for c in columns)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in columns if c not in key)
    sql = (
        f"INSERT INTO {name} ({listed}) SELECT {listed}"
        f" FROM jsonb_populate_recordset(NULL::{name}, :rows)"
        f" ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {updates}"
        f" WHERE {name}.version < EXCLUDED.version"
        f" RETURNING {', '.join(quote(c.name) for c in table.columns)}"
    )
    return text(sql).bindparams(bindparam("rows", type_=JSONB)).columns(*table.columns)


def newest(snapshots: Iterable[V], key: Callable[[V], K]) -> dict[K, V]:
    """The newest snapshot of each entity among ``snapshots`` (a batch of events may
    hold several of one entity, in any order)."""
    latest: dict[K, V] = {}
    for snapshot in snapshots:
        known = latest.get(key(snapshot))
        if known is None or known.version < snapshot.version:
            latest[key(snapshot)] = snapshot
    return latest
