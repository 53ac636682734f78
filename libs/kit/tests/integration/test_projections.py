"""upsert_if_newer (and upsert_many_if_newer) against PostgreSQL: a snapshot replaces only
an older one, whatever order snapshots arrive in; a stale or repeated one changes nothing
and says so."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from aftersales_kit.db import create_engine
from aftersales_kit.projections import upsert_if_newer, upsert_many_if_newer

metadata = MetaData()
projection = Table(
    f"projection_{uuid.uuid4().hex[:8]}",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(50), nullable=False),
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


async def _apply(engine: AsyncEngine, row_id: uuid.UUID, version: int, name: str) -> bool:
    async with AsyncSession(engine) as session, session.begin():
        row = await upsert_if_newer(
            session, projection, {"id": row_id, "version": version, "name": name}
        )
        return row is not None


async def _stored(engine: AsyncEngine, row_id: uuid.UUID) -> tuple[int, str]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(projection.c.version, projection.c.name).where(projection.c.id == row_id)
            )
        ).one()
        return row.version, row.name


async def test_an_older_snapshot_after_a_newer_one_changes_nothing(engine: AsyncEngine) -> None:
    row_id = uuid.uuid4()
    assert await _apply(engine, row_id, 1, "first")
    assert await _apply(engine, row_id, 3, "third")
    # The version-2 snapshot arrives late: it must not move the projection back.
    assert not await _apply(engine, row_id, 2, "second")
    assert await _stored(engine, row_id) == (3, "third")


async def test_a_repeated_snapshot_is_not_applied_twice(engine: AsyncEngine) -> None:
    row_id = uuid.uuid4()
    assert await _apply(engine, row_id, 1, "first")
    assert not await _apply(engine, row_id, 1, "first, redelivered with another name")
    assert await _stored(engine, row_id) == (1, "first")


async def test_the_stored_row_is_returned_when_applied(engine: AsyncEngine) -> None:
    row_id = uuid.uuid4()
    async with AsyncSession(engine) as session, session.begin():
        row = await upsert_if_newer(session, projection, {"id": row_id, "version": 5, "name": "x"})
    assert row is not None
    assert (row.id, row.version, row.name) == (row_id, 5, "x")


rich = Table(
    f"rich_projection_{uuid.uuid4().hex[:8]}",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(50), nullable=False),
    Column("emails", ARRAY(String), nullable=False),
    Column("address", JSONB, nullable=True),
    Column("startup", Date, nullable=True),
    Column("owner_id", UUID(as_uuid=True), nullable=True),
)


async def test_many_snapshots_in_one_statement_each_applied_only_if_newer(
    engine: AsyncEngine,
) -> None:
    stored, older, new = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def snapshot(row_id: uuid.UUID, version: int, name: str) -> dict[str, Any]:
        return {
            "id": row_id,
            "version": version,
            "name": name,
            "emails": [f"{name}@example.com", "o'brien@example.com"],
            "address": {"city": "Lund", "lines": ["Main street 1"]},
            "startup": date(2026, 1, 2),
            "owner_id": None if name == "new" else row_id,
        }

    async with AsyncSession(engine) as session, session.begin():
        await upsert_many_if_newer(
            session, rich, [snapshot(stored, 2, "kept"), snapshot(older, 5, "five")]
        )
    async with AsyncSession(engine) as session, session.begin():
        rows = await upsert_many_if_newer(
            session,
            rich,
            [snapshot(stored, 3, "three"), snapshot(older, 4, "stale"), snapshot(new, 1, "new")],
        )
    # The newer snapshot and the new row are applied and returned, typed; the stale one not.
    assert sorted((r.name, r.version) for r in rows) == [("new", 1), ("three", 3)]
    three = next(r for r in rows if r.name == "three")
    assert three.emails == ["three@example.com", "o'brien@example.com"]
    assert three.address == {"city": "Lund", "lines": ["Main street 1"]}
    assert three.startup == date(2026, 1, 2)
    assert three.owner_id == stored
    async with engine.connect() as connection:
        found = {
            r.id: (r.version, r.name, r.owner_id) for r in await connection.execute(select(rich))
        }
    assert found == {stored: (3, "three", stored), older: (5, "five", older), new: (1, "new", None)}
    async with AsyncSession(engine) as session, session.begin():
        assert await upsert_many_if_newer(session, rich, []) == []
