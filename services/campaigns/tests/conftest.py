from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import campaigns
from aftersales_kit.clock import FixedClock
from aftersales_testing.apps import migrations_of
from aftersales_testing.infrastructure import Infrastructure
from campaigns.main import build_app
from campaigns.settings import Settings

MIGRATIONS = migrations_of(campaigns)
# Monday 30 November 2026, 07:00 UTC.
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def settings(
    infra: Infrastructure, service_database: Callable[[str, Path | None], str], broker_prefix: str
) -> Settings:
    return Settings(
        database_url=service_database("campaigns", MIGRATIONS),
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        outbox_poll_seconds=0.05,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
async def client(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    """Campaigns in memory, its consumers running; requests come as an unrestricted admin
    (``tests.integration.seed.as_user`` makes other callers' headers)."""
    app = build_app(settings, clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://campaigns",
            # What the gateway adds to every request it forwards: who acts, with which roles.
            headers={"X-Aftersales-User": "admin", "X-Aftersales-Roles": "admin"},
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client
