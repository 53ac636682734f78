from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import scheduling
from aftersales_kit.clock import FixedClock
from aftersales_testing.infrastructure import Infrastructure
from scheduling.main import build_app
from scheduling.settings import Settings

MIGRATIONS = Path(scheduling.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings(
    infra: Infrastructure, service_database: Callable[[str, Path | None], str], broker_prefix: str
) -> Settings:
    return Settings(
        database_url=service_database("scheduling", MIGRATIONS),
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        outbox_poll_seconds=0.05,
        dispatch_interval_seconds=0.05,
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))


@pytest.fixture
async def app_client(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings, clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://scheduling",
            # What the gateway adds to every request it forwards: who acts.
            headers={"X-Aftersales-User": "tester"},
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client
