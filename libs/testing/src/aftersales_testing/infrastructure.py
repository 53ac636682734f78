"""Where the test run's PostgreSQL and RabbitMQ come from.

First the environment (``AFTERSALES_TEST_POSTGRES_URL``, ``AFTERSALES_TEST_AMQP_URL``),
else containers when a Docker engine answers, else a clear error that says what to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from aftersales_contracts.topology import QueueSpec
from aftersales_kit import migrations

HOW_TO_START = """\
Integration tests need PostgreSQL and RabbitMQ. Either:
  * point the tests at running servers:
      export AFTERSALES_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres
      export AFTERSALES_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/
    (on Debian: apt-get install postgresql rabbitmq-server, then
     pg_ctlcluster --skip-systemctl-redirect 15 main start; rabbitmq-server -detached), or
  * start a Docker engine, and the tests start both in containers themselves.
"""


class InfrastructureUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Infrastructure:
    postgres_url: str  # a server URL; per-service databases are created beside it
    amqp_url: str


def _answers(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def _docker_reachable() -> bool:
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def provide() -> Iterator[Infrastructure]:
    postgres_url = os.environ.get("AFTERSALES_TEST_POSTGRES_URL")
    amqp_url = os.environ.get("AFTERSALES_TEST_AMQP_URL")
    if postgres_url and amqp_url:
        for url, port in ((postgres_url, 5432), (amqp_url, 5672)):
            if not _answers(url, port):
                raise InfrastructureUnavailable(f"{url} does not answer.\n{HOW_TO_START}")
        yield Infrastructure(postgres_url, amqp_url)
        return
    if not _docker_reachable():
        raise InfrastructureUnavailable(HOW_TO_START)
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer

    with (
        PostgresContainer("postgres:15", driver=None) as pg,
        RabbitMqContainer("rabbitmq:3.13-management") as mq,
    ):
        params = mq.get_connection_params()
        yield Infrastructure(
            pg.get_connection_url(),
            f"amqp://guest:guest@{params.host}:{params.port}/",
        )


def database_url(server_url: str, name: str, driver: str = "postgresql+asyncpg") -> str:
    parts = urlsplit(server_url)
    return urlunsplit((driver, parts.netloc, f"/{name}", "", ""))


async def _admin(server_url: str, sql: str) -> None:
    connection = await asyncpg.connect(database_url(server_url, "postgres", "postgresql"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def create_database(server_url: str, name: str, script_location: Path | None) -> str:
    """Create a database (migrated with Alembic when a history is given); return its URL."""
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = database_url(server_url, name)
    if script_location is not None:
        migrations.upgrade(url, script_location)
    return url


def drop_database(server_url: str, name: str) -> None:
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def new_run_id() -> str:
    return uuid.uuid4().hex[:8]


async def delete_topology(amqp_url: str, prefix: str, extra: tuple[QueueSpec, ...] = ()) -> None:
    """Delete every queue, dead-letter queue and exchange of the topology under ``prefix``."""
    import aio_pika

    from aftersales_contracts.topology import (
        ALL_QUEUES,
        COMMANDS_EXCHANGE,
        DEAD_LETTER_EXCHANGE,
        EVENTS_EXCHANGE,
    )

    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        for spec in (*ALL_QUEUES, *extra):
            for name in (spec.name, spec.dead_letter_name):
                await channel.queue_delete(prefix + name)
        for name in (EVENTS_EXCHANGE, COMMANDS_EXCHANGE, DEAD_LETTER_EXCHANGE):
            await channel.exchange_delete(prefix + name)
    finally:
        await connection.close()
