"""Field work's read side at scale: the board, planning day and week, and the map, through
the real field work service.

Creates a fresh field work database and loads 100,000 service orders over 200 technicians
in 20 org units and a year of bookings (two a working day per technician, from 40 weeks
back to 5 weeks ahead) straight into the tables with ``INSERT ... SELECT generate_series``:
the write side through the API would measure order creation, not the queries. Past
bookings' orders are completed (every 31st cancelled, its booking released), the coming
ones planned, and 10,000 orders are new (unbooked); every 50th order has no coordinates.

Then starts field work as its own process (uvicorn, like ``make run``) and sends each
query at a steady request rate (open loop: requests leave on a fixed schedule whatever the
answers do; latency counts from the scheduled start), printing p50/p99/max and the rate
achieved. The machine's own ceilings are measured in the same run first: a ``SELECT 1``
round trip to PostgreSQL and the service's HTTP no-op (``/healthz``).

Usage: uv run python bench/fieldwork_views.py [--orders N] [--rate R] [--seconds S] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import httpx

from aftersales_testing.infrastructure import (
    create_database,
    database_url,
    delete_topology,
    drop_database,
)

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
MIGRATIONS = Path(__file__).parent.parent / "services/fieldwork/src/fieldwork/migrations"
ZONE = "Europe/Stockholm"
ORG_UNITS = 20
TECHNICIANS = 200
CUSTOMERS = 20_000
NEW_SHARE = 0.10  # orders never booked
WEEKS_BACK = 40
# Who asks: an unrestricted planner, as the gateway would name them.
PLANNER = {"X-Aftersales-User": "bench-planner", "X-Aftersales-Roles": "operator"}
OFFICE_HOURS = {str(d): [{"start": "07:00", "end": "17:00"}] for d in range(1, 6)}


def org_unit_id(n: int) -> uuid.UUID:
    """The ids the seed's ``md5('ou' || n)::uuid`` gives."""
    import hashlib

    return uuid.UUID(hashlib.md5(f"ou{n}".encode()).hexdigest())


# --- seeding ----------------------------------------------------------------------------


async def seed(url: str, orders: int, today: date, now: datetime) -> float:
    """Org units, kinds, customers, technicians, cases, orders and bookings; seconds."""
    started = time.perf_counter()
    booked = orders - int(orders * NEW_SHARE)
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS_BACK)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            """
            INSERT INTO org_unit (id, version, code, name, time_zone, parent_id)
            SELECT md5('ou' || u)::uuid, 1, 'ou-' || lpad(u::text, 2, '0'), 'Region ' || u,
                   $2, NULL
            FROM generate_series(0, $1 - 1) AS u
            """,
            ORG_UNITS,
            ZONE,
        )
        await connection.execute(
            """
            INSERT INTO order_kind (id, version, code, name, org_unit_id, active, created_at,
                                    updated_at)
            SELECT md5('kind' || k)::uuid, 1, code, initcap(code), NULL, true, now(), now()
            FROM unnest(ARRAY['repair', 'maintenance', 'installation', 'work_order'])
                 WITH ORDINALITY AS kinds(code, k)
            """
        )
        await connection.execute(
            """
            INSERT INTO customer (id, version, customer_number, name, org_unit_id)
            SELECT md5('customer' || c)::uuid, 1, 'C' || lpad(c::text, 6, '0'),
                   'Customer ' || c, md5('ou' || (c % $2))::uuid
            FROM generate_series(0, $1 - 1) AS c
            """,
            CUSTOMERS,
            ORG_UNITS,
        )
        await connection.execute(
            """
            INSERT INTO technician (id, version, name, username, org_unit_id, home_base,
                                    working_hours, active, created_at, updated_at)
            SELECT md5('tech' || t)::uuid, 1, 'Technician ' || lpad(t::text, 3, '0'),
                   'tech' || t, md5('ou' || (t % $2))::uuid,
                   jsonb_build_object('street', 'Depot ' || t, 'city', 'City ' || (t % $2),
                                      'latitude', 55.6 + (t % $2) * 0.4 + (t / $2) * 0.01,
                                      'longitude', 13.0 + (t % $2) * 0.3),
                   $3::jsonb, true, now(), now()
            FROM generate_series(0, $1 - 1) AS t
            """,
            TECHNICIANS,
            ORG_UNITS,
            json.dumps(OFFICE_HOURS),
        )
        # Booked order i: technician i % 200, its (i / 200)-th booking, two a working
        # day (08-10 and 11-13 local) from first_monday on; the rest are new.
        await connection.execute(
            """
            CREATE TEMP TABLE seed AS
            WITH base AS (
                SELECT i, i < $2 AS booked, i % $6 AS t, (i / $6) % 2 AS slot,
                       $3::date + ((i / ($6 * 2)) / 5) * 7 + (i / ($6 * 2)) % 5 AS day
                FROM generate_series(0, $1 - 1) AS i
            ), timed AS (
                SELECT *, (day + make_time(8 + slot * 3, 0, 0)) AT TIME ZONE $7 AS starts_at
                FROM base
            )
            SELECT i, booked,
                   CASE WHEN booked THEN t END AS t,
                   CASE WHEN booked THEN day END AS day,
                   CASE WHEN booked THEN starts_at END AS starts_at,
                   CASE WHEN booked THEN t % $8 ELSE i % $8 END AS ou,
                   CASE WHEN NOT booked THEN 'new'
                        WHEN i % 31 = 0 THEN 'cancelled'
                        WHEN day < $4 THEN 'completed'
                        ELSE 'planned' END AS stage,
                   CASE WHEN booked THEN starts_at - make_interval(days => 3 + i % 25)
                        ELSE $5::timestamptz - make_interval(mins => i % 86400) END
                        AS created_at
            FROM timed
            """,
            orders,
            booked,
            first_monday,
            today,
            now,
            TECHNICIANS,
            ZONE,
            ORG_UNITS,
        )
        await connection.execute(
            """
            INSERT INTO service_case (id, version, number, name, customer_id, org_unit_id,
                                      status, created_at, created_by, updated_at)
            SELECT md5('case' || i)::uuid, 1, 'SC-' || lpad(i::text, 7, '0'), 'Case ' || i,
                   md5('customer' || (i % $1))::uuid, md5('ou' || ou)::uuid,
                   CASE WHEN stage IN ('completed', 'cancelled') THEN stage ELSE 'planned' END,
                   created_at, 'bench', created_at
            FROM seed
            """,
            CUSTOMERS,
        )
        await connection.execute(
            """
            INSERT INTO service_order (
                id, version, number, case_id, kind_id, customer_id, location, priority,
                technician_id, description, org_unit_id, stage, status, booked_from,
                created_at, created_by, updated_at, completed_at, cancelled_at)
            SELECT md5('order' || i)::uuid, 1, 'SO-' || lpad(i::text, 7, '0'),
                   md5('case' || i)::uuid, md5('kind' || (1 + i % 4))::uuid,
                   md5('customer' || (i % $1))::uuid,
                   jsonb_build_object(
                       'street', 'Street ' || i, 'postal_code', '', 'city', 'City ' || ou,
                       'country', 'SE',
                       'latitude', CASE WHEN i % 50 <> 0
                                   THEN 55.6 + ou * 0.4 + ((i * 37) % 100) / 500.0 END,
                       'longitude', CASE WHEN i % 50 <> 0
                                    THEN 13.0 + ou * 0.3 + ((i * 53) % 100) / 500.0 END),
                   (ARRAY['low', 'normal', 'normal', 'high', 'urgent'])[1 + i % 5],
                   CASE WHEN booked THEN md5('tech' || t)::uuid END,
                   'Service visit ' || i || ': the unit reports error E' || (i % 90)
                       || ' after a restart; check the pump, the seals and the controller,'
                       || ' and replace the filter if it is older than a year.',
                   md5('ou' || ou)::uuid, stage,
                   CASE stage WHEN 'new' THEN NULL WHEN 'completed' THEN 'done' ELSE stage END,
                   CASE WHEN stage IN ('planned', 'completed') THEN starts_at END,
                   created_at, 'bench', created_at,
                   CASE WHEN stage = 'completed' THEN starts_at + interval '2 hours' END,
                   CASE WHEN stage = 'cancelled' THEN created_at + interval '1 day' END
            FROM seed
            """,
            CUSTOMERS,
        )
        await connection.execute(
            """
            INSERT INTO booking (id, order_id, technician_id, starts_at, ends_at, local_date,
                                 local_start, local_end, state, created_at, created_by,
                                 updated_at)
            SELECT md5('booking' || i)::uuid, md5('order' || i)::uuid, md5('tech' || t)::uuid,
                   starts_at, starts_at + interval '2 hours', day,
                   (starts_at AT TIME ZONE $1)::time,
                   ((starts_at + interval '2 hours') AT TIME ZONE $1)::time,
                   CASE WHEN stage = 'cancelled' THEN 'released' ELSE 'standing' END,
                   created_at, 'bench', created_at
            FROM seed WHERE booked
            """,
            ZONE,
        )
        await connection.execute("SELECT setval('service_order_number_seq', $1)", orders)
        # What autovacuum does soon after a bulk load: statistics, and the visibility map
        # that lets counts be index-only scans.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def census(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        stages = await connection.fetch(
            "SELECT stage, count(*) AS n FROM service_order GROUP BY stage ORDER BY stage"
        )
        bookings = await connection.fetchval("SELECT count(*) FROM booking")
        span = await connection.fetchrow("SELECT min(local_date), max(local_date) FROM booking")
    finally:
        await connection.close()
    by_stage = ", ".join(f"{r['stage']} {r['n']:,}" for r in stages)
    return f"{by_stage}; {bookings:,} bookings from {span[0]} to {span[1]}"


# --- measuring --------------------------------------------------------------------------


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return p50, p99, ordered[-1] * 1000


async def select_round_trip(url: str, n: int = 2000) -> None:
    """The database's floor: one ``SELECT 1`` at a time on one connection."""
    connection = await asyncpg.connect(url)
    try:
        latencies = []
        for _ in range(n):
            started = time.perf_counter()
            await connection.fetchval("SELECT 1")
            latencies.append(time.perf_counter() - started)
    finally:
        await connection.close()
    p50, p99, top = percentiles(latencies)
    print(
        f"{'ceiling: SELECT 1 round trip (asyncpg)':<52} {'1 at a time':>17}"
        f"  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  max {top:7.1f} ms"
    )


async def http_no_op(client: httpx.AsyncClient, seconds: float = 5.0) -> None:
    """The HTTP stack's floor and top rate: ``/healthz`` one at a time, as fast as it goes."""
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        (await client.get("/healthz")).raise_for_status()
        latencies.append(time.perf_counter() - started)
    p50, p99, top = percentiles(latencies)
    rate = len(latencies) / seconds
    print(
        f"{'ceiling: HTTP no-op GET /healthz, closed loop':<52} {rate:>6.0f} req/s done"
        f"  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  max {top:7.1f} ms"
    )


async def steady(
    client: httpx.AsyncClient, label: str, urls: Sequence[str], rate: float, seconds: float
) -> None:
    """Open loop: request k leaves at start + k / rate whatever the others are doing;
    its latency runs from that scheduled instant (waiting for a connection counts)."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    finished_at = 0.0

    async def one(k: int, at: float) -> None:
        nonlocal errors, finished_at
        await asyncio.sleep(max(0.0, at - loop.time()))
        try:
            response = await client.get(urls[k % len(urls)], headers=PLANNER)
            if response.status_code != 200:
                errors += 1
                if errors == 1:
                    print(f"  {label}: {response.status_code} {response.text[:300]}")
        except httpx.HTTPError as error:
            errors += 1
            if errors == 1:
                print(f"  {label}: {error!r}")
        latencies.append(loop.time() - at)
        finished_at = max(finished_at, loop.time())

    start = loop.time() + 0.2
    total = int(rate * seconds)
    await asyncio.gather(*(one(k, start + k / rate) for k in range(total)))
    p50, p99, top = percentiles(latencies)
    achieved = total / (finished_at - start)
    print(
        f"{label:<52} {rate:>4.0f} -> {achieved:>5.1f} req/s"
        f"  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {top:7.1f} ms  errors {errors}"
    )


async def queries(port: int, today: date, rate: float, seconds: float, url: str) -> None:
    units = [org_unit_id(n) for n in range(ORG_UNITS)]
    monday = today - timedelta(days=today.weekday())
    week = f"booked_from={monday}&booked_to={monday + timedelta(days=6)}"
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        timeout=120,
        trust_env=False,
        limits=httpx.Limits(max_connections=64),
    ) as client:
        await select_round_trip(url)
        await http_no_op(client)
        runs: list[tuple[str, list[str]]] = [
            ("HTTP no-op GET /healthz", ["/healthz"]),
            ("board, one org unit", [f"/board?org_unit_id={u}" for u in units]),
            (
                "board, one org unit, this week's bookings",
                [f"/board?org_unit_id={u}&{week}" for u in units],
            ),
            ("board, every org unit", ["/board"]),
            (
                "planning day, one org unit (10 technicians)",
                [f"/planning/day?date={today}&org_unit_id={u}" for u in units],
            ),
            (
                "planning week, one org unit",
                [f"/planning/week?week_start={monday}&org_unit_id={u}" for u in units],
            ),
            ("map, one org unit, today", [f"/map?date={today}&org_unit_id={u}" for u in units]),
            ("map, every technician, today", [f"/map?date={today}"]),
            (
                "order list, one org unit, newest 50",
                [f"/service-orders?org_unit_id={u}" for u in units],
            ),
        ]
        for _, urls in runs:  # warm up: connections, statement caches
            for u in urls[:3]:
                (await client.get(u, headers=PLANNER)).raise_for_status()
        for label, urls in runs:
            await steady(client, label, urls, rate, seconds)


# --- the service ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(port: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
        for _ in range(300):
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("fieldwork did not become ready")


def start_service(database: str, prefix: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = os.environ | {
        "FIELDWORK_DATABASE_URL": database_url(POSTGRES, database),
        "FIELDWORK_AMQP_URL": AMQP,
        "FIELDWORK_BROKER_PREFIX": prefix,
        "FIELDWORK_HTTP_PORT": str(port),
        "FIELDWORK_LOG_LEVEL": "WARNING",
        "FIELDWORK_TIME_ZONE": ZONE,
    }
    service = subprocess.Popen([sys.executable, "-m", "fieldwork.main"], env=env)
    try:
        asyncio.run(wait_ready(port))
    except BaseException:
        stop_service(service)
        raise
    return service, port


def stop_service(service: subprocess.Popen[bytes]) -> None:
    service.terminate()
    try:
        service.wait(timeout=30)
    except subprocess.TimeoutExpired:
        service.kill()
        service.wait()


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


def run(args: argparse.Namespace) -> None:
    run_id = uuid.uuid4().hex[:8]
    name = f"bench_fieldwork_{run_id}"
    prefix = f"bench-{run_id}"
    url = database_url(POSTGRES, name, "postgresql")
    service: subprocess.Popen[bytes] | None = None
    now = datetime.now(ZoneInfo(ZONE))
    today = now.date()
    try:
        # Inside the try: a failed migration still drops the database.
        create_database(POSTGRES, name, MIGRATIONS)
        print(machine())
        seconds = asyncio.run(seed(url, args.orders, today, now))
        print(f"seeded {args.orders:,} orders in {seconds:.1f} s: {asyncio.run(census(url))}")
        service, port = start_service(name, prefix)
        asyncio.run(queries(port, today, args.rate, args.seconds, url))
    finally:
        if service is not None:
            stop_service(service)
        asyncio.run(delete_topology(AMQP, prefix))
        if args.keep:
            print(f"kept database {name}")
        else:
            drop_database(POSTGRES, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--keep", action="store_true")
    main_args = parser.parse_args()
    run(main_args)


if __name__ == "__main__":
    main()
