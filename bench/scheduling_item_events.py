"""Planning from item events: serial items registered one event each, as catalog's import
publishes them, through the real broker into the real scheduling service.

Where ``scheduling_callouts.py`` measures a new service type planned for items already
known, this measures the other way round: the type is known (stored, already planned)
and ITEMS ``catalog.serial_item.registered`` events arrive, as after a bulk import of an
installed base. The service applies them in batches (``Consumer.on_batch``): the inbox
marks, the item projection and the items' planning, up to 32 events per transaction.
The bench publishes them all (persistent, confirmed), then polls until every item has
its workflow, and prints the rate, the service's CPU and peak memory.

With ``--set-size N`` the items arrive as catalog's import announces them since issue 19:
one ``catalog.serial_items.registered`` set event for every N items (catalog's import
batch is 500 rows), applied one set per transaction.

Usage: uv run python bench/scheduling_item_events.py [ITEMS] [--replicas N] [--set-size N]
(default 5000 items, one event each, one scheduling process; replicas share the queue)
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import asyncpg
from profiling import sampled
from scheduling_callouts import (
    AMQP,
    ITEMS_PER_CUSTOMER,
    MIGRATIONS,
    ORG_UNITS,
    POSTGRES,
    PRODUCTS,
    STARTUP_SPREAD_DAYS,
    cpu_seconds,
    machine,
    proc_status,
    product_id,
    service_type,
    start_service,
    stop_service,
    store_type,
)

from aftersales_contracts.catalog import SerialItemRegistered, SerialItemsRegistered
from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.topology import EVENTS_EXCHANGE
from aftersales_testing.infrastructure import (
    create_database,
    database_url,
    delete_topology,
    drop_database,
)

PUBLISH_WINDOW = 500  # confirmations awaited together


async def prepare(url: str, items: int) -> None:
    """The customers and the already planned service type, straight into the tables."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            """
            INSERT INTO customer (id, version, customer_number, name, emails, mobiles,
                                  allowed_methods, preferred_method)
            SELECT md5('customer' || i)::uuid, 1, 'C' || lpad(i::text, 7, '0'),
                   'Customer ' || i, ARRAY['c' || i || '@example.com'], ARRAY[]::text[],
                   ARRAY['email'], 'email'
            FROM generate_series(0, $1 - 1) AS i
            """,
            max(1, items // ITEMS_PER_CUSTOMER),
        )
        await store_type(connection, service_type())
    finally:
        await connection.close()


def _md5_uuid(text: str) -> uuid.UUID:
    """PostgreSQL's ``md5(text)::uuid``: the ids the seeding SQL gives."""
    return uuid.UUID(hashlib.md5(text.encode()).hexdigest())


def item_event(i: int) -> SerialItemRegistered:
    return SerialItemRegistered(
        serial_item_id=_md5_uuid(f"item{i}"),
        version=1,
        serial_number=f"S{i:08d}",
        name=f"Pump {i}",
        product_id=product_id(i % PRODUCTS),
        product_number=f"P{i % PRODUCTS:03d}",
        product_name=f"Product {i % PRODUCTS}",
        owner_customer_id=_md5_uuid(f"customer{i // ITEMS_PER_CUSTOMER}"),
        org_unit=f"ou-{i % ORG_UNITS:02d}",
        startup_date=datetime.now(UTC).date() - timedelta(days=i % STARTUP_SPREAD_DAYS),
    )


def item_events(items: int, set_size: int) -> Iterator[Message]:
    """Each item's event, or the items in set events of ``set_size``."""
    if set_size <= 1:
        yield from (item_event(i) for i in range(items))
        return
    for first in range(0, items, set_size):
        last = min(items, first + set_size)
        yield SerialItemsRegistered(items=[item_event(i) for i in range(first, last)])


async def publish_items(prefix: str, items: int, set_size: int) -> float:
    """Every item's event (or set event), persistent and confirmed; returns the seconds
    it took."""
    started = time.perf_counter()
    connection = await aio_pika.connect(AMQP, timeout=10)
    window = max(1, PUBLISH_WINDOW // max(1, set_size))
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(prefix + EVENTS_EXCHANGE, ensure=True)
        events = item_events(items, set_size)
        while True:
            pending = []
            for event in itertools.islice(events, window):
                envelope = Envelope.wrap(event)
                message = aio_pika.Message(
                    json.dumps(envelope.to_json_dict()).encode(),
                    message_id=str(envelope.message_id),
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                pending.append(exchange.publish(message, routing_key=event.TYPE, mandatory=True))
            if not pending:
                break
            await asyncio.gather(*pending)
    finally:
        await connection.close()
    return time.perf_counter() - started


async def drain(url: str, items: int, started: float) -> float:
    """Poll until every item has its workflow; returns the seconds since ``started``."""
    connection = await asyncpg.connect(url)
    try:
        reported = 0.0
        while True:
            planned = await connection.fetchval("SELECT count(*) FROM workflow")
            elapsed = time.perf_counter() - started
            if planned >= items:
                return elapsed
            if elapsed >= reported + 30:
                reported = elapsed
                print(f"  ... {elapsed:.0f} s: {planned:,} items planned", flush=True)
            await asyncio.sleep(0.5)
    finally:
        await connection.close()


def run(items: int, replicas: int, set_size: int, profile: Path | None = None) -> None:
    run_id = uuid.uuid4().hex[:8]
    name = f"bench_item_events_{run_id}"
    prefix = f"bench-{run_id}"
    create_database(POSTGRES, name, MIGRATIONS)
    url = database_url(POSTGRES, name, "postgresql")
    services: list[subprocess.Popen[bytes]] = []
    try:
        print(machine())
        asyncio.run(prepare(url, items))
        services.extend(start_service(name, prefix)[0] for _ in range(replicas))
        idle = [proc_status(s.pid, "VmHWM") for s in services]
        cpu_before = [cpu_seconds(s.pid) for s in services]
        started = time.perf_counter()
        pids = {f"scheduling {n}": s.pid for n, s in enumerate(services, 1)}
        with sampled(pids, profile):
            published = asyncio.run(publish_items(prefix, items, set_size))
            sets = f" in sets of {set_size}" if set_size > 1 else ""
            print(f"published {items:,} item events{sets} in {published:.1f} s", flush=True)
            seconds = asyncio.run(drain(url, items, started))
        callouts = asyncio.run(_count(url))
        cpu = [cpu_seconds(s.pid) - before for s, before in zip(services, cpu_before, strict=True)]
        peak = [proc_status(s.pid, "VmHWM") for s in services]
        print(
            f"{replicas} replica(s) planned {items:,} items from their events ({callouts:,}"
            f" callouts) in {seconds:.1f} s = {items / seconds:,.0f} events/s; service CPU"
            f" {' + '.join(f'{c:.0f}' for c in cpu)} s, peak RSS"
            f" {' / '.join(f'{p:.0f}' for p in peak)} MiB"
            f" ({' / '.join(f'{i:.0f}' for i in idle)} idle)"
        )
    finally:
        for service in services:
            stop_service(service)
        asyncio.run(delete_topology(AMQP, prefix))
        drop_database(POSTGRES, name)


async def _count(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM callout"))
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("items", type=int, nargs="?", default=5_000)
    parser.add_argument("--replicas", type=int, default=1, help="scheduling processes")
    parser.add_argument(
        "--set-size", type=int, default=1, help="items per set event (1: an event each)"
    )
    parser.add_argument(
        "--profile", type=Path, help="record the service with py-spy, keep the raw files here"
    )
    args = parser.parse_args()
    run(args.items, args.replicas, args.set_size, args.profile)


if __name__ == "__main__":
    main()
