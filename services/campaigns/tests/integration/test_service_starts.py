"""The service starts against its migrated database and the broker, and says it is ready."""

from __future__ import annotations

import httpx


async def test_ready_with_database_and_broker(client: httpx.AsyncClient) -> None:
    answer = await client.get("/readyz")
    assert answer.status_code == 200, answer.text
