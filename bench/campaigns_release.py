"""A service campaign of 100,000 serial numbers through the real campaigns service:
uploaded, validated, released, closed.

Creates a fresh campaigns database and loads its catalog projections straight into the
tables with ``INSERT ... SELECT generate_series`` (LINES serial items on 50 products, one
owner customer per 5 items and an initial-order customer per 10, 20 org units): catalog's
events through the broker would measure the projection consumer, not campaigns. A case
template of type service campaign and a parent case are written the same way.

Then starts campaigns as its own process (like ``make run``), measures the machine's own
ceilings in the same run (a ``SELECT 1`` round trip, the service's HTTP no-op
``/healthz``, and PostgreSQL writing LINES case-shaped rows with the case table's indexes
in one ``INSERT ... SELECT``), and over HTTP: creates a campaign, uploads the LINES serial
numbers as one CSV file streamed from disk (the upload validates them), validates them
all again, releases the campaign (``POST /release`` again while it answers 202, as a
client would: each call opens at most 10 committed batches); with ``--drain`` waits until
the outbox relay has published every ``CampaignCaseOpened``, with ``--close`` closes the
campaign (its cases closed a batch at a time by ``close_cases``: one UPDATE, one
``CampaignCaseClosed`` each).
Peak memory is the service's VmHWM, reset before each phase (``/proc/<pid>/clear_refs``),
and the bench's own ``ru_maxrss``.

Usage: uv run python bench/campaigns_release.py [LINES] [--drain] [--close] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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
MIGRATIONS = Path(__file__).parent.parent / "services/campaigns/src/campaigns/migrations"
PRODUCTS = 50
ORG_UNITS = 20
ADMIN = {"X-Aftersales-User": "bench-admin", "X-Aftersales-Roles": "admin"}
TEMPLATE_ID = uuid.UUID("00000000-0000-0000-0000-00000000000a")
PARENT_ID = uuid.UUID("00000000-0000-0000-0000-00000000000b")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int) -> None:
    """Start the process's VmHWM over from its current RSS (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def rate(seconds: float, count: int, what: str, pid: int) -> str:
    return f"{seconds:6.1f} s  {count / seconds:8.0f} {what}/s  service peak {rss_mib(pid):.0f} MiB"


def line(label: str, text: str) -> None:
    print(f"{label:<54} {text}")


# --- the data ---------------------------------------------------------------------------


async def seed(url: str, lines: int) -> None:
    """Projections and the campaign's template and parent, straight into the tables."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            """
INSERT INTO org_unit (id, version, code, name, time_zone, parent_id)
SELECT ('00000000-0000-0000-0001-' || lpad(to_hex(g), 12, '0'))::uuid, 1,
       'OU' || g, 'Org unit ' || g, 'Europe/Stockholm', NULL
FROM generate_series(1, $1) g
""",
            ORG_UNITS,
        )
        customers = lines // 5 + 1
        await connection.execute(
            """
INSERT INTO customer (id, version, customer_number, name, org_unit_id, active)
SELECT ('00000000-0000-0000-0002-' || lpad(to_hex(g), 12, '0'))::uuid, 1,
       'C' || g, 'Customer ' || g,
       ('00000000-0000-0000-0001-' || lpad(to_hex(1 + g % $2), 12, '0'))::uuid, true
FROM generate_series(0, $1 - 1) g
""",
            customers,
            ORG_UNITS,
        )
        await connection.execute(
            """
INSERT INTO product (id, version, product_number, name)
SELECT ('00000000-0000-0000-0003-' || lpad(to_hex(g), 12, '0'))::uuid, 1,
       'P' || lpad(g::text, 3, '0'), 'Product ' || g
FROM generate_series(0, $1 - 1) g
""",
            PRODUCTS,
        )
        await connection.execute(
            """
INSERT INTO serial_item (id, version, serial_number, product_id, product_number,
                         owner_customer_id, initial_order_customer_id, org_unit_id, status)
SELECT gen_random_uuid(), 1, 'S' || lpad(g::text, 8, '0'),
       ('00000000-0000-0000-0003-' || lpad(to_hex(g % $2), 12, '0'))::uuid,
       'P' || lpad((g % $2)::text, 3, '0'),
       ('00000000-0000-0000-0002-' || lpad(to_hex(g / 5), 12, '0'))::uuid,
       ('00000000-0000-0000-0002-' || lpad(to_hex(g / 10), 12, '0'))::uuid,
       ('00000000-0000-0000-0001-' || lpad(to_hex(1 + g % $3), 12, '0'))::uuid,
       'active'
FROM generate_series(0, $1 - 1) g
""",
            lines,
            PRODUCTS,
            ORG_UNITS,
        )
        await connection.execute(
            """
INSERT INTO case_template (id, version, name, case_type, required_fields, active,
                           created_at, updated_at)
VALUES ($1, 1, 'Bench campaign template', 'service_campaign', '{cause_code}', true,
        now(), now())
""",
            TEMPLATE_ID,
        )
        await connection.execute(
            """
INSERT INTO "case" (id, version, number, basic_type, title, created_at, updated_at)
VALUES ($1, 1, 'CA-' || lpad(nextval('case_number_seq')::text, 6, '0'), 'parent',
        'Bench parent', now(), now())
""",
            PARENT_ID,
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def write_csv(path: Path, lines: int) -> None:
    with path.open("w") as f:
        f.write("serial_number,product_number\n")
        for g in range(lines):
            f.write(f"S{g:08d},P{g % PRODUCTS:03d}\n")


async def file_body(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while piece := f.read(1 << 16):
            yield piece


# --- ceilings ---------------------------------------------------------------------------


async def ceilings(url: str, client: httpx.AsyncClient, lines: int) -> None:
    connection = await asyncpg.connect(url)
    try:
        latencies = []
        for _ in range(2000):
            started = time.perf_counter()
            await connection.fetchval("SELECT 1")
            latencies.append(time.perf_counter() - started)
        line(
            "ceiling: SELECT 1 round trip (asyncpg)",
            f"p50 {statistics.median(latencies) * 1000:.2f} ms",
        )
        # PostgreSQL alone writing as many case-shaped rows, with the case table's indexes:
        # what one set-based statement costs, no Python, no events.
        await connection.execute('CREATE TABLE ceiling_case (LIKE "case" INCLUDING ALL)')
        started = time.perf_counter()
        await connection.execute(
            """
INSERT INTO ceiling_case (id, version, number, basic_type, title, campaign_id, customer_id,
    serial_item_id, serial_number, org_unit_id, status, created_at, updated_at)
SELECT gen_random_uuid(), 1, 'X-' || g, 'customer_nonconformity', 'Ceiling', $2,
       gen_random_uuid(), gen_random_uuid(), 'S' || g, gen_random_uuid(), 'open', now(), now()
FROM generate_series(1, $1) g
""",
            lines,
            uuid.uuid4(),
        )
        seconds = time.perf_counter() - started
        line(
            f"ceiling: INSERT ... SELECT {lines:,} case rows",
            f"{seconds:6.1f} s  {lines / seconds:8.0f} rows/s",
        )
        await connection.execute("DROP TABLE ceiling_case")
    finally:
        await connection.close()
    count = 0
    deadline = time.perf_counter() + 3
    while time.perf_counter() < deadline:
        (await client.get("/healthz")).raise_for_status()
        count += 1
    line("ceiling: HTTP no-op GET /healthz, closed loop", f"{count / 3:6.0f} req/s")


# --- the run ----------------------------------------------------------------------------


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(300):
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("campaigns did not become ready")


async def unpublished(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM outbox_message WHERE published_at IS NULL"
        )
        return count
    finally:
        await connection.close()


async def wait_drained(url: str) -> None:
    """Until the service's relay has published every outbox row (polls its table)."""
    while True:
        if await unpublished(url) == 0:
            return
        await asyncio.sleep(0.5)


async def repeat_until_done(
    client: httpx.AsyncClient, path: str, etag: str
) -> tuple[float, int, float, int, dict[str, Any]]:
    """POST ``path`` with If-Match until it answers 200; (seconds, calls, longest call,
    done, last answer)."""
    started = time.perf_counter()
    calls, done, longest = 0, 0, 0.0
    while True:
        call_started = time.perf_counter()
        answer = await client.post(path, headers={"If-Match": etag})
        longest = max(longest, time.perf_counter() - call_started)
        calls += 1
        if answer.status_code not in (200, 202):
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text}")
        body: dict[str, Any] = answer.json()
        done += body["done"]
        etag = answer.headers["ETag"]
        if answer.status_code == 200:
            return time.perf_counter() - started, calls, longest, done, body


async def bench(
    url: str,
    service: subprocess.Popen[bytes],
    port: int,
    lines: int,
    *,
    close: bool,
    drain: bool,
) -> None:
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" {lines:,} serial numbers"
    )
    started = time.perf_counter()
    await seed(url, lines)
    line(
        "seeding the projections (SQL, not measured below)",
        f"{time.perf_counter() - started:6.1f} s",
    )
    pid = service.pid
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=600, trust_env=False, headers=ADMIN
    ) as client:
        await wait_ready(client)
        await ceilings(url, client, lines)
        line("service idle", f"RSS {rss_mib(pid, 'VmRSS'):.0f} MiB")
        created = await client.post(
            "/campaigns",
            json={
                "code": "BENCH-1",
                "name": "Bench campaign",
                "translations": {"sv": "Bänkkampanj"},
                "template_id": str(TEMPLATE_ID),
                "parent_case_id": str(PARENT_ID),
                "cause_code": "RC-1",
                "cause_description": "Bench",
            },
        )
        created.raise_for_status()
        cid = created.json()["id"]

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "serials.csv"
            write_csv(path, lines)
            size = path.stat().st_size
            reset_peak(pid)
            started = time.perf_counter()
            answer = await client.post(
                f"/campaigns/{cid}/serials/upload",
                content=file_body(path),
                headers={"Content-Type": "text/csv"},
            )
            seconds = time.perf_counter() - started
        answer.raise_for_status()
        summary = answer.json()
        assert summary["added"] == lines, summary
        assert summary["failing"] == 0, summary
        line(f"upload + validation, {size / 2**20:.1f} MiB CSV", rate(seconds, lines, "lines", pid))

        reset_peak(pid)
        started = time.perf_counter()
        validated = await client.post(f"/campaigns/{cid}/validate")
        seconds = time.perf_counter() - started
        validated.raise_for_status()
        line("validation again (POST /validate, every line)", rate(seconds, lines, "lines", pid))

        reset_peak(pid)
        etag = (await client.get(f"/campaigns/{cid}")).headers["ETag"]
        seconds, calls, longest, opened, body = await repeat_until_done(
            client, f"/campaigns/{cid}/release", etag
        )
        assert opened == lines, (opened, body)
        line(
            f"release: {opened:,} cases in {calls} calls (longest {longest:.1f} s)",
            rate(seconds, opened, "cases", pid),
        )
        left = await unpublished(url)
        line("events not yet relayed when the release answered", f"{left:8,}")
        if drain:
            started = time.perf_counter()
            await wait_drained(url)
            line(
                "outbox relay: the rest of the events published after",
                f"{time.perf_counter() - started:6.1f} s",
            )

        if close:
            reset_peak(pid)
            etag = (await client.get(f"/campaigns/{cid}")).headers["ETag"]
            seconds, calls, longest, closed, _ = await repeat_until_done(
                client, f"/campaigns/{cid}/close", etag
            )
            line(
                f"close: {closed:,} cases in {calls} calls (longest {longest:.1f} s)",
                rate(seconds, closed, "cases", pid),
            )
        progress = (await client.get(f"/campaigns/{cid}/progress")).json()
        print("progress totals:", progress["totals"], f"({len(progress['org_units'])} org units)")
    line("service CPU (user + system)", _cpu(pid))
    line(
        "bench process peak RSS (ru_maxrss)",
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB",
    )


def _cpu(pid: int) -> str:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return f"{(int(fields[11]) + int(fields[12])) / ticks:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("lines", nargs="?", type=int, default=100_000)
    parser.add_argument(
        "--drain", action="store_true", help="wait until the relay published every event"
    )
    parser.add_argument(
        "--close", action="store_true", help="then close the campaign (and its cases)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    name = f"bench_campaigns_{run}"
    prefix = f"bench-{run}"
    create_database(POSTGRES, name, MIGRATIONS)
    port = free_port()
    env = os.environ | {
        "CAMPAIGNS_DATABASE_URL": database_url(POSTGRES, name),
        "CAMPAIGNS_AMQP_URL": AMQP,
        "CAMPAIGNS_BROKER_PREFIX": prefix,
        "CAMPAIGNS_HTTP_PORT": str(port),
        "CAMPAIGNS_LOG_LEVEL": "WARNING",
    }
    service = subprocess.Popen([sys.executable, "-m", "campaigns.main"], env=env)
    try:
        asyncio.run(
            bench(
                database_url(POSTGRES, name, "postgresql"),
                service,
                port,
                args.lines,
                close=args.close,
                drain=args.drain,
            )
        )
    finally:
        service.terminate()
        service.wait(timeout=30)
        asyncio.run(delete_topology(AMQP, prefix))
        if args.keep:
            print(f"kept database {name}")
        else:
            drop_database(POSTGRES, name)


if __name__ == "__main__":
    main()
