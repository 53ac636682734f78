"""The FastStream broker of a service, and the topology it declares before anything flows."""

from __future__ import annotations

from typing import cast

from faststream.rabbit import (
    Channel,
    ExchangeType,
    QueueType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
)
from faststream.rabbit.opentelemetry import RabbitTelemetryMiddleware
from faststream.rabbit.schemas.queue import QuorumQueueArgs

from aftersales_contracts.topology import (
    ALL_QUEUES,
    COMMANDS_EXCHANGE,
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    QueueSpec,
)


def create_broker(amqp_url: str) -> RabbitBroker:
    """The broker a service declares its topology with and publishes its few direct
    messages on (dead letters, requeued deliveries; the tests' events). Its consumers
    take their deliveries straight from aio-pika (``aftersales_kit.consuming``)."""
    return RabbitBroker(
        amqp_url,
        # Publisher confirms, and an unroutable message raises instead of vanishing.
        default_channel=Channel(publisher_confirms=True, on_return_raises=True),
        # FastStream's middleware, and not the aio-pika instrumentation as well:
        # both together would write two spans and overwrite each other's traceparent.
        middlewares=[RabbitTelemetryMiddleware()],
        fail_fast=True,
    )


def exchange(name: str, prefix: str = "") -> RabbitExchange:
    return RabbitExchange(prefix + name, type=ExchangeType.TOPIC, durable=True)


def rabbit_queue(spec: QueueSpec, prefix: str = "") -> RabbitQueue:
    return RabbitQueue(
        prefix + spec.name,
        queue_type=QueueType.QUORUM,
        durable=True,
        arguments=cast(QuorumQueueArgs, spec.arguments(prefix)),
        routing_key=spec.routing_keys[0],
    )


def dead_letter_queue(spec: QueueSpec, prefix: str = "") -> RabbitQueue:
    return RabbitQueue(
        prefix + spec.dead_letter_name,
        queue_type=QueueType.QUORUM,
        durable=True,
        routing_key=prefix + spec.name,
    )


async def declare_topology(
    broker: RabbitBroker, prefix: str = "", extra: tuple[QueueSpec, ...] = ()
) -> None:
    """Declare every exchange, queue, dead-letter queue and binding (idempotent)."""
    exchanges = {
        name: await broker.declare_exchange(exchange(name, prefix))
        for name in (EVENTS_EXCHANGE, COMMANDS_EXCHANGE, DEAD_LETTER_EXCHANGE)
    }
    for spec in (*ALL_QUEUES, *extra):
        dlq = await broker.declare_queue(dead_letter_queue(spec, prefix))
        await dlq.bind(exchanges[DEAD_LETTER_EXCHANGE], routing_key=prefix + spec.name)
        queue = await broker.declare_queue(rabbit_queue(spec, prefix))
        for key in spec.routing_keys:
            await queue.bind(exchanges[spec.exchange], routing_key=key)
