"""A pooled connection the server closed is replaced at checkout, without a ping: the
next transaction runs on a fresh connection instead of failing."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from aftersales_kit.db import create_engine


async def test_a_connection_the_server_closed_is_replaced_at_checkout(
    kit_database_url: str,
) -> None:
    engine = create_engine(kit_database_url, pool_size=1)
    other = create_engine(kit_database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
            pooled = (await connection.get_raw_connection()).driver_connection
            assert pooled is not None
        # Back in the pool; the server ends its backend (a restart, an operator, a crash).
        async with other.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        for _ in range(500):  # until the client has read the server's goodbye
            if pooled.is_closed():
                break
            await asyncio.sleep(0.01)
        assert pooled.is_closed()
        async with engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await engine.dispose()
        await other.dispose()
