"""Fixtures for the kit's own tests: a database with the messaging tables, runtimes, AMQP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Protocol

import aio_pika
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_contracts.topology import (
    ALL_QUEUES,
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    QueueSpec,
)
from aftersales_kit.messaging_tables import messaging_metadata
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import ServiceSettings
from aftersales_testing.infrastructure import Infrastructure

from .support import test_metadata


class RuntimeFactory(Protocol):
    def __call__(self, *extra_queues: QueueSpec, amqp_url: str | None = None) -> ServiceRuntime: ...


async def _create_tables(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        # The kit has no Alembic history of its own (each service's first migration
        # creates these tables), so its tests create them straight from the metadata.
        await connection.run_sync(messaging_metadata.create_all)
        await connection.run_sync(test_metadata.create_all)
    await engine.dispose()


@pytest.fixture(scope="session")
def kit_database_url(service_database: Callable[[str, Path | None], str]) -> str:
    url = service_database("kit", None)
    asyncio.run(_create_tables(url))
    return url


@pytest.fixture(scope="session")
def declared_queues(infra: Infrastructure, broker_prefix: str) -> Iterator[set[QueueSpec]]:
    """Every queue spec a test declared; its queues and this run's exchanges go at the end."""
    specs: set[QueueSpec] = set(ALL_QUEUES)
    yield specs

    async def delete() -> None:
        connection = await aio_pika.connect(infra.amqp_url)
        async with connection:
            for spec in specs:
                for name in (spec.name, spec.dead_letter_name):
                    channel = await connection.channel()
                    with contextlib.suppress(aio_pika.exceptions.AMQPError):
                        await channel.queue_delete(broker_prefix + name)
            for name in (EVENTS_EXCHANGE, COMMANDS_EXCHANGE, DEAD_LETTER_EXCHANGE):
                channel = await connection.channel()
                with contextlib.suppress(aio_pika.exceptions.AMQPError):
                    await channel.exchange_delete(broker_prefix + name)

    asyncio.run(delete())


@pytest.fixture
def settings(infra: Infrastructure, kit_database_url: str, broker_prefix: str) -> ServiceSettings:
    return ServiceSettings(
        service_name="kit-test",
        database_url=kit_database_url,
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        outbox_poll_seconds=0.05,
    )


@pytest.fixture
async def make_runtime(
    settings: ServiceSettings, declared_queues: set[QueueSpec]
) -> AsyncIterator[RuntimeFactory]:
    """Build runtimes (the test starts them); every one is stopped when the test ends."""
    runtimes: list[ServiceRuntime] = []

    def make(*extra_queues: QueueSpec, amqp_url: str | None = None) -> ServiceRuntime:
        declared_queues.update(extra_queues)
        own = settings.model_copy(update={"amqp_url": amqp_url or settings.amqp_url})
        runtime = ServiceRuntime(own, extra_queues=extra_queues)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in reversed(runtimes):
        with contextlib.suppress(Exception):
            await runtime.stop()


@pytest.fixture
async def amqp(infra: Infrastructure) -> AsyncIterator[aio_pika.abc.AbstractConnection]:
    """A connection straight to RabbitMQ: an outside producer or consumer.

    Deliberately not robust: a robust channel answers a passive declare of a queue it
    has seen from its cache, so a queue's depth would never change.
    """
    connection = await aio_pika.connect(infra.amqp_url)
    async with connection:
        yield connection
