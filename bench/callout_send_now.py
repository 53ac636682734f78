"""A callout's "send now" to its e-mail in the SMTP sink: the latency a user sees.

Runs scheduling, the notifications API, one e-mail sender and the SMTP sink as their own
processes on fresh databases and a fresh broker prefix. Scheduling's projections are
seeded straight (``scheduling_callouts.seed`` and ``store_direct``: customers, items,
a yearly service type and its callouts, awaiting approval); notifications learns the
same customers as production teaches it, from catalog's set event
``catalog.customers.registered`` on the broker. Then each probe is one user's "send
now" on one callout (``POST /callouts/actions/send-now``): scheduling's transaction and
relay, the ``SendMessage`` command, notifications' decision and its ``DeliverEmail``,
the sender's SMTP transaction. The clock runs from the request until the e-mail is a
file in the sink (the sink names each file by its arrival in nanoseconds).

Probes go PROBE_GAP_SECONDS apart, first on an idle system, then while other messages
flow at ``--background-rate`` a second (``SendMessage`` commands published to the
broker at a steady rate, open loop, as other callouts and campaigns would send them).
Prints p50, p95 and max of each, the background rate reached, and the CPU each process
spent per message while loaded.

Usage: uv run python bench/callout_send_now.py [--probes 100] [--background-rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aio_pika
import asyncpg
import batch_sizes
import ceilings
import httpx
from installed_base_import import SharedCpu
from notifications_send import cpu_seconds, persistent, request, stop_all
from profiling import sampled
from scheduling_callouts import (
    AMQP,
    ITEMS_PER_CUSTOMER,
    POSTGRES,
    free_port,
    seed,
    service_type,
    start_service,
    store_direct,
)

from aftersales_contracts.catalog import (
    CommunicationMethod,
    CustomerRegistered,
    CustomersRegistered,
)
from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.notifications import SendMessage
from aftersales_contracts.topology import COMMANDS_EXCHANGE, EVENTS_EXCHANGE
from aftersales_testing.infrastructure import (
    create_database,
    database_url,
    delete_topology,
    drop_database,
)

ROOT = Path(__file__).parent.parent
SCHEDULING_MIGRATIONS = ROOT / "services/scheduling/src/scheduling/migrations"
NOTIFICATIONS_MIGRATIONS = ROOT / "services/notifications/src/notifications/migrations"
PROBE_GAP_SECONDS = 0.2
IDENTITY = {"X-Aftersales-User": "bench", "X-Aftersales-Roles": "admin"}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def publish(prefix: str, message: Message, exchange_name: str) -> None:
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(prefix + exchange_name, ensure=False)
        await exchange.publish(persistent(Envelope.wrap(message)), routing_key=message.TYPE)


async def teach_customers(prefix: str, notifications_url: str, customers: int) -> None:
    """The seeded customers as catalog announces them, a set event of up to 1,000 each;
    returns once notifications holds them all."""
    for start in range(0, customers, 1000):
        members = [
            CustomerRegistered(
                customer_id=uuid.UUID(_md5_uuid(f"customer{i}")),
                version=1,
                customer_number=f"C{i:07d}",
                name=f"Customer {i}",
                emails=[f"c{i}@example.com"],
                mobiles=[],
                allowed_methods=[CommunicationMethod.EMAIL],
                preferred_method=CommunicationMethod.EMAIL,
                language="en",
            )
            for i in range(start, min(customers, start + 1000))
        ]
        await publish(prefix, CustomersRegistered(customers=members), EVENTS_EXCHANGE)
    connection = await asyncpg.connect(notifications_url)
    try:
        for _ in range(600):
            if await connection.fetchval("SELECT count(*) FROM customer") >= customers:
                return
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    raise RuntimeError("notifications did not learn the customers")


def _md5_uuid(text: str) -> str:
    """PostgreSQL's ``md5(text)::uuid``, which the scheduling seed names customers by."""
    return str(uuid.UUID(hashlib.md5(text.encode()).hexdigest()))


async def callouts_by_customer(scheduling_url: str, wanted: int) -> list[tuple[str, str]]:
    """(callout id, its customer's address) for ``wanted`` callouts of distinct customers."""
    connection = await asyncpg.connect(scheduling_url)
    try:
        rows = await connection.fetch(
            "SELECT DISTINCT ON (customer_id) id, customer_id FROM callout"
            " WHERE state = 'awaiting_approval' ORDER BY customer_id, scheduled_for LIMIT $1",
            wanted,
        )
        addresses = {
            r["id"]: r["email"]
            for r in await connection.fetch(
                "SELECT c.id AS id, c.emails[1] AS email FROM customer c"
                " WHERE c.id = ANY($1::uuid[])",
                [r["customer_id"] for r in rows],
            )
        }
    finally:
        await connection.close()
    return [(str(r["id"]), addresses[r["customer_id"]]) for r in rows]


class Sink:
    """The sink's directory, read as files arrive: each probe's address to its arrival."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seen: set[str] = set()
        self.arrived: dict[str, int] = {}
        self.files = 0

    def look(self) -> None:
        with os.scandir(self.directory) as entries:
            fresh = [e.name for e in entries if e.name.endswith(".eml") and e.name not in self.seen]
        for name in fresh:
            self.seen.add(name)
            self.files += 1
            head = (self.directory / name).read_bytes()[:3000]
            start = head.find(b"\nTo: c")
            if start >= 0:
                address = head[start + 5 : head.index(b"\r\n", start + 1)].decode().strip()
                self.arrived[address] = int(name.split("-")[0])


async def probe_all(
    scheduling: str,
    sink: Sink,
    probes: list[tuple[str, str]],
) -> list[float]:
    """Milliseconds from each "send now" to its e-mail in the sink."""
    started: dict[str, int] = {}
    async with httpx.AsyncClient(
        base_url=scheduling, timeout=60, trust_env=False, headers=IDENTITY
    ) as client:
        for callout_id, address in probes:
            started[address] = time.time_ns()
            response = await client.post("/callouts/actions/send-now", json={"ids": [callout_id]})
            if response.status_code != 200 or not response.json()["acted"]:
                raise RuntimeError(f"send now: {response.status_code} {response.text}")
            await asyncio.sleep(PROBE_GAP_SECONDS)
    deadline = time.perf_counter() + 120
    while any(a not in sink.arrived for a in started):
        if time.perf_counter() > deadline:
            raise RuntimeError("not every probe's e-mail arrived within 120 s")
        sink.look()
        await asyncio.sleep(0.02)
    return [(sink.arrived[a] - t) / 1e6 for a, t in started.items()]


async def background(prefix: str, rate: float, stop: asyncio.Event, run: str) -> int:
    """``SendMessage`` commands at ``rate`` a second (open loop) until ``stop``; how many."""
    connection = await aio_pika.connect(AMQP)
    sent = 0
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(prefix + COMMANDS_EXCHANGE, ensure=False)
        started = time.perf_counter()
        pending: set[asyncio.Task[object]] = set()
        while not stop.is_set():
            due = int((time.perf_counter() - started) * rate)
            while sent < due:
                body = request(run, sent) | {"recipient": {"emails": [f"bg{sent}@example.com"]}}
                envelope = Envelope.wrap(SendMessage.model_validate(body))
                task = asyncio.create_task(
                    exchange.publish(persistent(envelope), routing_key=SendMessage.TYPE)
                )
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            await asyncio.sleep(0.005)
        await asyncio.gather(*pending)
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--background-rate", type=float, default=200.0)
    parser.add_argument("--senders", type=int, default=1, help="e-mail sender processes")
    parser.add_argument("--profile", type=Path, help="py-spy each process while loaded")
    args = parser.parse_args()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    asyncio.run(ceilings.measure())

    run = uuid.uuid4().hex[:8]
    prefix = f"bench-{run}"
    scheduling_db, notifications_db = f"bench_sendnow_s_{run}", f"bench_sendnow_n_{run}"
    items = 2 * args.probes * ITEMS_PER_CUSTOMER  # a customer of its own for every probe
    create_database(POSTGRES, scheduling_db, SCHEDULING_MIGRATIONS)
    notifications_url = create_database(POSTGRES, notifications_db, NOTIFICATIONS_MIGRATIONS)
    # asyncpg's own spelling for the bench's direct connections.
    scheduling_url = database_url(POSTGRES, scheduling_db, "postgresql")
    notifications_direct = database_url(POSTGRES, notifications_db, "postgresql")
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    with ceilings.sink_directory() as tmp:
        mail = Path(tmp) / "mail"
        try:
            asyncio.run(seed(scheduling_url, items))
            asyncio.run(store_direct(scheduling_url, service_type()))
            smtp_port, api_port, sender_port = free_port(), free_port(), free_port()
            env = os.environ | {
                "NOTIFICATIONS_DATABASE_URL": notifications_url,
                "NOTIFICATIONS_AMQP_URL": AMQP,
                "NOTIFICATIONS_BROKER_PREFIX": prefix,
                "NOTIFICATIONS_HTTP_PORT": str(api_port),
                "NOTIFICATIONS_SENDER_HTTP_PORT": str(sender_port),
                "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
                "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
                "NOTIFICATIONS_LOG_LEVEL": "WARNING",
                "NOTIFICATIONS_DAILY_EMAILS_PER_REQUESTER": "10000000",
                "NOTIFICATIONS_SMTP_RATE_PER_SECOND": "1000000",
                "NOTIFICATIONS_SMTP_RATE_BURST": "1000",
            }
            sink_args = ["--host", "127.0.0.1", "--port", str(smtp_port), "--dir", str(mail)]
            processes.append(
                (
                    "smtp sink",
                    subprocess.Popen(
                        [sys.executable, "-m", "aftersales_testing.smtp_sink", *sink_args],
                        stdout=subprocess.DEVNULL,
                    ),
                )
            )
            processes.append(
                (
                    "notifications API",
                    subprocess.Popen([sys.executable, "-m", "notifications.main"], env=env),
                )
            )
            sender_ports = [sender_port] + [free_port() for _ in range(args.senders - 1)]
            for number, port in enumerate(sender_ports, start=1):
                label = "e-mail sender" + (f" {number}" if args.senders > 1 else "")
                sender_env = env | {"NOTIFICATIONS_SENDER_HTTP_PORT": str(port)}
                command = [sys.executable, "-m", "notifications.sender"]
                processes.append((label, subprocess.Popen(command, env=sender_env)))
            scheduling, scheduling_port = start_service(scheduling_db, prefix)
            processes.append(("scheduling", scheduling))

            async def measured() -> None:
                async with httpx.AsyncClient(trust_env=False) as client:
                    for port in (api_port, *sender_ports):
                        for _ in range(600):
                            try:
                                ready = await client.get(f"http://127.0.0.1:{port}/readyz")
                                if ready.status_code == 200:
                                    break
                            except httpx.TransportError:
                                pass
                            await asyncio.sleep(0.1)
                await teach_customers(prefix, notifications_direct, items // ITEMS_PER_CUSTOMER)
                chosen = await callouts_by_customer(scheduling_url, 2 * args.probes)
                sink = Sink(mail)
                api = f"http://127.0.0.1:{scheduling_port}"
                idle = await probe_all(api, sink, chosen[: args.probes])
                report("idle", idle)

                stop = asyncio.Event()
                before = {p.pid: cpu_seconds(p.pid) for _, p in processes}
                shared = SharedCpu()
                files_before = sink.files
                loaded_at = time.perf_counter()
                flowing = asyncio.create_task(background(prefix, args.background_rate, stop, run))
                await asyncio.sleep(3)  # the background at its pace first
                pids = {label: p.pid for label, p in processes if label != "smtp sink"}
                with sampled(pids, args.profile):
                    loaded = await probe_all(api, sink, chosen[args.probes :])
                stop.set()
                sent = await flowing
                seconds = time.perf_counter() - loaded_at
                report(f"{args.background_rate:.0f} messages/s asked in the background", loaded)
                sink.look()
                through = sink.files - files_before
                print(
                    f"  background: {sent} published in {seconds:.1f} s"
                    f" ({sent / seconds:.0f}/s); {through} e-mails reached the sink meanwhile"
                    f" ({through / seconds:.0f}/s)"
                )
                per = max(1, through)
                print(
                    "  CPU per e-mail while loaded: "
                    + ", ".join(
                        f"{label} {(cpu_seconds(p.pid) - before[p.pid]) * 1000 / per:.1f} ms"
                        for label, p in processes
                    )
                )
                print(shared.line(per, "e-mail while loaded"))
                print(f"  the machine's two cores over the loaded phase: {shared.busy()}")

            asyncio.run(measured())
            # Cumulative over both phases (the idle one adds its few).
            print(
                batch_sizes.line(
                    [
                        ("API", f"http://127.0.0.1:{api_port}"),
                        *(
                            (f"sender {n}", f"http://127.0.0.1:{port}")
                            for n, port in enumerate(sender_ports, start=1)
                        ),
                        ("scheduling", f"http://127.0.0.1:{scheduling_port}"),
                    ]
                )
            )
        finally:
            stop_all(processes)  # scheduling first (it dispatches), the sink last
            asyncio.run(delete_topology(AMQP, prefix))
            drop_database(POSTGRES, scheduling_db)
            drop_database(POSTGRES, notifications_db)


def report(label: str, values: list[float]) -> None:
    print(
        f"send now -> sink, {label}: p50 {_percentile(values, 0.5):6.1f} ms"
        f"  p95 {_percentile(values, 0.95):6.1f} ms  max {max(values):6.1f} ms"
        f"  ({len(values)} probes)"
    )


if __name__ == "__main__":
    main()
