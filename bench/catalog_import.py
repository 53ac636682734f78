"""Bulk import through the real catalog service and database.

Starts catalog as its own process on a fresh database, creates the products over HTTP,
then uploads a customers CSV and a serial-items CSV (``ITEMS`` rows, one customer for
every ``ITEMS_PER_CUSTOMER``) to ``POST /imports/...`` and polls each job to its end.
Prints rows per second and the service's peak resident memory (VmHWM) after each
import, then the same serial-items file through the ``catalog-import`` command line.

Usage: uv run python bench/catalog_import.py [ITEMS]   (defaults to 100000)
       uv run python bench/catalog_import.py 20000 --profile var/profiles/import  # py-spy
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from profiling import sampled

from aftersales_testing.infrastructure import create_database, delete_topology, drop_database

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
ITEMS_PER_CUSTOMER = 5
PRODUCTS = 50
MIGRATIONS = Path(__file__).parent.parent / "services/catalog/src/catalog/migrations"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def write_files(directory: Path, items: int) -> tuple[Path, Path]:
    customers = directory / "customers.csv"
    serial_items = directory / "serial_items.csv"
    n_customers = max(1, items // ITEMS_PER_CUSTOMER)
    with customers.open("w") as f:
        f.write("customer_number,name,emails,mobiles,allowed_methods,language\n")
        for i in range(n_customers):
            f.write(
                f"C{i:07d},Customer {i},c{i}@example.com,+4670{i % 10_000_000:07d},email;sms,sv\n"
            )
    with serial_items.open("w") as f:
        f.write(
            "product_number,serial_number,owner_customer_number,startup_date,"
            "street,postal_code,city,country,attr.colour\n"
        )
        for i in range(items):
            f.write(
                f"P{i % PRODUCTS:03d},S{i:08d},C{i // ITEMS_PER_CUSTOMER:07d},2026-0{1 + i % 9}-15,"
                f"Main street {i},22100,Lund,SE,red\n"
            )
    return customers, serial_items


async def file_body(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while piece := f.read(1 << 20):
            yield piece


async def upload(client: httpx.AsyncClient, kind: str, path: Path) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    response = await client.post(
        f"/imports/{kind}", content=file_body(path), headers={"Content-Type": "text/csv"}
    )
    response.raise_for_status()
    job_id = response.json()["id"]
    while True:
        job = (await client.get(f"/imports/{job_id}")).json()
        if job["state"] in ("completed", "failed"):
            return job, time.perf_counter() - started
        await asyncio.sleep(0.25)


async def wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("catalog did not become ready")


def report(label: str, rows: int, seconds: float, memory: str) -> None:
    print(f"{label:<34} {rows:>8} rows  {seconds:7.1f} s  {rows / seconds:8.0f} rows/s  {memory}")


def main(items: int, profile: Path | None = None) -> None:
    run = uuid.uuid4().hex[:8]
    name = f"bench_catalog_{run}"
    prefix = f"bench-{run}"
    url = create_database(POSTGRES, name, MIGRATIONS)
    port = free_port()
    env = os.environ | {
        "CATALOG_DATABASE_URL": url,
        "CATALOG_AMQP_URL": AMQP,
        "CATALOG_BROKER_PREFIX": prefix,
        "CATALOG_HTTP_PORT": str(port),
        "CATALOG_LOG_LEVEL": "WARNING",
    }
    service = subprocess.Popen([sys.executable, "-m", "catalog.main"], env=env)
    try:
        asyncio.run(bench(items, service, port, env, profile))
    finally:
        service.terminate()
        service.wait(timeout=30)
        asyncio.run(delete_topology(AMQP, prefix))
        drop_database(POSTGRES, name)


async def bench(
    items: int,
    service: subprocess.Popen[bytes],
    port: int,
    env: dict[str, str],
    profile: Path | None = None,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        customers, serial_items = write_files(Path(tmp), items)
        print(
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()};"
            f" customers.csv {customers.stat().st_size / 2**20:.1f} MiB,"
            f" serial_items.csv {serial_items.stat().st_size / 2**20:.1f} MiB"
        )
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=600, trust_env=False
        ) as client:
            await wait_ready(client)
            for p in range(PRODUCTS):
                body = {"product_number": f"P{p:03d}", "name": f"Product {p}"}
                (await client.post("/products", json=body)).raise_for_status()
            baseline = peak_rss_mib(service.pid)
            print(f"catalog service idle: peak RSS {baseline:.0f} MiB")
            for kind, path in (("customers", customers), ("serial-items", serial_items)):
                where = profile / kind if profile is not None else None
                with sampled({"catalog": service.pid}, where):
                    job, seconds = await upload(client, kind, path)
                assert job["state"] == "completed", job
                assert job["failed"] == 0, job
                rows = job["created"] + job["updated"] + job["unchanged"]
                memory = f"service peak RSS {peak_rss_mib(service.pid):.0f} MiB"
                report(f"HTTP import {kind} (created)", rows, seconds, memory)

            # The same file through the command line: every row is now unchanged (no
            # writes, no events); then one changed column over HTTP: every row updated.
            started = time.perf_counter()
            command = [sys.executable, "-m", "catalog.import_cli", "serial-items"]
            await asyncio.to_thread(
                subprocess.run, [*command, str(serial_items), "--quiet"], env=env, check=True
            )
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            report(
                "CLI import serial-items (unchanged)",
                items,
                seconds,
                f"CLI peak RSS {peak:.0f} MiB",
            )
            updated = Path(tmp) / "serial_items_updated.csv"
            with serial_items.open() as src, updated.open("w") as dst:
                for line in src:
                    dst.write(line.replace(",red\n", ",blue\n"))
            job, seconds = await upload(client, "serial-items", updated)
            assert job["updated"] == items, job
            memory = f"service peak RSS {peak_rss_mib(service.pid):.0f} MiB"
            report("HTTP import serial-items (updated)", items, seconds, memory)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("items", nargs="?", type=int, default=100_000)
    parser.add_argument("--profile", type=Path, help="py-spy the service into this directory")
    args = parser.parse_args()
    main(args.items, args.profile)
