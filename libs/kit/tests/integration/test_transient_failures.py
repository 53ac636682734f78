"""A database outage is waited out, not spent: against the real PostgreSQL, behind a TCP
proxy that the test cuts (the shared server itself is never stopped)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.topology import EVENTS_EXCHANGE, QueueSpec
from aftersales_kit.metrics import REGISTRY
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import ServiceSettings
from aftersales_kit.transient import Backoff, transient_cause
from aftersales_testing.tcp_proxy import TcpProxy
from aftersales_testing.waiting import eventually

from ..support import queue_depth
from .test_inbox import BatchRecorder, CountingConsumer, Happened, effects, publish_raw, record

OUTAGE = QueueSpec("kit-test.outage", EVENTS_EXCHANGE, (Happened.TYPE,))
OUTAGE_BATCHED = QueueSpec("kit-test.outage-batched", EVENTS_EXCHANGE, (Happened.TYPE,))
HELD = QueueSpec("kit-test.outage-held", EVENTS_EXCHANGE, (Happened.TYPE,))


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
    return urlunsplit((parts.scheme, f"{auth}127.0.0.1:{port}", parts.path, parts.query, ""))


@pytest.fixture
async def database_proxy(kit_database_url: str) -> AsyncIterator[TcpProxy]:
    target = urlsplit(kit_database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def proxied_runtimes(
    settings: ServiceSettings,
    database_proxy: TcpProxy,
    declared_queues: set[QueueSpec],
) -> AsyncIterator[list[ServiceRuntime]]:
    """Runtimes whose database is reached through the proxy (appended by the test)."""
    runtimes: list[ServiceRuntime] = []
    declared_queues.update((OUTAGE, OUTAGE_BATCHED, HELD))
    yield runtimes
    for runtime in reversed(runtimes):
        with contextlib.suppress(Exception):
            await runtime.stop()


def _runtime(settings: ServiceSettings, proxy: TcpProxy, spec: QueueSpec) -> ServiceRuntime:
    own = settings.model_copy(update={"database_url": _through(settings.database_url, proxy.port)})
    return ServiceRuntime(own, extra_queues=(spec,))


async def _value(n: float) -> float:
    return n


def _retries(spec: QueueSpec) -> float:
    return sum(
        REGISTRY.get_sample_value(
            "aftersales_message_transient_retries_total", {"queue": spec.name, "dependency": d}
        )
        or 0.0
        for d in ("database", "connection", "broker")
    )


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batched"])
async def test_a_database_outage_is_waited_out_and_spends_no_delivery(
    settings: ServiceSettings,
    database_proxy: TcpProxy,
    proxied_runtimes: list[ServiceRuntime],
    amqp: aio_pika.abc.AbstractConnection,
    broker_prefix: str,
    batched: bool,
) -> None:
    spec = OUTAGE_BATCHED if batched else OUTAGE
    runtime = _runtime(settings, database_proxy, spec)
    proxied_runtimes.append(runtime)
    consumer = CountingConsumer(spec, runtime)
    # Retries and probes close together: the outage below outlasts many of them.
    consumer.backoff = Backoff(initial=0.05, cap=0.5)
    runtime.database_gate.backoff = Backoff(initial=0.05, cap=0.3)
    if batched:
        consumer.on_batch(Happened, BatchRecorder())
    else:
        consumer.on(Happened, record)
    runtime.add_consumer(consumer)
    await runtime.start()
    run = uuid.uuid4().hex
    envelopes = [Envelope.wrap(Happened(note=f"outage-{run}-{i}")) for i in range(60)]

    for envelope in envelopes[:20]:
        await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))
    await eventually(lambda: _value(consumer.finished), lambda n: n >= 5, what="some applied")

    database_proxy.cut()
    for envelope in envelopes[20:]:
        await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))
    await eventually(
        runtime.readiness, lambda c: not c["database_reachable"], what="the gate to close"
    )
    assert not (await runtime.readiness())["database"]
    # The outage lasts (the old consumer spent the delivery limit within 3 s): the
    # probe fails again and again while the deliveries wait at the gate.
    gate = runtime.database_gate
    await eventually(lambda: _value(gate.failed_probes), lambda n: n >= 15, what="probes")
    assert not (await runtime.readiness())["database_reachable"]
    assert _retries(spec) >= 1

    database_proxy.restore()
    await eventually(
        lambda: _value(consumer.finished), lambda n: n >= len(envelopes), what="all acked"
    )
    await eventually(runtime.readiness, lambda c: all(c.values()), what="ready again")
    # Nothing nacked, nothing dead-lettered, each applied exactly once.
    assert consumer.raised == 0
    for envelope in envelopes:
        assert await effects(runtime, envelope.payload.note) == 1, envelope.payload.note
    channel = await amqp.channel()
    assert await queue_depth(channel, broker_prefix + spec.dead_letter_name) == 0
    await runtime.stop()
    assert await queue_depth(channel, broker_prefix + spec.name) == 0


async def test_a_delivery_held_too_long_goes_to_the_back_of_its_queue_not_to_the_dlq(
    settings: ServiceSettings,
    database_proxy: TcpProxy,
    proxied_runtimes: list[ServiceRuntime],
    amqp: aio_pika.abc.AbstractConnection,
    broker_prefix: str,
) -> None:
    runtime = _runtime(settings, database_proxy, HELD)
    proxied_runtimes.append(runtime)
    # Held for at most a moment (in production: below the broker's consumer timeout).
    consumer = CountingConsumer(HELD, runtime)
    consumer.backoff = Backoff(initial=0.05, cap=0.2)
    consumer.max_hold_seconds = 0.5
    consumer.on(Happened, record)
    runtime.add_consumer(consumer)
    await runtime.start()
    envelope = Envelope.wrap(Happened(note=f"held-{uuid.uuid4().hex}"))

    database_proxy.cut()
    await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))

    def requeued() -> float:
        return (
            REGISTRY.get_sample_value(
                "aftersales_messages_total",
                {"queue": HELD.name, "type": Happened.TYPE, "outcome": "requeued"},
            )
            or 0.0
        )

    # Requeued several times over (more than the delivery limit would have allowed).
    await eventually(lambda: _value(requeued()), lambda n: n >= 7, what="requeued")
    database_proxy.restore()
    await eventually(lambda: effects(runtime, envelope.payload.note), lambda n: n == 1)
    assert consumer.raised == 0
    channel = await amqp.channel()
    assert await queue_depth(channel, broker_prefix + HELD.dead_letter_name) == 0
    await runtime.stop()
    assert await queue_depth(channel, broker_prefix + HELD.name) == 0
    assert await effects(runtime, envelope.payload.note) == 1


async def test_what_the_driver_raises_in_an_outage_is_classified_transient(
    kit_database_url: str, database_proxy: TcpProxy
) -> None:
    """The real exceptions: a connection refused, and one cut in the middle of a query."""
    engine = create_async_engine(_through(kit_database_url, database_proxy.port))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            database_proxy.cut()
            with pytest.raises(Exception) as mid_query:  # noqa: PT011 (any error will do)
                await connection.execute(text("SELECT pg_sleep(0.1)"))
        assert transient_cause(mid_query.value) is not None, repr(mid_query.value)

        with pytest.raises(Exception) as refused:  # noqa: PT011
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert transient_cause(refused.value) is not None, repr(refused.value)
    finally:
        database_proxy.restore()
        await engine.dispose()


STOPPED = QueueSpec("kit-test.outage-stopped", EVENTS_EXCHANGE, (Happened.TYPE,))


async def test_a_process_stopped_during_an_outage_hands_its_deliveries_back(
    settings: ServiceSettings,
    database_proxy: TcpProxy,
    proxied_runtimes: list[ServiceRuntime],
    declared_queues: set[QueueSpec],
    amqp: aio_pika.abc.AbstractConnection,
    broker_prefix: str,
) -> None:
    declared_queues.add(STOPPED)
    envelope = Envelope.wrap(Happened(note=f"stopped-{uuid.uuid4().hex}"))

    async def start() -> tuple[ServiceRuntime, CountingConsumer]:
        runtime = _runtime(settings, database_proxy, STOPPED)
        proxied_runtimes.append(runtime)
        consumer = CountingConsumer(STOPPED, runtime)
        consumer.on(Happened, record)
        runtime.add_consumer(consumer)
        await runtime.start()
        return runtime, consumer

    runtime, consumer = await start()
    database_proxy.cut()
    await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))
    await eventually(
        runtime.readiness, lambda c: not c["database_reachable"], what="the gate to close"
    )
    await runtime.stop()  # the delivery waits at the gate: it goes back, not dead
    assert consumer.raised == 1
    channel = await amqp.channel()
    assert await queue_depth(channel, broker_prefix + STOPPED.name) == 1
    assert await queue_depth(channel, broker_prefix + STOPPED.dead_letter_name) == 0

    database_proxy.restore()
    runtime, consumer = await start()
    await eventually(lambda: effects(runtime, envelope.payload.note), lambda n: n == 1)
    assert consumer.raised == 0
    await runtime.stop()
