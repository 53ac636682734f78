"""The gateway's migrations go down and up again; 0003 (failed sign-ins) among them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.migrations import downgrade, upgrade

from ..conftest import MIGRATIONS


def _sql(url: str, statement: str) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement))
                return list(result.mappings()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _tables(url: str) -> list[str]:
    rows = _sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    return [r["tablename"] for r in rows]


def _indexes(url: str, table: str) -> list[str]:
    rows = _sql(url, f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}' ORDER BY 1")
    return [r["indexname"] for r in rows]


def test_0003_adds_the_throttle_and_goes_down_with_its_rows(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("gateway_migrations", None)
    upgrade(url, MIGRATIONS)
    assert "signin_throttle" in _tables(url)
    assert "ix_access_token_user_id_created_at" in _indexes(url, "access_token")
    _sql(
        url,
        "INSERT INTO signin_throttle (scope, key, failures, last_failure_at, forget_at)"
        " VALUES ('username', 'someone', 3, now(), now())",
    )

    downgrade(url, MIGRATIONS, "0002")
    assert "signin_throttle" not in _tables(url)
    assert _indexes(url, "access_token") == [
        "ix_access_token_user_id",
        "pk_access_token",
        "uq_access_token_token_hash",
    ]

    upgrade(url, MIGRATIONS)
    assert _sql(url, "SELECT count(*) AS n FROM signin_throttle") == [{"n": 0}]


def test_every_revision_goes_down_and_up_again(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("gateway_round_trip", None)
    upgrade(url, MIGRATIONS)
    downgrade(url, MIGRATIONS)
    assert _tables(url) == ["alembic_version"]
    upgrade(url, MIGRATIONS)
    assert _tables(url) == ["access_token", "alembic_version", "signin_throttle", "user_account"]
