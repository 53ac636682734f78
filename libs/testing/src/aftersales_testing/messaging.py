"""Test helpers that talk to the real broker: publish an event, take a message off a queue."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika
from faststream.rabbit import RabbitBroker

from aftersales_contracts.envelope import Envelope, Message, MessageKind
from aftersales_contracts.topology import COMMANDS_EXCHANGE, EVENTS_EXCHANGE
from aftersales_kit.broker import exchange


async def publish(broker: RabbitBroker, prefix: str, payload: Message) -> Envelope[Message]:
    """Publish a message the way a relay would (persistent, confirmed, routable)."""
    envelope = Envelope.wrap(payload)
    name = COMMANDS_EXCHANGE if payload.KIND is MessageKind.COMMAND else EVENTS_EXCHANGE
    await broker.publish(
        envelope.to_json_dict(),
        exchange=exchange(name, prefix),
        routing_key=payload.TYPE,
        persist=True,
        mandatory=True,
        message_id=str(envelope.message_id),
        content_type="application/json",
    )
    return envelope


async def take(amqp_url: str, queue: str, timeout: float = 20.0) -> dict[str, Any]:
    """Take (and ack) the next message from a queue, polling until the deadline."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        declared = await channel.get_queue(queue, ensure=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            message = await declared.get(fail=False, no_ack=False)
            if message is not None:
                await message.ack()
                body: dict[str, Any] = json.loads(message.body)
                return body
            await asyncio.sleep(0.1)
        raise TimeoutError(f"no message on {queue} within {timeout}s")
    finally:
        await connection.close()
