"""Due callouts to state Sent: scheduling's dispatcher, notifications and the e-mail
sender together, until every callout is Sent and every e-mail is in the SMTP sink.

Runs scheduling, the notifications API, one (or more) e-mail sender(s) and the SMTP sink
as their own processes on fresh databases and a fresh broker prefix, with the pacing
and daily quota lifted as in ``notifications_send.py``. Scheduling's projections and
callouts are seeded straight (``scheduling_callouts.seed`` and ``store_direct``: N items,
five per customer, the yearly three-step type, callouts awaiting approval) and
notifications learns the same customers from catalog's set event, as in
``callout_send_now.py``. Then, in one transaction, the earliest callout of every item
(N callouts) becomes approved and due now, as an automatically approved callout does
when its day starts. The clock runs from that commit: the dispatcher (batches of
``SCHEDULING_DISPATCH_BATCH_SIZE``, 100) sends a batch's requests in one ``SendMessages``
through its outbox, notifications decides and queues a ``DeliverEmail`` for each, the
sender hands it to the sink and publishes ``MessageSent``, and scheduling records the
callout Sent. The bench polls
scheduling's database and the sink until all N callouts are Sent and N e-mails are
files.

Prints the machine's ceilings first (``ceilings.py``), then callouts/s until every send
was requested (the dispatcher's own pace), until the N-th e-mail was in the sink and
until the N-th callout was Sent, and from the dispatcher's first send request (after its
poll's pause, up to a second) until the N-th callout was Sent; CPU per callout of each
process (scheduling, API, sender, sink; PostgreSQL and RabbitMQ machine-wide; the bench)
and peak RSS.

Usage: uv run python bench/callouts_due.py [N]   (defaults to 2000)
       uv run python bench/callouts_due.py 2000 --profile var/profiles/due   # py-spy
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import batch_sizes
import ceilings
from callout_send_now import NOTIFICATIONS_MIGRATIONS, SCHEDULING_MIGRATIONS, teach_customers
from installed_base_import import SharedCpu
from notifications_send import (
    cpu_seconds,
    delivered,
    notifications_env,
    peak_rss_mib,
    stop_all,
    wait_ready,
)
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

from aftersales_testing.infrastructure import (
    create_database,
    database_url,
    delete_topology,
    drop_database,
)

DEADLINE_SECONDS = 1200.0
POLL_SECONDS = 0.2
PROGRESS_SECONDS = 15.0

# The earliest callout of every item, approved and due now in one transaction.
MAKE_DUE = """
UPDATE callout SET state = 'approved', approved_at = now(), due_at = now(), updated_at = now()
WHERE id IN (
    SELECT DISTINCT ON (serial_item_id) id FROM callout
    WHERE state = 'awaiting_approval' ORDER BY serial_item_id, scheduled_for, id
)
"""
STATES = """
SELECT count(*) FILTER (WHERE send_requested_at IS NOT NULL) AS requested,
       count(*) FILTER (WHERE state = 'sent') AS sent,
       count(*) FILTER (WHERE state NOT IN ('awaiting_approval', 'approved', 'sent')) AS other
FROM callout
"""

# The dispatcher polls for due callouts (every second by default): the path's own pace is
# from the first send request on.
FIRST_REQUEST = """
SELECT extract(epoch FROM min(send_requested_at) - min(due_at))::float FROM callout
WHERE send_requested_at IS NOT NULL
"""


class Clock:
    """When each stage was first seen complete, in seconds from the callouts' due commit."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.started = time.perf_counter()
        self.requested: float | None = None
        self.mailed: float | None = None
        self.sent: float | None = None
        # The dispatcher's first send request, from the due commit (its poll's pause).
        self.first_request: float | None = None

    def see(self, requested: int, mailed: int, sent: int) -> bool:
        now = time.perf_counter() - self.started
        if self.requested is None and (requested >= self.n or sent >= self.n):
            self.requested = now
        if self.mailed is None and mailed >= self.n:
            self.mailed = now
        if self.sent is None and sent >= self.n:
            self.sent = now
        return self.mailed is not None and self.sent is not None


async def run_due(scheduling_url: str, mail: Path, n: int) -> Clock:
    """Make the callouts due and poll until every one is Sent and every e-mail arrived."""
    connection = await asyncpg.connect(scheduling_url)
    try:
        made = int((await connection.execute(MAKE_DUE)).split()[-1])
        clock = Clock(n)
        if made != n:
            raise RuntimeError(f"{made} callouts made due, not {n}")
        reported = 0.0
        while True:
            row = await connection.fetchrow(STATES)
            mailed = delivered(mail)
            if clock.see(row["requested"], mailed, row["sent"]):
                clock.first_request = await connection.fetchval(FIRST_REQUEST)
                return clock
            elapsed = time.perf_counter() - clock.started
            if row["other"]:
                states = await connection.fetch(
                    "SELECT state, count(*) FROM callout GROUP BY state ORDER BY state"
                )
                raise RuntimeError(f"callouts left the path: {[tuple(s) for s in states]}")
            if elapsed > DEADLINE_SECONDS:
                raise RuntimeError(f"not done within {DEADLINE_SECONDS} s: {dict(row)}, {mailed}")
            if elapsed >= reported + PROGRESS_SECONDS:
                reported = elapsed
                print(
                    f"  ... {elapsed:5.0f} s: send requested {row['requested']}, e-mails"
                    f" {mailed}, Sent {row['sent']}",
                    flush=True,
                )
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await connection.close()


def start(
    processes: list[tuple[str, subprocess.Popen[bytes]]],
    label: str,
    command: list[str],
    env: dict[str, str] | None = None,
) -> None:
    stdout = subprocess.DEVNULL if env is None else None
    processes.append((label, subprocess.Popen(command, env=env, stdout=stdout)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=2000, help="callouts made due")
    parser.add_argument("--senders", type=int, default=1, help="e-mail sender processes")
    parser.add_argument("--profile", type=Path, help="py-spy each process into this directory")
    args = parser.parse_args()
    n = args.n
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    asyncio.run(ceilings.measure())

    run = uuid.uuid4().hex[:8]
    prefix = f"bench-{run}"
    scheduling_db, notifications_db = f"bench_due_s_{run}", f"bench_due_n_{run}"
    customers = max(1, n // ITEMS_PER_CUSTOMER)
    create_database(POSTGRES, scheduling_db, SCHEDULING_MIGRATIONS)
    notifications_url = create_database(POSTGRES, notifications_db, NOTIFICATIONS_MIGRATIONS)
    scheduling_url = database_url(POSTGRES, scheduling_db, "postgresql")
    notifications_direct = database_url(POSTGRES, notifications_db, "postgresql")
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    with ceilings.sink_directory() as tmp:
        mail = Path(tmp) / "mail"
        try:
            asyncio.run(seed(scheduling_url, n))
            stored = asyncio.run(store_direct(scheduling_url, service_type()))
            print(f"seeded: {n} items, {customers} customers, {stored} callouts awaiting approval")
            api_port, smtp_port = free_port(), free_port()
            env = notifications_env(notifications_url, prefix, api_port, smtp_port)
            sink_args = ["--host", "127.0.0.1", "--port", str(smtp_port), "--dir", str(mail)]
            start(
                processes,
                "smtp sink",
                [sys.executable, "-m", "aftersales_testing.smtp_sink", *sink_args],
            )
            start(processes, "notifications API", [sys.executable, "-m", "notifications.main"], env)
            sender_ports = [free_port() for _ in range(args.senders)]
            for i, port in enumerate(sender_ports):
                sender_env = env | {"NOTIFICATIONS_SENDER_HTTP_PORT": str(port)}
                label = "e-mail sender" + (f" {i + 1}" if args.senders > 1 else "")
                start(processes, label, [sys.executable, "-m", "notifications.sender"], sender_env)
            scheduling, scheduling_port = start_service(scheduling_db, prefix)
            processes.append(("scheduling", scheduling))

            async def measured() -> None:
                urls = [f"http://127.0.0.1:{p}" for p in (api_port, *sender_ports)]
                await asyncio.gather(*(wait_ready(u) for u in urls))
                await teach_customers(prefix, notifications_direct, customers)
                before = {p.pid: cpu_seconds(p.pid) for _, p in processes}
                shared = SharedCpu()
                pids = {label: p.pid for label, p in processes if label != "smtp sink"}
                with sampled(pids, args.profile):
                    clock = await run_due(scheduling_url, mail, n)
                for label, seconds in (
                    ("every send requested (the dispatcher)", clock.requested),
                    ("the N-th e-mail in the sink", clock.mailed),
                    ("every callout Sent", clock.sent),
                ):
                    assert seconds is not None
                    print(f"{n} callouts due -> {label}: {seconds:6.1f} s ({n / seconds:6.1f} /s)")
                assert clock.sent is not None
                assert clock.first_request is not None
                path = clock.sent - clock.first_request
                print(
                    f"  the dispatcher's first send request after {clock.first_request:.2f} s"
                    f" (its poll); from it to every callout Sent: {path:6.1f} s"
                    f" ({n / path:6.1f} /s)"
                )
                load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
                print(
                    f"  load average {load}; peak RSS: "
                    + ", ".join(f"{label} {peak_rss_mib(p.pid):.0f} MiB" for label, p in processes)
                )
                print(
                    "  CPU per callout: "
                    + ", ".join(
                        f"{label} {(cpu_seconds(p.pid) - before[p.pid]) * 1000 / n:.1f} ms"
                        for label, p in processes
                    )
                )
                print(shared.line(n, "callout"))
                named = [("API", urls[0]), *((f"sender {i}", u) for i, u in enumerate(urls[1:], 1))]
                named.append(("scheduling", f"http://127.0.0.1:{scheduling_port}"))
                print(batch_sizes.line(named))

            asyncio.run(measured())
        finally:
            stop_all(processes)  # scheduling first (it dispatches), the sink last
            asyncio.run(delete_topology(AMQP, prefix))
            drop_database(POSTGRES, scheduling_db)
            drop_database(POSTGRES, notifications_db)


if __name__ == "__main__":
    main()
