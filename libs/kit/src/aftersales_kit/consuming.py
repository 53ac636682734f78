"""A queue consumed straight with aio-pika: each delivery to its ``Consumer``, then settled.

FastStream's subscriber ran every delivery through its middlewares, its context and its
dependency injection before the ``Consumer`` saw it: a third of the notifications API's
CPU on the command path (bench/README.md, decision 94). The runtime needs none of that:
the ``Consumer`` parses, validates and dispatches by itself. So each queue gets a channel
of its own, with the runtime's prefetch, on one robust connection per process (aio-pika
restores the connection, the channel, its QoS, the queue and the consumer after a
reconnect); the handling continues the publisher's trace from the message's headers (in
a consumer span of its own where spans are exported); and a delivery is settled as
FastStream's ``NACK_ON_ERROR`` did: acked when the ``Consumer`` returns (the acks of one
loop turn gathered into one where the channel allows, ``acks``), rejected (dead-lettered
by the broker) on ``RejectMessage``, nacked with requeue on anything else (redelivered up
to the queue's delivery limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
)
from aio_pika.exceptions import AMQPError
from faststream.exceptions import NackMessage, RejectMessage
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from aftersales_kit.acks import ChannelAcks
from aftersales_kit.inbox import Consumer

log = logging.getLogger(__name__)

_tracer = trace.get_tracer(__name__)


class QueueConsumer:
    """One queue's deliveries handed to one ``Consumer``, on a channel of their own."""

    def __init__(
        self,
        consumer: Consumer,
        queue: str,
        arguments: dict[str, Any],
        prefetch: int,
        *,
        spans: bool = True,
    ) -> None:
        self.consumer = consumer
        self._queue_name = queue
        # Declared as the topology declares it: a restore after a reconnect declares the
        # queue again, and any other arguments would be refused by the broker.
        self._arguments = arguments
        self._prefetch = prefetch
        self._channel: AbstractRobustChannel | None = None
        self._queue: AbstractQueue | None = None
        self._tag: str | None = None
        self._in_flight: set[asyncio.Future[Any]] = set()
        # The acks of the channel the deliveries come on (a new one after a reconnect
        # numbers its deliveries from 1 again).
        self._acks: ChannelAcks | None = None
        # Without an exporter a span goes nowhere, and making one costs a twentieth of a
        # command's CPU: the publisher's trace is then only made current, which is all a
        # stored or logged trace id needs.
        self._spans = spans
        self._attributes = {"messaging.system": "rabbitmq", "messaging.destination.name": queue}

    async def start(self, connection: AbstractRobustConnection) -> None:
        channel = await connection.channel()
        assert isinstance(channel, AbstractRobustChannel)
        await channel.set_qos(prefetch_count=self._prefetch)
        self._queue = await channel.declare_queue(
            self._queue_name, durable=True, arguments=self._arguments
        )
        self._channel = channel
        self._tag = await self._queue.consume(self._deliver)

    @property
    def consuming(self) -> bool:
        """Whether the consumer is on an open channel (false while a reconnect restores
        it, and for good if the restore failed)."""
        return self._tag is not None and self._channel is not None and not self._channel.is_closed

    async def _deliver(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            with self._trace(message):
                await self._settle(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    @contextlib.contextmanager
    def _trace(self, message: AbstractIncomingMessage) -> Iterator[None]:
        parent = propagate.extract(message.headers or {})
        if not self._spans and trace.get_current_span(parent).get_span_context().is_valid:
            token = otel_context.attach(parent)
            try:
                yield
            finally:
                otel_context.detach(token)
            return
        # A message that carries no trace starts one (its outcome's trace id names it).
        with _tracer.start_as_current_span(
            f"{self._queue_name} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes=self._attributes,
            record_exception=False,
            set_status_on_exception=False,
        ):
            yield

    async def _settle(self, message: AbstractIncomingMessage) -> None:
        try:
            await self.consumer.receive(message)
        except RejectMessage:
            # Told apart and logged by the consumer (no retry can help): the broker
            # dead-letters it.
            await self._apart(message.reject(requeue=False), message)
        except NackMessage:
            await self._apart(message.nack(requeue=True), message)  # back, quietly
        except Exception:
            log.warning(
                "message failed; back to the broker for redelivery",
                extra={"queue": self._queue_name, "message_id": message.message_id},
                exc_info=True,
            )
            await self._apart(message.nack(requeue=True), message)
        else:
            await _answer(self._ack(message), message)

    async def _ack(self, message: AbstractIncomingMessage) -> None:
        await self._acks_of(message).ack(_tag(message))

    def _acks_of(self, message: AbstractIncomingMessage) -> ChannelAcks:
        channel = message.channel  # raises ChannelInvalidStateError once it is closed
        if self._acks is None or self._acks.channel is not channel:
            self._acks = ChannelAcks(channel)
        return self._acks

    async def _apart(self, settled: Awaitable[None], message: AbstractIncomingMessage) -> None:
        """A nack or reject, then known to the acks (a multiple ack may cover it now)."""
        if await _answer(settled, message):
            with contextlib.suppress(RuntimeError):  # its channel closed meanwhile
                self._acks_of(message).settled_apart(_tag(message))

    async def stop(self, grace_seconds: float) -> None:
        """Take no new deliveries and let those in hand finish for up to ``grace_seconds``.
        The runtime then closes the connection, and with it the channel: whatever was not
        acked comes again (the inbox makes that harmless)."""
        if self._queue is not None and self._tag is not None and self.consuming:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._tag)
        self._tag = None
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=grace_seconds)


def _tag(message: AbstractIncomingMessage) -> int:
    assert message.delivery_tag is not None  # consumed with acks, never ``no_ack``
    return message.delivery_tag


async def _answer(settled: Awaitable[None], message: AbstractIncomingMessage) -> bool:
    """Send the settlement of a delivery; whether it went. A channel lost since the
    delivery came (the connection is being restored) cannot carry it: the broker gives
    the message again, and the inbox knows it if it was applied."""
    try:
        await settled
    except (AMQPError, ConnectionError, RuntimeError) as error:
        log.info(
            "delivery not settled: its channel is gone; it comes again",
            extra={"message_id": message.message_id, "error": type(error).__name__},
        )
        return False
    return True
