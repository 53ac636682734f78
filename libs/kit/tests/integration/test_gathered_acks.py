"""Gathered acks on a real broker: what one ack covers is exactly what was applied. A
multiple ack over a delivery not yet applied would lose it; one whose tag was settled
already closes the channel ("unknown delivery tag"). Closing the channel gives back
whatever was not acked: that is the check."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest
from aiormq.abc import FieldTable

from aftersales_kit.acks import ChannelAcks

QUORUM: FieldTable = {"x-queue-type": "quorum"}


@pytest.fixture
async def queue_name(amqp: aio_pika.abc.AbstractConnection) -> AsyncIterator[str]:
    name = f"kit-acks-{uuid.uuid4().hex[:8]}"
    channel = await amqp.channel()
    await channel.declare_queue(name, durable=True, arguments=QUORUM)
    for number in range(10):
        await channel.default_exchange.publish(
            aio_pika.Message(str(number).encode(), delivery_mode=2), routing_key=name
        )
    yield name
    await channel.queue_delete(name)
    await channel.close()


async def _deliveries(
    amqp: aio_pika.abc.AbstractConnection, name: str, count: int
) -> tuple[aio_pika.abc.AbstractChannel, list[aio_pika.abc.AbstractIncomingMessage]]:
    channel = await amqp.channel()
    await channel.set_qos(prefetch_count=count)
    queue = await channel.declare_queue(name, durable=True, arguments=QUORUM)
    messages: list[aio_pika.abc.AbstractIncomingMessage] = []
    got = asyncio.Event()

    async def take(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        messages.append(message)
        if len(messages) == count:
            got.set()

    await queue.consume(take)
    await asyncio.wait_for(got.wait(), 10)
    return channel, messages


def _tags(messages: list[aio_pika.abc.AbstractIncomingMessage]) -> dict[str, int]:
    tags: dict[str, int] = {}
    for message in messages:
        assert message.delivery_tag is not None
        tags[message.body.decode()] = message.delivery_tag
    return tags


async def _left(amqp: aio_pika.abc.AbstractConnection, name: str) -> set[str]:
    """The bodies still in the queue (the deliveries nobody acked come back)."""
    channel = await amqp.channel()
    queue = await channel.declare_queue(name, durable=True, arguments=QUORUM)
    bodies: set[str] = set()
    while (message := await queue.get(fail=False, timeout=5)) is not None:
        bodies.add(message.body.decode())
        await message.ack()
    await channel.close()
    return bodies


async def test_acks_of_one_turn_cover_exactly_the_deliveries_applied(
    amqp: aio_pika.abc.AbstractConnection, queue_name: str
) -> None:
    channel, messages = await _deliveries(amqp, queue_name, 10)
    acks = ChannelAcks(messages[0].channel)
    written: list[tuple[int, bool]] = []
    basic_ack = acks.channel.basic_ack

    async def recorded(delivery_tag: int, multiple: bool = False, wait: bool = True) -> None:
        written.append((delivery_tag, multiple))
        await basic_ack(delivery_tag, multiple=multiple, wait=wait)

    acks.channel.basic_ack = recorded  # type: ignore[method-assign]
    tags = _tags(messages)

    # "0" to "2" are still being applied: "5" to "9", applied first, are acked one by one.
    await asyncio.gather(*(acks.ack(tags[str(n)]) for n in range(5, 10)))
    # "3" is rejected apart: nothing is covered yet ("0" to "2" outstanding).
    await messages[3].reject(requeue=False)
    acks.settled_apart(tags["3"])
    # "0" and "1" in one turn: one multiple ack up to "1"; "2" and "4" stay.
    await asyncio.gather(acks.ack(tags["0"]), acks.ack(tags["1"]))
    # "2" and "4": one multiple ack up to "4", over the rejected "3", not up to "9".
    await asyncio.gather(acks.ack(tags["2"]), acks.ack(tags["4"]))

    assert written == [
        *((tags[str(n)], False) for n in range(5, 10)),
        (tags["1"], True),
        (tags["4"], True),
    ]
    assert not channel.is_closed  # no tag acknowledged twice
    await channel.close()
    assert await _left(amqp, queue_name) == set()


async def test_a_delivery_never_acked_comes_back(
    amqp: aio_pika.abc.AbstractConnection, queue_name: str
) -> None:
    channel, messages = await _deliveries(amqp, queue_name, 10)
    acks = ChannelAcks(messages[0].channel)
    tags = _tags(messages)
    # "4" is never applied: the acks around it cover nothing of it.
    await asyncio.gather(*(acks.ack(tags[str(n)]) for n in range(10) if n != 4))
    await channel.close()
    assert await _left(amqp, queue_name) == {"4"}
