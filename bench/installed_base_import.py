"""An installed base imported through the real catalog service and planned by the real
scheduling service, end to end (issue 19, target 3).

Starts scheduling and then catalog as their own processes, each on a fresh database,
sharing one broker prefix so that catalog's events reach scheduling's queues. Creates
the products in catalog over HTTP and stores in scheduling one service type linking all
of them (``scheduling_callouts``' three steps, manual approval: ~3.2 callouts an item,
nothing sent). Then uploads a customers CSV (ITEMS / 5 rows) and a serial-items CSV
(ITEMS rows) to catalog's ``POST /imports/...``, each polled to its end, and polls
scheduling's database until every customer is projected and every item has its
workflow (its callouts planned), with the progress every 30 s.

Prints catalog's rows/s for each import, the time from the start of the customers upload
to the last workflow (the target: a million items, 200,000 customers, in 15 minutes;
catalog alone >= 5,000 rows/s), how long scheduling lagged behind catalog's end, the
callouts, the CPU seconds of each service, of PostgreSQL (and of the backends serving
each database), of RabbitMQ and of the machine over the run, and each service's memory:
idle before the run, sampled during it (max and last: flat or growing) and its peak.

Usage: uv run python bench/installed_base_import.py [ITEMS]   (defaults to 20000)
       uv run python bench/installed_base_import.py 1000000   # the target's size
       uv run python bench/installed_base_import.py 20000 --profile var/profiles/ib  # py-spy
       uv run python bench/installed_base_import.py 20000 --keep  # keep both databases
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import httpx
from catalog_import import (
    AMQP,
    ITEMS_PER_CUSTOMER,
    POSTGRES,
    PRODUCTS,
    free_port,
    report,
    upload,
    wait_ready,
    write_files,
)
from catalog_import import MIGRATIONS as CATALOG_MIGRATIONS
from profiling import sampled
from scheduling_callouts import MIGRATIONS as SCHEDULING_MIGRATIONS
from scheduling_callouts import (
    cpu_seconds,
    machine,
    proc_status,
    service_type,
    start_service,
    stop_service,
    store_type,
)

from aftersales_contracts.servicetypes import ServiceLinkDefinition, ServiceTypeChanged
from aftersales_contracts.topology import SCHEDULING_CATALOG_EVENTS
from aftersales_testing.infrastructure import (
    create_database,
    database_url,
    delete_topology,
    drop_database,
)

SAMPLE_SECONDS = 2.0  # the services' memory and the backends' CPU
PROGRESS_SECONDS = 30.0
# Scheduling polled every this many seconds while catalog imports, every second after.
POLL_IMPORTING_SECONDS = 5.0
POLL_SECONDS = 1.0
# No new customer or workflow in scheduling for this long after catalog's end: give up.
STALL_SECONDS = 180.0
TARGET_ITEMS, TARGET_SECONDS = 1_000_000, 900.0
TICK = os.sysconf("SC_CLK_TCK")


def linked_type(products: list[uuid.UUID]) -> ServiceTypeChanged:
    """``scheduling_callouts.service_type()`` linked to catalog's products (their ids are
    catalog's, not the ones that bench makes up)."""
    link = ServiceLinkDefinition(
        main_product_id=products[0],
        apply_to_main_product=True,
        related_product_ids=products[1:],
    )
    return service_type().model_copy(update={"links": [link]})


def start_catalog(database: str, prefix: str) -> tuple[subprocess.Popen[bytes], int]:
    """A catalog process on ``database`` and the broker prefix (not yet ready)."""
    port = free_port()
    env = os.environ | {
        "CATALOG_DATABASE_URL": database_url(POSTGRES, database),
        "CATALOG_AMQP_URL": AMQP,
        "CATALOG_BROKER_PREFIX": prefix,
        "CATALOG_HTTP_PORT": str(port),
        "CATALOG_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "catalog.main"], env=env), port


# --- where the CPU goes -----------------------------------------------------------------


def process_cpu(names: Iterable[str]) -> dict[str, float]:
    """CPU seconds of every process with each name (``comm``), what its first process
    reaped included (PostgreSQL's backends that exited): a counter, take differences."""
    table: dict[int, tuple[str, int, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        own = int(fields[11]) + int(fields[12])
        reaped = int(fields[13]) + int(fields[14])
        table[int(entry.name)] = (comm, int(fields[1]), own, reaped)
    totals = dict.fromkeys(names, 0)
    for comm, ppid, own, reaped in table.values():
        if comm in totals:
            totals[comm] += own
            parent = table.get(ppid)
            if parent is None or parent[0] != comm:
                totals[comm] += reaped
    return {name: ticks / TICK for name, ticks in totals.items()}


def machine_cpu() -> tuple[float, float]:
    """The machine's busy and total CPU seconds since boot, every core."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / TICK, sum(values) / TICK


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class SharedCpu:
    """What the rest of the machine spent since ``SharedCpu()``: PostgreSQL's and
    RabbitMQ's processes (every one on the machine, other sessions' work too), this
    bench (the load generator) and the machine's busy CPU."""

    GROUPS = ("postgres", "beam.smp")

    def __init__(self) -> None:
        self._groups = process_cpu(self.GROUPS)
        self._machine, self._total = machine_cpu()
        self._own = own_cpu()

    def busy(self) -> str:
        """How busy the machine's cores were since ``SharedCpu()``, on average."""
        busy, total = machine_cpu()
        share = (busy - self._machine) / max(total - self._total, 1e-9)
        return f"{share * 100:.0f} % busy ({os.cpu_count()} cores)"

    def line(self, n: int, what: str) -> str:
        """The spending per ``what`` over ``n`` of them, as the benches print it."""
        groups = process_cpu(self.GROUPS)

        def per(seconds: float) -> str:
            return f"{seconds * 1000 / n:.1f} ms"

        return (
            f"  CPU per {what}, machine-wide: PostgreSQL"
            f" {per(groups['postgres'] - self._groups['postgres'])}, RabbitMQ"
            f" {per(groups['beam.smp'] - self._groups['beam.smp'])}, this bench"
            f" {per(own_cpu() - self._own)}; the machine's busy CPU"
            f" {per(machine_cpu()[0] - self._machine)}"
        )


def process_seconds(pid: int) -> float | None:
    try:
        return cpu_seconds(pid)
    except (OSError, IndexError):
        return None


class Sampler:
    """Every few seconds: the services' resident memory, and the CPU of the PostgreSQL
    backends serving each bench database (the bench's own connections left out)."""

    def __init__(self, services: Mapping[str, int], databases: Mapping[str, str]) -> None:
        self.services = dict(services)
        self.databases = dict(databases)  # database name -> label
        self.rss_max = dict.fromkeys(services, 0.0)
        self.rss_last = dict.fromkeys(services, float("nan"))
        self.own_pids: set[int] = set()
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}

    async def _backends(self, connection: asyncpg.Connection) -> list[tuple[int, str]]:
        rows = await connection.fetch(
            "SELECT pid, datname FROM pg_stat_activity WHERE datname = ANY($1::text[])",
            list(self.databases),
        )
        return [
            (int(r["pid"]), self.databases[r["datname"]])
            for r in rows
            if int(r["pid"]) not in self.own_pids
        ]

    async def baseline(self, connection: asyncpg.Connection) -> None:
        for pid, label in await self._backends(connection):
            if (seconds := process_seconds(pid)) is not None:
                self._first[pid] = seconds
                self._last[pid] = (label, seconds)

    async def sample(self, connection: asyncpg.Connection) -> None:
        for label, pid in self.services.items():
            rss = proc_status(pid, "VmRSS")
            if rss == rss:  # not NaN: the process is there
                self.rss_max[label] = max(self.rss_max[label], rss)
                self.rss_last[label] = rss
        for pid, label in await self._backends(connection):
            if (seconds := process_seconds(pid)) is not None:
                self._first.setdefault(pid, 0.0)  # born during the run: all of it counts
                self._last[pid] = (label, seconds)

    async def run(self, connection: asyncpg.Connection) -> None:
        while True:
            await self.sample(connection)
            await asyncio.sleep(SAMPLE_SECONDS)

    def backend_cpu(self) -> dict[str, float]:
        """CPU seconds of each database's backends since the baseline (a backend that
        exited between two samples loses its last seconds)."""
        totals = dict.fromkeys(self.databases.values(), 0.0)
        for pid, (label, seconds) in self._last.items():
            totals[label] += seconds - self._first[pid]
        return totals


# --- waiting for scheduling ---------------------------------------------------------------


async def queue_depths(prefix: str) -> str:
    """Messages ready in scheduling's catalog-events queue and its dead letters."""
    connection = await aio_pika.connect(AMQP, timeout=10)
    try:
        channel = await connection.channel()
        parts = []
        for name in (SCHEDULING_CATALOG_EVENTS.name, SCHEDULING_CATALOG_EVENTS.dead_letter_name):
            queue = await channel.declare_queue(prefix + name, passive=True)
            parts.append(f"{name} {queue.declaration_result.message_count:,}")
        return ", ".join(parts)
    finally:
        await connection.close()


async def outbox(catalog: asyncpg.Connection) -> tuple[int, int]:
    """Events catalog has written and those its relay has not published yet."""
    written = await catalog.fetchval("SELECT coalesce(max(id), 0) FROM outbox_message")
    waiting = await catalog.fetchval(
        "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
    )
    return int(written), int(waiting)


async def progress(
    elapsed: float,
    scheduling: asyncpg.Connection,
    catalog: asyncpg.Connection,
    sampler: Sampler,
) -> str:
    written, waiting = await outbox(catalog)
    customers = await scheduling.fetchval("SELECT count(*) FROM customer")
    items = await scheduling.fetchval("SELECT count(*) FROM serial_item")
    workflows = await scheduling.fetchval("SELECT count(*) FROM workflow")
    rss = ", ".join(f"{label} {mib:.0f}" for label, mib in sampler.rss_last.items())
    return (
        f"  ... {elapsed:.0f} s: catalog wrote {written:,} events ({waiting:,} not yet"
        f" published); scheduling has {customers:,} customers, {items:,} items,"
        f" {workflows:,} workflows; RSS {rss} MiB"
    )


async def wait_planned(
    scheduling: asyncpg.Connection,
    catalog: asyncpg.Connection,
    expected: tuple[int, int],
    started: float,
    catalog_done: asyncio.Event,
    services: Mapping[str, subprocess.Popen[bytes]],
    sampler: Sampler,
    prefix: str,
) -> float:
    """Poll scheduling until it has every customer and every item's workflow; the
    ``perf_counter`` when it saw them."""
    customers, items = expected
    projected = planned = 0
    reported = 0.0
    counts = (-1, -1)
    changed = time.perf_counter()
    while True:
        for label, service in services.items():
            if service.poll() is not None:
                raise RuntimeError(f"{label} exited with {service.returncode} during the run")
        if projected < customers:
            projected = int(await scheduling.fetchval("SELECT count(*) FROM customer"))
        planned = int(await scheduling.fetchval("SELECT count(*) FROM workflow"))
        now = time.perf_counter()
        if projected >= customers and planned >= items:
            return now
        if (projected, planned) != counts:
            counts, changed = (projected, planned), now
        elif catalog_done.is_set() and now - changed > STALL_SECONDS:
            print(await progress(now - started, scheduling, catalog, sampler), flush=True)
            print(f"  queues: {await queue_depths(prefix)}", flush=True)
            raise TimeoutError(
                f"scheduling stalled at {projected:,} of {customers:,} customers and"
                f" {planned:,} of {items:,} workflows for {now - changed:.0f} s"
            )
        if now - started >= reported + PROGRESS_SECONDS:
            reported = now - started
            print(await progress(reported, scheduling, catalog, sampler), flush=True)
        if catalog_done.is_set():
            await asyncio.sleep(POLL_SECONDS)
        else:  # woken early when catalog ends
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(catalog_done.wait(), POLL_IMPORTING_SECONDS)


# --- the run ------------------------------------------------------------------------------


async def create_products(client: httpx.AsyncClient) -> list[uuid.UUID]:
    ids = []
    for p in range(PRODUCTS):
        body = {"product_number": f"P{p:03d}", "name": f"Product {p}"}
        response = await client.post("/products", json=body)
        response.raise_for_status()
        ids.append(uuid.UUID(response.json()["id"]))
    return ids


def finished_at(job: dict[str, Any]) -> float:
    return datetime.fromisoformat(job["finished_at"]).timestamp()


async def bench(
    items: int,
    files: tuple[Path, Path],
    services: Mapping[str, subprocess.Popen[bytes]],
    catalog_port: int,
    databases: Mapping[str, str],
    prefix: str,
    profile: Path | None,
) -> None:
    customers = max(1, items // ITEMS_PER_CUSTOMER)
    pids = {label: service.pid for label, service in services.items()}
    sched = await asyncpg.connect(database_url(POSTGRES, databases["scheduling"], "postgresql"))
    cat = await asyncpg.connect(database_url(POSTGRES, databases["catalog"], "postgresql"))
    watch = await asyncpg.connect(database_url(POSTGRES, "postgres", "postgresql"))
    sampler = Sampler(pids, {name: label for label, name in databases.items()})
    sampler.own_pids = {c.get_server_pid() for c in (sched, cat, watch)}
    tasks: list[asyncio.Task[Any]] = []
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{catalog_port}", timeout=600, trust_env=False
        ) as client:
            await wait_ready(client)
            definition = linked_type(await create_products(client))
            await store_type(sched, definition)
            idle = {label: proc_status(pid, "VmRSS") for label, pid in pids.items()}
            print(
                f"{PRODUCTS} products in catalog, one service type linking them in scheduling;"
                " idle RSS " + ", ".join(f"{label} {mib:.0f} MiB" for label, mib in idle.items()),
                flush=True,
            )

            cpu_before = {label: cpu_seconds(pid) for label, pid in pids.items()}
            groups_before = process_cpu(("postgres", "beam.smp"))
            machine_before, own_before = machine_cpu(), own_cpu()
            await sampler.baseline(watch)
            tasks.append(asyncio.create_task(sampler.run(watch)))
            catalog_done = asyncio.Event()
            with sampled(pids, profile):
                start_wall, started = time.time(), time.perf_counter()
                waiting = asyncio.create_task(
                    wait_planned(
                        sched,
                        cat,
                        (customers, items),
                        started,
                        catalog_done,
                        services,
                        sampler,
                        prefix,
                    )
                )
                tasks.append(waiting)
                for (kind, rows), path in zip(
                    (("customers", customers), ("serial-items", items)), files, strict=True
                ):
                    job, seconds = await upload(client, kind, path)
                    assert job["state"] == "completed", job
                    assert job["failed"] == 0, job
                    assert job["created"] == rows, job
                    memory = f"catalog peak RSS {proc_status(pids['catalog'], 'VmHWM'):.0f} MiB"
                    report(f"HTTP import {kind} (created)", rows, seconds, memory)
                catalog_end = finished_at(job)
                catalog_done.set()
                seen = await waiting
            await sampler.sample(watch)

        cpu = {label: cpu_seconds(pid) - cpu_before[label] for label, pid in pids.items()}
        groups = {
            name: seconds - groups_before[name]
            for name, seconds in process_cpu(("postgres", "beam.smp")).items()
        }
        machine_after = machine_cpu()
        busy = machine_after[0] - machine_before[0]
        available = machine_after[1] - machine_before[1]
        mine = own_cpu() - own_before
        backends = sampler.backend_cpu()

        last_workflow = float(
            await sched.fetchval("SELECT extract(epoch FROM max(created_at)) FROM workflow")
        )
        relay_end = await cat.fetchval(
            "SELECT extract(epoch FROM max(published_at)) FROM outbox_message"
        )
        _, unpublished = await outbox(cat)
        callouts = int(await sched.fetchval("SELECT count(*) FROM callout"))
        total = last_workflow - start_wall

        print(
            f"end to end: {items:,} items ({customers:,} customers) imported and planned in"
            f" {total:.1f} s = {items / total:,.0f} items/s (last workflow's transaction;"
            f" seen at {seen - started:.1f} s); the target: {TARGET_ITEMS:,} in"
            f" {TARGET_SECONDS:.0f} s = {TARGET_ITEMS / TARGET_SECONDS:,.0f} items/s"
        )
        print(
            f"scheduling's lag behind catalog: {last_workflow - catalog_end:.1f} s after the"
            f" items job finished (catalog's relay published its last event"
            f" {float(relay_end) - catalog_end:.1f} s after it, {unpublished:,} unpublished)"
        )
        print(f"callouts planned: {callouts:,} ({callouts / items:.2f} per item)")
        print(
            f"CPU over the run, {available:.0f} CPU-s on {os.cpu_count()} cores:"
            f" machine busy {busy:.1f} s ({busy * 100 / available:.0f}%); catalog"
            f" {cpu['catalog']:.1f} s, scheduling {cpu['scheduling']:.1f} s, PostgreSQL"
            f" {groups['postgres']:.1f} s (backends of catalog {backends['catalog']:.1f} s,"
            f" of scheduling {backends['scheduling']:.1f} s), RabbitMQ"
            f" {groups['beam.smp']:.1f} s, this bench {mine:.1f} s"
        )
        for label, pid in pids.items():
            print(
                f"{label} memory: idle RSS {idle[label]:.0f} MiB; during the run (every"
                f" {SAMPLE_SECONDS:.0f} s) max {sampler.rss_max[label]:.0f} MiB, last"
                f" {sampler.rss_last[label]:.0f} MiB; peak (VmHWM) {proc_status(pid, 'VmHWM'):.0f}"
                " MiB"
            )
        print(f"queues at the end: {await queue_depths(prefix)}")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for connection in (sched, cat, watch):
            await connection.close()


def stop_children() -> None:
    """Stop this process's own children still running (by pid): a service started but
    never handed back, as when it did not become ready."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        if not stat or int(stat.rsplit(")", 1)[1].split()[1]) != me:
            continue
        pid = int(entry.name)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
        for _ in range(300):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def main(items: int, keep: bool, profile: Path | None) -> None:
    run = uuid.uuid4().hex[:8]
    databases = {"catalog": f"bench_ib_{run}_catalog", "scheduling": f"bench_ib_{run}_scheduling"}
    prefix = f"bench-ib-{run}-"
    services: dict[str, subprocess.Popen[bytes]] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            files = write_files(Path(tmp), items)
            sizes = ", ".join(f"{f.name} {f.stat().st_size / 2**20:.1f} MiB" for f in files)
            print(f"{machine()}; {sizes}", flush=True)
            create_database(POSTGRES, databases["catalog"], CATALOG_MIGRATIONS)
            create_database(POSTGRES, databases["scheduling"], SCHEDULING_MIGRATIONS)
            # Scheduling first: its queues exist and are bound before catalog publishes.
            services["scheduling"] = start_service(databases["scheduling"], prefix)[0]
            services["catalog"], port = start_catalog(databases["catalog"], prefix)
            asyncio.run(bench(items, files, services, port, databases, prefix, profile))
    finally:
        try:
            for service in services.values():
                stop_service(service)
            stop_children()  # one started but not handed back (it never became ready)
        finally:
            try:
                asyncio.run(delete_topology(AMQP, prefix))
            finally:
                if keep:
                    print(f"kept databases {databases['catalog']} and {databases['scheduling']}")
                else:
                    for name in databases.values():
                        drop_database(POSTGRES, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("items", nargs="?", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep both databases")
    parser.add_argument(
        "--profile", type=Path, help="record both services with py-spy, raw files here"
    )
    args = parser.parse_args()
    main(args.items, args.keep, args.profile)
