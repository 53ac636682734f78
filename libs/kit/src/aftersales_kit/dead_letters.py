"""Dead-letter queues: what waits in them, and sending it back once the cause is mended.

A message lands in ``<queue>.dlq`` when its consumer rejected it as invalid or failed on
it ``DELIVERY_LIMIT`` times. Re-driving publishes each one, unchanged, straight to the
queue it died in (through the default exchange, so no other consumer sees it twice),
with publisher confirms, and only then removes it from the dead-letter queue: a crash in
between leaves a copy in both places, which the consumer's inbox makes harmless.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from aftersales_contracts.topology import ALL_QUEUES, QueueSpec

# Headers the broker added on the way to the dead-letter queue; a re-driven message
# starts afresh without them.
_DEATH_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
)


class UnknownQueue(LookupError):
    pass


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    message_type: str | None
    reason: str | None
    deaths: int
    body: bytes


def spec_named(name: str, specs: Iterable[QueueSpec] = ALL_QUEUES) -> QueueSpec:
    for spec in specs:
        if spec.name == name:
            return spec
    known = ", ".join(sorted(s.name for s in specs))
    raise UnknownQueue(f"no queue named {name!r}; the queues are: {known}")


async def depths(
    amqp_url: str, prefix: str = "", specs: Iterable[QueueSpec] = ALL_QUEUES
) -> dict[str, int]:
    """How many messages wait in each queue's dead-letter queue."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        result: dict[str, int] = {}
        for spec in specs:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(prefix + spec.dead_letter_name, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                continue  # not declared on this broker (yet)
            result[spec.name] = queue.declaration_result.message_count or 0
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.close()
        return result


def _describe(message: AbstractIncomingMessage) -> DeadLetter:
    deaths: list[Any] = list(message.headers.get("x-death") or [])  # type: ignore[arg-type]
    first = deaths[0] if deaths else {}
    return DeadLetter(
        message_id=message.message_id,
        message_type=message.type or _routing_key(first),
        reason=first.get("reason") if isinstance(first, dict) else None,
        deaths=sum(int(d.get("count", 1)) for d in deaths if isinstance(d, dict)),
        body=message.body,
    )


def _routing_key(death: Any) -> str | None:
    keys = death.get("routing-keys") if isinstance(death, dict) else None
    return str(keys[0]) if keys else None


async def peek(
    amqp_url: str, spec: QueueSpec, prefix: str = "", limit: int = 10
) -> list[DeadLetter]:
    """The first ``limit`` dead letters, left where they are."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(prefix + spec.dead_letter_name, passive=True)
        seen: list[AbstractIncomingMessage] = []
        while len(seen) < limit:
            message = await queue.get(no_ack=False, fail=False)
            if message is None:
                break
            seen.append(message)
        # Closing the channel returns every unacknowledged message, in order.
        result = [_describe(m) for m in seen]
        await channel.close()
        return result


async def redrive(
    amqp_url: str, spec: QueueSpec, prefix: str = "", limit: int | None = None
) -> int:
    """Move dead letters back to their queue; returns how many were moved.

    At most what waited when it began (or ``limit``): a message that dies again while
    this runs is not sent round in a loop.
    """
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        dlq = await channel.declare_queue(prefix + spec.dead_letter_name, passive=True)
        waiting = dlq.declaration_result.message_count or 0
        budget = waiting if limit is None else min(limit, waiting)
        moved = 0
        while moved < budget:
            message = await dlq.get(no_ack=False, fail=False)
            if message is None:
                break
            await _republish(channel, message, prefix + spec.name)
            await message.ack()
            moved += 1
        return moved


async def _republish(
    channel: AbstractChannel, message: AbstractIncomingMessage, queue_name: str
) -> None:
    headers = {k: v for k, v in (message.headers or {}).items() if k not in _DEATH_HEADERS}
    await channel.default_exchange.publish(
        aio_pika.Message(
            message.body,
            headers=headers,
            content_type=message.content_type,
            content_encoding=message.content_encoding,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            priority=message.priority,
            correlation_id=message.correlation_id,
            message_id=message.message_id,
            timestamp=message.timestamp,
            type=message.type,
            app_id=message.app_id,
        ),
        routing_key=queue_name,
        mandatory=True,
    )
