"""The fault suite as a bench: thousands of messages through the HTTP and AMQP send
contracts and due callouts, while every service process is SIGKILLed once, the broker is
killed and restarted, and PostgreSQL crashes twice (once under a backlog). Prints the
counts (accepted / delivered / failed / lost / stuck / duplicated), the duplicate window
in milliseconds, each fault and each process's recovery time (kill → /readyz 200).

Runs on a RabbitMQ node and a PostgreSQL cluster of its own (``aftersales_testing.
private_infra``, spare ports, a temporary directory): the machine's shared ones are
never touched, and need not run.

Usage: uv run python bench/faults.py [--rate R] [--backlog N] [--outage S]
  --rate: HTTP and AMQP send requests per second each (default 10; callouts at a quarter)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import sys
import tempfile
from pathlib import Path

from aftersales_testing import fault_suite
from aftersales_testing.private_infra import private_infrastructure


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=4.0)
    parser.add_argument("--pause", type=float, default=10.0, help="seconds between faults")
    args = parser.parse_args()
    plan = fault_suite.FaultPlan(
        http_per_second=args.rate,
        amqp_per_second=args.rate,
        items_per_second=args.rate / 4,
        backlog=args.backlog,
        outage_seconds=args.outage,
        pause_seconds=args.pause,
        settle_seconds=300.0,
    )
    # The bench's own AMQP client fails to connect while the broker is down, on purpose.
    logging.getLogger("aiormq.connection").setLevel(logging.CRITICAL)
    print(machine())
    print(
        f"plan: {args.rate:g} HTTP + {args.rate:g} AMQP send requests/s (every"
        f" {plan.sms_every}th HTTP one an SMS), {plan.items_per_second:g} serial items/s"
        f" (a callout due at once each), {args.pause:g} s of work between faults,"
        f" PostgreSQL down {args.outage:g} s, backlog {args.backlog}"
    )
    with (
        private_infrastructure() as infra,
        tempfile.TemporaryDirectory() as tmp,
        fault_suite.fault_stack(infra, Path(tmp)) as stack,
    ):
        report = asyncio.run(fault_suite.run(stack, infra, plan))
    print(report.render())
    problems = report.problems()
    for problem in problems:
        print(f"PROBLEM: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
