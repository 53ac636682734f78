"""Dead-letter queues: what waits in them, and sending it back once the cause is mended.

A message lands in ``<queue>.dlq`` in one of two ways:

- the broker put it there: its consumer failed on it ``DELIVERY_LIMIT`` times (reason
  ``delivery_limit`` in the ``x-death`` header the broker keeps), or rejected it;
- its consumer put it there at once (``publish_dead_letter``), because no retry can
  ever apply it: ``unparseable`` (not JSON), ``unknown type`` (no type, or one the
  queue has no handler for), ``invalid envelope`` or ``unsupported schema version``.
  Those carry ``x-aftersales-reason``, ``x-aftersales-error`` (a short text) and
  ``x-aftersales-queue``.

Re-driving publishes each one, body and properties unchanged, straight to the queue it
died in (through the default exchange, so no other consumer sees it twice), with
publisher confirms, and only then removes it from the dead-letter queue: a crash in
between leaves a copy in both places, which the consumer's inbox makes harmless. The
death history stays on the message (``x-death``, and our own deaths folded into
``x-aftersales-history``) with ``x-aftersales-redrives`` counted up, so a message that
dies again shows its whole history.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from faststream.rabbit import RabbitBroker

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.topology import ALL_QUEUES, DEAD_LETTER_EXCHANGE, QueueSpec
from aftersales_kit.broker import exchange

REASON_HEADER = "x-aftersales-reason"
ERROR_HEADER = "x-aftersales-error"
QUEUE_HEADER = "x-aftersales-queue"
DIED_AT_HEADER = "x-aftersales-died-at"
HISTORY_HEADER = "x-aftersales-history"
REDRIVES_HEADER = "x-aftersales-redrives"
REQUEUES_HEADER = "x-aftersales-requeues"

# Our own headers for the death at hand; a re-drive folds them into the history.
_CURRENT_DEATH = (REASON_HEADER, ERROR_HEADER, QUEUE_HEADER, DIED_AT_HEADER)
# Per-delivery, not history: the broker counts the deliveries of a message in its queue;
# a re-driven message starts afresh (a stale count would read as a late retry).
_PER_DELIVERY = ("x-delivery-count",)


class Reason(StrEnum):
    """Why a consumer dead-lettered a message at once (no retry could apply it)."""

    UNPARSEABLE = "unparseable"
    UNKNOWN_TYPE = "unknown type"
    INVALID_ENVELOPE = "invalid envelope"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported schema version"


class UnknownQueue(LookupError):
    pass


@dataclass(frozen=True)
class DeadLetter:
    message_id: str | None
    message_type: str | None
    # Why it died this time: ours (``Reason``) or the broker's x-death reason
    # (``delivery_limit``, ``rejected``, ...).
    reason: str | None
    # How many times it died, every death counted: the broker's (x-death counts summed)
    # and ours (this one and those before a re-drive).
    deaths: int
    body: bytes
    queue: str | None = None
    error: str | None = None
    redrives: int = 0


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


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def describe(message: AbstractIncomingMessage) -> DeadLetter:
    """What a dead letter says about itself: who killed it, why, how often."""
    headers: dict[str, Any] = dict(message.headers or {})
    deaths: list[Any] = [d for d in headers.get("x-death") or [] if isinstance(d, dict)]
    # The broker keeps its most recent death first.
    latest = deaths[0] if deaths else {}
    history = [h for h in headers.get(HISTORY_HEADER) or [] if isinstance(h, dict)]
    ours = _text(headers.get(REASON_HEADER))
    count = sum(_int(d.get("count", 1)) for d in deaths) + len(history) + (1 if ours else 0)
    return DeadLetter(
        message_id=message.message_id,
        message_type=message.type or _routing_key(latest),
        # Our reason is on the message only for the death at hand (a re-drive moves it
        # into the history), so when it is there it is the latest.
        reason=ours or _text(latest.get("reason")),
        deaths=count,
        body=message.body,
        queue=_text(headers.get(QUEUE_HEADER)) or _text(latest.get("queue")),
        error=_text(headers.get(ERROR_HEADER)),
        redrives=_int(headers.get(REDRIVES_HEADER)),
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
        result = [describe(m) for m in seen]
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
    await channel.default_exchange.publish(
        aio_pika.Message(
            message.body,
            headers=redriven_headers(dict(message.headers or {})),
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


def redriven_headers(headers: dict[str, Any]) -> dict[str, Any]:
    """The headers a re-driven message carries: the broker's death history as it was,
    our own death (if it was ours) folded into ``x-aftersales-history``, the re-drive
    counted; the per-delivery count dropped."""
    result = {k: v for k, v in headers.items() if k not in (*_CURRENT_DEATH, *_PER_DELIVERY)}
    if headers.get(REASON_HEADER) is not None:
        entry = {
            "reason": headers.get(REASON_HEADER),
            "error": headers.get(ERROR_HEADER),
            "queue": headers.get(QUEUE_HEADER),
            "died-at": headers.get(DIED_AT_HEADER),
        }
        previous = [h for h in headers.get(HISTORY_HEADER) or [] if isinstance(h, dict)]
        result[HISTORY_HEADER] = [*previous, {k: v for k, v in entry.items() if v is not None}]
    result[REDRIVES_HEADER] = _int(headers.get(REDRIVES_HEADER)) + 1
    return result


def _properties(message: AbstractIncomingMessage) -> dict[str, Any]:
    return {
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        "correlation_id": message.correlation_id,
        "message_id": message.message_id,
        "timestamp": message.timestamp,
        "message_type": message.type,
        "priority": message.priority,
    }


async def publish_dead_letter(
    broker: RabbitBroker,
    spec: QueueSpec,
    message: AbstractIncomingMessage,
    reason: Reason,
    error: str,
    prefix: str = "",
) -> None:
    """Send a delivery to its queue's dead-letter queue now, with why.

    The original body and properties, through the dead-letter exchange with the queue's
    dead-letter routing key (what the broker itself would do), our reason headers added,
    publisher-confirmed and mandatory: when this returns the dead letter is stored, and
    the caller may ack the original. A failure raises, and the original is not acked.
    """
    headers: dict[str, Any] = dict(message.headers or {})
    for key in _PER_DELIVERY:
        headers.pop(key, None)
    headers |= {
        REASON_HEADER: reason.value,
        ERROR_HEADER: error[:500],
        QUEUE_HEADER: spec.name,
        DIED_AT_HEADER: datetime.now(UTC).isoformat(timespec="milliseconds"),
    }
    await broker.publish(
        message.body,
        exchange=exchange(DEAD_LETTER_EXCHANGE, prefix),
        routing_key=prefix + spec.name,
        mandatory=True,
        persist=True,
        headers=headers,
        **_properties(message),
    )


async def requeue(
    broker: RabbitBroker, spec: QueueSpec, message: AbstractIncomingMessage, prefix: str = ""
) -> None:
    """Put a delivery back at the end of its own queue as a new message (the caller then
    acks the original): it comes again without spending a delivery of its limit. For a
    delivery held too long through an outage (the broker closes a channel whose delivery
    stays unacknowledged past its consumer timeout)."""
    headers: dict[str, Any] = dict(message.headers or {})
    for key in _PER_DELIVERY:
        headers.pop(key, None)
    headers[REQUEUES_HEADER] = _int(headers.get(REQUEUES_HEADER)) + 1
    await broker.publish(
        message.body,
        queue=prefix + spec.name,
        mandatory=True,
        persist=True,
        headers=headers,
        **_properties(message),
    )


async def requeue_parts(
    broker: RabbitBroker, spec: QueueSpec, parts: Iterable[Envelope[Any]], prefix: str = ""
) -> None:
    """Put the parts of a set message at the end of its queue, each a new message,
    publisher-confirmed (the caller then acks the set): a set its consumer could not
    apply whole comes back as smaller sets, until the entity it fails on is a set of one
    and is dead-lettered alone (``inbox.Consumer``)."""
    for part in parts:
        await broker.publish(
            part.model_dump_json().encode(),
            queue=prefix + spec.name,
            mandatory=True,
            persist=True,
            content_type="application/json",
            correlation_id=str(part.correlation_id) if part.correlation_id else None,
            message_id=str(part.message_id),
            message_type=part.type,
        )
