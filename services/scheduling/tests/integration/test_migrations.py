"""Scheduling's migrations over a database that already holds data, and back down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.migrations import downgrade, upgrade

from ..conftest import MIGRATIONS


def _sql(url: str, statement: str, params: dict[str, Any]) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params)
                return list(result.mappings()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_0006_counts_the_types_planned_before_it_as_planned(
    service_database: Callable[[str, Path | None], str],
) -> None:
    # Before 0006 a type was planned in its event's transaction: a stored type is done,
    # and the new planning loop must not plan it all over again.
    url = service_database("scheduling_migrations", None)
    upgrade(url, MIGRATIONS, "0005")
    type_id = uuid.uuid4()
    _sql(
        url,
        "INSERT INTO service_type (id, version, definition) VALUES (:id, 3, '{}')",
        {"id": type_id},
    )
    upgrade(url, MIGRATIONS)
    [row] = _sql(url, "SELECT version, planned_version, plan_cursor FROM service_type", {})
    assert (row["version"], row["planned_version"], row["plan_cursor"]) == (3, 3, None)


def test_every_revision_goes_down_and_up_again(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("scheduling_round_trip", None)
    upgrade(url, MIGRATIONS)
    downgrade(url, MIGRATIONS)
    tables = _sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", {})
    assert [t["tablename"] for t in tables] == ["alembic_version"]
    upgrade(url, MIGRATIONS)
