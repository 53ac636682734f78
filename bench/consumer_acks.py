"""What a consumer's acks cost RabbitMQ and the consumer: one ack a delivery against the
kit's gathered acks (``aftersales_kit.acks``, decision 99).

Publishes N persistent messages to a quorum queue (as the services' queues are), then
consumes them with a prefetch of 64 and settles them in batches of 20 applied in one
loop turn, as a batch consumer does: once acked one by one (what the services did
before), once through ``ChannelAcks`` (one ``basic.ack`` with ``multiple`` a turn).
Prints the rate and the CPU per message of RabbitMQ (every ``beam.smp`` of the machine)
and of this process, for each way, alternating, ``--rounds`` times.

Usage: uv run python bench/consumer_acks.py [N] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
import uuid

import aio_pika
from aio_pika.abc import AbstractIncomingMessage
from ceilings import AMQP
from installed_base_import import own_cpu, process_cpu

from aftersales_kit.acks import ChannelAcks

PREFETCH = 64
BATCH = 20
QUORUM: dict[str, str] = {"x-queue-type": "quorum"}


async def consume(n: int, gathered: bool) -> tuple[float, float, float]:
    """Messages/s, RabbitMQ's and this process's CPU seconds, for ``n`` messages."""
    connection = await aio_pika.connect(AMQP)
    name = f"bench-acks-{uuid.uuid4().hex[:8]}"
    try:
        publishing = await connection.channel(publisher_confirms=True)
        await publishing.declare_queue(name, durable=True, arguments=QUORUM)
        body = b"x" * 600  # about an envelope's size
        await asyncio.gather(
            *(
                publishing.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=name,
                )
                for _ in range(n)
            )
        )
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=PREFETCH)
        queue = await channel.declare_queue(name, durable=True, arguments=QUORUM)
        waiting: list[AbstractIncomingMessage] = []
        acks: ChannelAcks | None = None
        settled = 0
        done = asyncio.Event()

        async def settle(batch: list[AbstractIncomingMessage]) -> None:
            nonlocal acks, settled
            if gathered:
                acks = acks or ChannelAcks(batch[0].channel)
                await asyncio.gather(*(acks.ack(m.delivery_tag or 0) for m in batch))
            else:
                await asyncio.gather(*(m.ack() for m in batch))
            settled += len(batch)
            if settled >= n:
                done.set()

        async def take(message: AbstractIncomingMessage) -> None:
            waiting.append(message)
            if len(waiting) >= BATCH or settled + len(waiting) >= n:
                batch = waiting[:]
                waiting.clear()
                await settle(batch)

        broker_before = process_cpu(["beam.smp"])["beam.smp"]
        own_before = own_cpu()
        started = time.perf_counter()
        await queue.consume(take)
        await asyncio.wait_for(done.wait(), 300)
        elapsed = time.perf_counter() - started
        broker = process_cpu(["beam.smp"])["beam.smp"] - broker_before
        own = own_cpu() - own_before
        await channel.close()
        await publishing.queue_delete(name)
        return n / elapsed, broker, own
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{args.n} messages, quorum queue, prefetch {PREFETCH}, settled {BATCH} a turn")
    for _ in range(args.rounds):
        for gathered in (False, True):
            rate, broker, own = asyncio.run(consume(args.n, gathered))
            label = "gathered (one multiple ack a turn)" if gathered else "one ack a delivery"
            print(
                f"  {label:36} {rate:7.0f} /s; RabbitMQ {broker * 1e6 / args.n:4.0f} µs,"
                f" this process {own * 1e6 / args.n:4.0f} µs a message"
            )


if __name__ == "__main__":
    main()
