"""The outbox relay against the real broker: outages, exactly-once arrival, trace context."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit, urlunsplit

import aio_pika
from opentelemetry import trace
from sqlalchemy import select

from aftersales_contracts.envelope import Message
from aftersales_contracts.topology import EVENTS_EXCHANGE, QueueSpec
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.tcp_proxy import TcpProxy
from aftersales_testing.waiting import eventually

from ..conftest import RuntimeFactory


class Ticked(Message):
    TYPE = "kit_test.clock.ticked"

    n: int


class Traced(Message):
    TYPE = "kit_test.trace.carried"


OUTAGE = QueueSpec("kit-test.outage", EVENTS_EXCHANGE, (Ticked.TYPE,))
TRACE = QueueSpec("kit-test.trace", EVENTS_EXCHANGE, (Traced.TYPE,))


def _through(amqp_url: str, port: int) -> str:
    parts = urlsplit(amqp_url)
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


async def _rows(runtime: ServiceRuntime, ids: list[uuid.UUID]) -> list[tuple[int, bool]]:
    async with runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.attempts, outbox_message.c.published_at).where(
                    outbox_message.c.message_id.in_(ids)
                )
            )
        ).all()
    return [(row.attempts, row.published_at is not None) for row in rows]


async def test_events_written_during_a_broker_outage_arrive_once_it_is_back(
    make_runtime: RuntimeFactory,
    amqp: aio_pika.abc.AbstractConnection,
    infra: Infrastructure,
    broker_prefix: str,
) -> None:
    target = urlsplit(infra.amqp_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5672)
    await proxy.start()
    try:
        # The service reaches RabbitMQ only through the proxy; the consumer directly.
        runtime = make_runtime(OUTAGE, amqp_url=_through(infra.amqp_url, proxy.port))
        await runtime.start()
        received: list[str] = []
        channel = await amqp.channel()
        await channel.set_qos(prefetch_count=100)
        queue = await channel.get_queue(broker_prefix + OUTAGE.name)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            received.append(str(message.message_id))
            await message.ack()

        await queue.consume(on_message)

        proxy.cut()
        await eventually(
            lambda: runtime.readiness(),
            lambda checks: not checks["broker"],
            what="the service to notice the outage",
        )

        ids: list[uuid.UUID] = []
        for n in range(20):
            async with runtime.uow() as uow:
                ids.append(uow.publish(Ticked(n=n)).message_id)
                await uow.commit()

        # The relay tries, fails and backs off; nothing leaves, nothing is marked.
        await eventually(
            lambda: _rows(runtime, ids),
            lambda rows: len(rows) == 20 and all(attempts >= 2 for attempts, _ in rows),
            what="the relay to retry",
        )
        assert not runtime.relay.healthy
        assert all(not published for _, published in await _rows(runtime, ids))
        assert received == []
        # Hold the outage until the client has tried to reconnect and been turned away.
        await eventually(
            lambda: _value(proxy.refused), lambda n: n >= 1, what="a refused reconnect"
        )
        assert received == []

        proxy.restore()
        await eventually(
            lambda: _rows(runtime, ids),
            lambda rows: all(published for _, published in rows),
            within=90,
            what="every outbox row to be published",
        )
        expected = sorted(str(i) for i in ids)
        await eventually(
            lambda: _sorted(received),
            lambda got: got == expected,
            what="every event to arrive exactly once",
        )
        # A barrier: the queue is FIFO, so once an event committed now has arrived, any
        # late duplicate of the earlier ones would have arrived before it.
        async with runtime.uow() as uow:
            barrier = str(uow.publish(Ticked(n=-1)).message_id)
            await uow.commit()
        await eventually(lambda: _value(len(received)), lambda n: n > 20, what="the barrier")
        assert sorted(received) == sorted([*expected, barrier])
        await eventually(
            lambda: runtime.readiness(), lambda checks: all(checks.values()), what="ready again"
        )
        assert runtime.relay.healthy
        # Shut down through the proxy while it still forwards, as a service would.
        await runtime.stop()
    finally:
        await proxy.close()


async def _value(n: int) -> int:
    return n


async def _sorted(values: list[str]) -> list[str]:
    return sorted(values)


async def test_the_trace_context_travels_through_the_outbox(
    make_runtime: RuntimeFactory, amqp: aio_pika.abc.AbstractConnection, broker_prefix: str
) -> None:
    runtime = make_runtime(TRACE)
    await runtime.start()
    channel = await amqp.channel()
    queue = await channel.get_queue(broker_prefix + TRACE.name)
    arrived: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()

    async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await message.ack()
        await arrived.put(message)

    await queue.consume(on_message)

    with trace.get_tracer(__name__).start_as_current_span("request") as span:
        trace_id = format(span.get_span_context().trace_id, "032x")
        async with runtime.uow() as uow:
            message_id = uow.publish(Traced()).message_id
            await uow.commit()

    async with runtime.sessionmaker() as session:
        stored = await session.scalar(
            select(outbox_message.c.headers).where(outbox_message.c.message_id == message_id)
        )
    assert stored is not None
    assert stored["traceparent"].split("-")[1] == trace_id

    message = await asyncio.wait_for(arrived.get(), 60)
    assert message.message_id == str(message_id)
    traceparent = message.headers["traceparent"]
    assert isinstance(traceparent, str)
    assert traceparent.split("-")[1] == trace_id
