from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

import notifications
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.smtp_sink import SmtpSink
from notifications import main, sender, sms_sender
from notifications.fake_sms import FakeSmsServer
from notifications.settings import Settings

MIGRATIONS = Path(notifications.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpSink]:
    with SmtpSink(tmp_path_factory.mktemp("mail")) as running:
        yield running


FAKE_SMS_KEY = "test-sms-key"


@pytest.fixture(scope="session")
def fake_sms() -> Iterator[FakeSmsServer]:
    """The fake SMS provider as a real HTTP server on a free port."""
    with FakeSmsServer(api_key=FAKE_SMS_KEY) as running:
        yield running


@pytest.fixture(scope="session")
def settings(
    infra: Infrastructure,
    service_database: Callable[[str, Path | None], str],
    broker_prefix: str,
    sink: SmtpSink,
    fake_sms: FakeSmsServer,
) -> Settings:
    return Settings(
        database_url=service_database("notifications", MIGRATIONS),
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        outbox_poll_seconds=0.05,
        smtp_host=sink.host,
        smtp_port=sink.port,
        smtp_retry_delay_seconds=0.05,
        smtp_retry_max_delay_seconds=0.5,
        smtp_timeout_seconds=5.0,
        sms_provider_url=fake_sms.url,
        sms_api_key=FAKE_SMS_KEY,
        sms_retry_delay_seconds=0.05,
        sms_retry_max_delay_seconds=0.5,
        sms_timeout_seconds=5.0,
    )


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[FastAPI]:
    app = main.build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def sender_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = sender.build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def sms_sender_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = sms_sender.build_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def runtime(api: FastAPI) -> ServiceRuntime:
    runtime: ServiceRuntime = api.state.runtime
    return runtime


# What the gateway says of an admin who sees every org unit (no org-units header).
ADMIN_HEADERS = {"X-Aftersales-Roles": "admin"}


@pytest.fixture
async def client(api: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client as an unrestricted admin; a test passes other identity headers per request."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api),
        base_url="http://notifications",
        headers=ADMIN_HEADERS,
    ) as client:
        yield client


@pytest.fixture
async def bare_client(api: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that sends no identity headers at all."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://notifications"
    ) as client:
        yield client


async def outbox_envelopes(runtime: ServiceRuntime, routing_key: str) -> list[dict[str, Any]]:
    """The envelopes (JSON) of every ``routing_key`` message in the outbox."""
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(outbox_message.c.routing_key == routing_key)
            )
        ).all()
    return list(bodies)


async def outbox_payloads(
    runtime: ServiceRuntime, routing_key: str, message_id: str | uuid.UUID
) -> list[dict[str, Any]]:
    """The payloads of ``routing_key`` events in the outbox about one message."""
    bodies = await outbox_envelopes(runtime, routing_key)
    return [b["payload"] for b in bodies if b["payload"].get("message_id") == str(message_id)]
