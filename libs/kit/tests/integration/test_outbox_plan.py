"""The relay's batch query reads the partial index on unpublished rows, even with stale
statistics and a long history of published rows: no sort of everything that waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.messaging_tables import UNPUBLISHED_INDEX, messaging_metadata
from aftersales_kit.outbox import unpublished_batch

INSERT = """
INSERT INTO outbox_message (message_id, exchange, routing_key, message_type, body, published_at)
SELECT gen_random_uuid(), 'x', 'r', 't', '{{}}'::jsonb, {published} FROM generate_series(1, {n})
"""


async def _plan(url: str) -> str:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(messaging_metadata.create_all)
            # A history of published rows the statistics know, then a burst they do not.
            await connection.execute(text(INSERT.format(published="now()", n=20_000)))
            await connection.execute(text("ANALYZE outbox_message"))
            await connection.execute(text(INSERT.format(published="NULL", n=5_000)))
            query = unpublished_batch(100).compile(
                dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
                compile_kwargs={"literal_binds": True},
            )
            rows = (await connection.execute(text(f"EXPLAIN {query}"))).scalars().all()
        return "\n".join(rows)
    finally:
        await engine.dispose()


def test_the_batch_query_reads_the_unpublished_index(
    service_database: Callable[[str, Path | None], str],
) -> None:
    plan = asyncio.run(_plan(service_database("kit_outbox_plan", None)))
    assert str(UNPUBLISHED_INDEX.name) in plan, plan
    assert "Sort" not in plan, plan
