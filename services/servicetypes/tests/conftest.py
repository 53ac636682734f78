from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

import servicetypes
from aftersales_testing.infrastructure import Infrastructure
from servicetypes.main import build_app
from servicetypes.settings import Settings

MIGRATIONS = Path(servicetypes.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings(
    infra: Infrastructure, service_database: Callable[[str, Path | None], str], broker_prefix: str
) -> Settings:
    return Settings(
        database_url=service_database("servicetypes", MIGRATIONS),
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        outbox_poll_seconds=0.05,
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://servicetypes"
        ) as client,
    ):
        yield client
