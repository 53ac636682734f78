"""The machine's raw ceilings, measured in the same run as a benchmark: what PostgreSQL,
RabbitMQ and the local SMTP sink do with no Aftersales code in the way.

- PostgreSQL: single-row INSERT transactions committed one after another on one
  connection (asyncpg), the floor of "one commit per message";
- RabbitMQ: persistent publishes with publisher confirms, pipelined (aio-pika), and
  consume + ack of the same messages with a prefetch of 200;
- SMTP: messages handed to the sink over one connection kept open (aiosmtplib), the
  most a single sender connection can push through it;
- SMS (``measure(sms=True)``, the SMS bench): ``POST /messages`` to the fake provider
  (``notifications.fake_sms``, a process of its own) one after another over one kept
  HTTP connection (httpx), the most one sender connection can push through it.

``uv run python bench/ceilings.py`` prints them alone; the send bench prints them first.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import aio_pika
import aiosmtplib
import asyncpg
import httpx

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
# Where the sinks (the SMTP sink, the fake SMS provider) write their files: in memory
# where the machine has /dev/shm. A new file on the development VM's disk cost the sink
# 0.06 to 0.9 ms of CPU, varying with the disk's journal from run to run: the machine's
# noise, not the work of the processes measured (bench/README.md, tenth session).
SINK_ROOT = os.environ.get("AFTERSALES_BENCH_SINK_ROOT") or (
    "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
)


def sink_directory() -> tempfile.TemporaryDirectory[str]:
    """A fresh directory for a sink's files, under ``SINK_ROOT``."""
    return tempfile.TemporaryDirectory(dir=SINK_ROOT, prefix="aftersales-sink-")


async def postgres_commits(n: int = 3000) -> float:
    """Single-row transactions a second on one connection."""
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute("CREATE TEMP TABLE ceiling (id uuid PRIMARY KEY, body text)")
        insert = await connection.prepare("INSERT INTO ceiling VALUES ($1, $2)")
        started = time.perf_counter()
        for i in range(n):
            async with connection.transaction():
                await insert.fetch(uuid.uuid4(), f"row {i}")
        return n / (time.perf_counter() - started)
    finally:
        await connection.close()


async def rabbitmq(n: int = 10000) -> tuple[float, float]:
    """Confirmed persistent publishes a second (pipelined), then consume + ack a second."""
    connection = await aio_pika.connect(AMQP)
    try:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(f"bench-ceiling-{uuid.uuid4().hex[:8]}", durable=True)
        body = b'{"type": "bench", "payload": "' + b"x" * 400 + b'"}'
        started = time.perf_counter()
        await asyncio.gather(
            *(
                channel.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=queue.name,
                )
                for _ in range(n)
            )
        )
        published = n / (time.perf_counter() - started)
        consumer_channel = await connection.channel()
        await consumer_channel.set_qos(prefetch_count=200)
        consumer_queue = await consumer_channel.get_queue(queue.name)
        done = asyncio.Event()
        count = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal count
            await message.ack()
            count += 1
            if count == n:
                done.set()

        started = time.perf_counter()
        tag = await consumer_queue.consume(on_message)
        await done.wait()
        consumed = n / (time.perf_counter() - started)
        await consumer_queue.cancel(tag)
        await queue.delete(if_unused=False, if_empty=False)
        return published, consumed
    finally:
        await connection.close()


async def smtp_sink(n: int = 2000) -> float:
    """E-mails a second into the local sink (a process of its own) over one connection."""
    from aftersales_testing.smtp_sink import free_port

    port = free_port()
    with sink_directory() as tmp:
        sink = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "aftersales_testing.smtp_sink",
            "--host", "127.0.0.1", "--port", str(port), "--dir", str(Path(tmp) / "mail"),
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, local_hostname="bench")
            for _ in range(100):
                try:
                    await client.connect()
                    break
                except (OSError, aiosmtplib.SMTPConnectError):
                    await asyncio.sleep(0.05)
            message = EmailMessage()
            message["From"] = "bench@example.com"
            message["Subject"] = "Ceiling"
            message.set_content("The machine's ceiling.")
            started = time.perf_counter()
            for i in range(n):
                del message["To"]
                message["To"] = f"customer{i}@example.com"
                await client.send_message(message)
            rate = n / (time.perf_counter() - started)
            await client.quit()
            return rate
        finally:
            sink.terminate()
            await sink.wait()


async def sms_provider(n: int = 2000) -> float:
    """SMS a second into the fake provider (a process of its own) over one connection."""
    from aftersales_testing.smtp_sink import free_port

    port = free_port()
    with sink_directory() as tmp:
        provider = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "notifications.fake_sms",
            "--host", "127.0.0.1", "--port", str(port), "--dir", str(Path(tmp) / "sms"),
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            limits = httpx.Limits(max_connections=1)
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", trust_env=False, limits=limits
            ) as client:
                for _ in range(200):
                    try:
                        await client.get("/messages")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
                started = time.perf_counter()
                for i in range(n):
                    body = {"to": f"+4670{i:07d}", "from": "Aftersales", "text": "Ceiling"}
                    response = await client.post("/messages", json=body | {"reference": str(i)})
                    response.raise_for_status()
                return n / (time.perf_counter() - started)
        finally:
            provider.terminate()
            await provider.wait()


async def measure(smtp: bool = True, sms: bool = False) -> None:
    commits = await postgres_commits()
    published, consumed = await rabbitmq()
    print(f"  ceiling: PostgreSQL single-row commits, one connection {commits:8.0f} /s")
    print(f"  ceiling: RabbitMQ confirmed persistent publishes      {published:8.0f} /s")
    print(f"  ceiling: RabbitMQ consume + ack (prefetch 200)        {consumed:8.0f} /s")
    if smtp:
        print(f"  ceiling: SMTP sink, one connection kept open         {await smtp_sink():8.0f} /s")
    if sms:
        print(
            f"  ceiling: fake SMS provider, one connection kept open {await sms_provider():8.0f} /s"
        )


if __name__ == "__main__":
    asyncio.run(measure())
