"""Throughput of the messaging path every service stands on, on the real broker and database.

1. write:   N units of work, each one event in the outbox (8 concurrent writers);
2. relay:   the outbox relay publishing them with publisher confirms until all are marked;
3. consume: an idempotent consumer (inbox claim + commit + ack) taking them off its queue.

Usage: uv run python bench/outbox_relay.py [N]   (defaults to 5000)
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.topology import EVENTS_EXCHANGE, QueueSpec
from aftersales_kit.inbox import Consumer
from aftersales_kit.messaging_tables import inbox_message, messaging_metadata, outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import ServiceSettings
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.infrastructure import create_database, delete_topology, drop_database

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


class BenchPinged(Message):
    TYPE = "bench.item.pinged"

    n: int


QUEUE = QueueSpec("bench.pings", EVENTS_EXCHANGE, (BenchPinged.TYPE,))


async def _count(runtime: ServiceRuntime, statement: object) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]


async def main(n: int, run: str, url: str) -> None:
    # The kit has no migration history of its own; a bench database only needs its tables.
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(messaging_metadata.create_all)
    await engine.dispose()

    settings = ServiceSettings(
        database_url=url,
        amqp_url=AMQP,
        broker_prefix=f"bench-{run}.",
        database_pool_size=10,
        outbox_poll_seconds=0.05,
        outbox_batch_size=200,
        prefetch_count=64,
    )
    writer = ServiceRuntime(settings, extra_queues=(QUEUE,))
    consumed = asyncio.Event()
    processed = 0

    async def on_ping(uow: UnitOfWork, envelope: Envelope[BenchPinged]) -> None:
        nonlocal processed
        processed += 1
        if processed == n:
            consumed.set()

    consumer = Consumer(QUEUE, writer.uow)
    consumer.on(BenchPinged, on_ping)
    writer.add_consumer(consumer)
    try:
        # Everything is written before the runtime (relay, consumer) starts, so the
        # phases are measured apart.
        started = time.perf_counter()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(n):
            queue.put_nowait(i)

        async def write() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                async with writer.uow() as uow:
                    uow.publish(BenchPinged(n=i))
                    await uow.commit()

        await asyncio.gather(*(write() for _ in range(8)))
        write_seconds = time.perf_counter() - started

        started = time.perf_counter()
        await writer.start()
        unpublished = (
            select(func.count())
            .select_from(outbox_message)
            .where(outbox_message.c.published_at.is_(None))
        )
        while await _count(writer, unpublished):  # noqa: ASYNC110 - polling the database
            await asyncio.sleep(0.02)
        relay_seconds = time.perf_counter() - started
        await asyncio.wait_for(consumed.wait(), 300)
        consume_seconds = time.perf_counter() - started
        inbox = await _count(writer, select(func.count()).select_from(inbox_message))
        assert inbox == n, f"inbox holds {inbox} of {n}"
    finally:
        await writer.stop()
        await delete_topology(AMQP, settings.broker_prefix, (QUEUE,))

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"events: {n}")
    print(f"write   (8 writers, 1 event per transaction): {n / write_seconds:8.0f} events/s")
    print(f"relay, consumer running (until all confirmed):  {n / relay_seconds:8.0f} events/s")
    print(
        f"relay + consume in one process (inbox, commit, ack): {n / consume_seconds:5.0f} events/s"
    )


if __name__ == "__main__":
    run_id = uuid.uuid4().hex[:8]
    database = f"bench_{run_id}"
    try:
        asyncio.run(
            main(
                int(sys.argv[1]) if len(sys.argv) > 1 else 5000,
                run_id,
                create_database(POSTGRES, database, None),
            )
        )
    finally:
        drop_database(POSTGRES, database)
