from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

import catalog
from aftersales_testing.apps import in_memory_client, migrations_of
from aftersales_testing.infrastructure import Infrastructure
from catalog.main import build_app
from catalog.settings import Settings

MIGRATIONS = migrations_of(catalog)


@pytest.fixture(scope="session")
def settings(
    infra: Infrastructure, service_database: Callable[[str, Path | None], str], broker_prefix: str
) -> Settings:
    return Settings(
        database_url=service_database("catalog", MIGRATIONS),
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        outbox_poll_seconds=0.05,
    )


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with in_memory_client(build_app(settings), "http://catalog") as client:
        yield client
