"""compiled_once: an ON CONFLICT statement run as a cached text statement behaves like
the statement itself, with typed parameters (UUID, JSONB, arrays) and RETURNING."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales_kit.db import compiled_once, create_engine

metadata = MetaData()
thing = Table(
    f"compiled_once_{uuid.uuid4().hex[:8]}",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("body", JSONB, nullable=False),
    Column("tags", ARRAY(String(20)), nullable=False),
    Column("note", String(50), nullable=False),
)
_new = insert(thing).values({c.name: bindparam(c.name) for c in thing.columns})
UPSERT_NEWER = compiled_once(
    _new.on_conflict_do_update(
        index_elements=["id"],
        set_={c.name: _new.excluded[c.name] for c in thing.columns if c.name != "id"},
        where=thing.c.version < _new.excluded.version,
    ).returning(thing.c.id, thing.c.body)
)


@pytest.fixture
async def engine(kit_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(kit_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    yield engine
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)
    await engine.dispose()


async def test_a_compiled_upsert_inserts_updates_newer_and_skips_older(
    engine: AsyncEngine,
) -> None:
    thing_id = uuid.uuid4()

    def row(version: int, note: str) -> dict[str, object]:
        # A literal % in the data and the JSON must arrive unchanged.
        return {
            "id": thing_id,
            "version": version,
            "body": {"v": version, "text": "100% sure"},
            "tags": ["a", "b"],
            "note": note,
        }

    async with engine.begin() as connection:
        first = (await connection.execute(UPSERT_NEWER, row(1, "first"))).one()
        assert (first.id, first.body) == (thing_id, {"v": 1, "text": "100% sure"})
        newer = (await connection.execute(UPSERT_NEWER, row(2, "newer"))).first()
        assert newer is not None
        older = (await connection.execute(UPSERT_NEWER, row(1, "older"))).first()
        assert older is None  # not newer: nothing written, nothing returned
        stored = (await connection.execute(select(thing))).one()
    assert (stored.version, stored.note, stored.tags) == (2, "newer", ["a", "b"])
    assert "(:id)" in str(UPSERT_NEWER)  # a text statement: SQLAlchemy caches it
