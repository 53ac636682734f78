"""One service process: its database, broker, consumers, outbox relay and background loops.

The same runtime serves the HTTP app (``create_app``) and the tests, so tests exercise
exactly the wiring that production runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from sqlalchemy import text

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.topology import ALL_QUEUES, QueueSpec
from aftersales_kit import dead_letters
from aftersales_kit.broker import create_broker, declare_topology, rabbit_queue
from aftersales_kit.consuming import QueueConsumer
from aftersales_kit.db import create_engine, create_sessionmaker
from aftersales_kit.inbox import Consumer
from aftersales_kit.metrics import LOOP_RESTARTS
from aftersales_kit.outbox import OutboxRelay
from aftersales_kit.settings import ServiceSettings
from aftersales_kit.telemetry import instrument_engine, setup_tracing
from aftersales_kit.transient import DatabaseGate
from aftersales_kit.uow import MessageContext, UnitOfWork

log = logging.getLogger(__name__)

BackgroundLoop = Callable[[], Awaitable[None]]
# How long each part of a stopping process may take, and how long of it the deliveries in
# hand may take to finish.
STOP_STEP_SECONDS = 12.0
GRACE_SECONDS = 10.0


async def _finished(task: asyncio.Task[None]) -> None:
    """Wait for a cancelled task to end; its cancellation is not this caller's."""
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.shield(task)


# How long a readiness check or a gate probe waits for the database.
_PROBE_SECONDS = 2.0


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        extra_queues: tuple[QueueSpec, ...] = (),
        messaging: bool = True,
    ) -> None:
        setup_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint)
        self.settings = settings
        self.engine = create_engine(settings.database_url, settings.database_pool_size)
        if settings.otel_exporter_otlp_endpoint:
            # A span per statement costs a fifth of a message's CPU on the hot paths
            # (bench/README.md): made only where spans go somewhere (decision 87).
            instrument_engine(self.engine)
        self.sessionmaker = create_sessionmaker(self.engine)
        self.broker = create_broker(settings.amqp_url)
        self.relay = OutboxRelay(
            self.sessionmaker,
            settings.amqp_url,
            prefix=settings.broker_prefix,
            routed=frozenset(
                (spec.exchange, key)
                for spec in (*ALL_QUEUES, *extra_queues)
                for key in spec.routing_keys
            ),
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            service=settings.service_name,
        )
        self._extra_queues = extra_queues
        # The gateway owns a database but speaks no messages: it runs without a broker.
        self.messaging = messaging
        self._consumers: list[Consumer] = []
        self._loops: dict[str, BackgroundLoop] = (
            {"outbox-relay": self.relay.run} if messaging else {}
        )
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._queue_consumers: list[QueueConsumer] = []
        # The consumers' own connection (``aftersales_kit.consuming``); the broker's
        # serves declaring, publishing dead letters and the tests' publishes.
        self._consuming_connection: AbstractRobustConnection | None = None
        # Shared by every consumer of the process: closed by a transient database
        # failure, opened again by a successful probe (aftersales_kit.transient).
        self.database_gate = DatabaseGate(self._probe_database, service=settings.service_name)

    def uow(self, context: MessageContext | None = None) -> UnitOfWork:
        return UnitOfWork(self.sessionmaker, context=context, outbox_signal=self.relay.signal)

    def add_consumer(self, consumer: Consumer) -> None:
        prefix = self.settings.broker_prefix
        spec = consumer.queue
        unhandled = set(spec.routing_keys) - consumer.message_types
        if unhandled:
            # Such messages would be dead-lettered as "unknown type" on arrival.
            log.warning(
                "queue bound to types its consumer does not handle",
                extra={"queue": spec.name, "types": sorted(unhandled)},
            )
        consumer.attach(
            gate=self.database_gate,
            dead_letter=functools.partial(self._dead_letter, spec),
            requeue=functools.partial(self._requeue, spec),
            requeue_parts=functools.partial(self._requeue_parts, spec),
        )
        self._consumers.append(consumer)
        self._queue_consumers.append(
            QueueConsumer(
                consumer,
                prefix + spec.name,
                dict(rabbit_queue(spec, prefix).arguments or {}),
                self.settings.prefetch_count,
                spans=bool(self.settings.otel_exporter_otlp_endpoint),
            )
        )

    async def _dead_letter(
        self, spec: QueueSpec, message: Any, reason: dead_letters.Reason, error: str
    ) -> None:
        await dead_letters.publish_dead_letter(
            self.broker, spec, message, reason, error, self.settings.broker_prefix
        )

    async def _requeue(self, spec: QueueSpec, message: Any) -> None:
        await dead_letters.requeue(self.broker, spec, message, self.settings.broker_prefix)

    async def _requeue_parts(self, spec: QueueSpec, parts: list[Envelope[Any]]) -> None:
        await dead_letters.requeue_parts(self.broker, spec, parts, self.settings.broker_prefix)

    async def _probe_database(self) -> None:
        async def select_one() -> None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        # The connect as well as the query: a database that does not answer must not
        # hold a probe (or /readyz) for the driver's connect timeout.
        await asyncio.wait_for(select_one(), _PROBE_SECONDS)

    def add_loop(self, name: str, loop: BackgroundLoop) -> None:
        self._loops[name] = loop

    async def start(self) -> None:
        if self.messaging:
            await self.broker.connect()
            await declare_topology(self.broker, self.settings.broker_prefix, self._extra_queues)
            await self.broker.start()
            if self._queue_consumers:
                self._consuming_connection = await aio_pika.connect_robust(
                    self.settings.amqp_url, timeout=10
                )
                for queue_consumer in self._queue_consumers:
                    await queue_consumer.start(self._consuming_connection)
        for name, loop in self._loops.items():
            self._tasks[name] = asyncio.create_task(self._supervise(name, loop), name=name)

    async def stop(self) -> None:
        """Stop every part, each within a bound: a process asked to stop must stop (an
        orchestrator kills it after its grace period anyway, and a step stuck on a
        dependency that is away — closing a broker connection that is reconnecting, a
        handler retrying a write — must not hold the others). Unacknowledged deliveries
        come again; the inbox makes that harmless."""
        # Deliveries waiting out an outage go back to the broker now rather than hold
        # the consumers' grace.
        await self._bounded("database gate", self.database_gate.stop())
        for task in self._tasks.values():
            task.cancel()
        for name, task in self._tasks.items():
            await self._bounded(f"loop {name}", _finished(task))
        self._tasks.clear()
        # Together: every queue stops taking deliveries at once, and the grace is one
        # wait for all of them, not one a queue.
        await self._bounded(
            "consumers", asyncio.gather(*(q.stop(GRACE_SECONDS) for q in self._queue_consumers))
        )
        if self._consuming_connection is not None:
            await self._bounded("consuming connection", self._consuming_connection.close())
            self._consuming_connection = None
        if self.messaging:
            await self._bounded("broker", self.broker.stop())
        for consumer in self._consumers:
            await self._bounded(f"consumer {consumer.name}", consumer.close())
        await self._bounded("database engine", self.engine.dispose())

    async def _bounded(self, what: str, step: Awaitable[object]) -> None:
        try:
            await asyncio.wait_for(step, STOP_STEP_SECONDS)
        except TimeoutError:
            log.warning("%s did not stop within %s s; going on", what, STOP_STEP_SECONDS)
        except Exception as error:
            log.warning("%s failed to stop cleanly (%s); going on", what, type(error).__name__)

    async def _supervise(self, name: str, loop: BackgroundLoop) -> None:
        # A background loop that dies is restarted: the relay and the dispatcher must
        # outlive a database or broker outage.
        while True:
            try:
                await loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background loop crashed; restarting", extra={"loop": name})
                LOOP_RESTARTS.labels(self.settings.service_name, name).inc()
                await asyncio.sleep(1.0)

    async def readiness(self) -> dict[str, bool]:
        checks: dict[str, bool] = {}
        try:
            await self._probe_database()
            checks["database"] = True
        except Exception:
            checks["database"] = False
        # What the consumers met: false from a transient database failure in a handler
        # until a probe succeeds (their deliveries wait meanwhile).
        checks["database_reachable"] = self.database_gate.is_open
        if self.messaging:
            try:
                checks["broker"] = bool(await self.broker.ping(timeout=2.0))
            except Exception:
                checks["broker"] = False
        # A consumer lost in a reconnect must make the process unready, not silently idle.
        checks["consumers"] = all(q.consuming for q in self._queue_consumers)
        checks["background"] = all(not t.done() for t in self._tasks.values())
        return checks
