"""``aftersales-dlq``: look into the dead-letter queues and re-drive them.

    aftersales-dlq list                         every dead-letter queue and its depth
    aftersales-dlq show QUEUE [-n 10]           the first messages: id, type, why it died
                                                (the consumer's reason or the broker's),
                                                how often, re-drives, queue, error, body
    aftersales-dlq redrive QUEUE [--limit N]    send them back to QUEUE once the cause is mended
                                                (their death history goes with them)

The broker is ``--amqp-url`` or ``AFTERSALES_AMQP_URL``; ``--prefix`` selects a test run's
or an environment's names.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Iterable

from aftersales_contracts.topology import ALL_QUEUES, QueueSpec
from aftersales_kit import dead_letters

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="aftersales-dlq", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--amqp-url", default=os.environ.get("AFTERSALES_AMQP_URL", DEFAULT_AMQP_URL)
    )
    parser.add_argument("--prefix", default="")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every dead-letter queue and its depth")
    show = commands.add_parser("show", help="the first dead letters of a queue")
    show.add_argument("queue")
    show.add_argument("-n", type=int, default=10)
    redrive = commands.add_parser("redrive", help="send a queue's dead letters back to it")
    redrive.add_argument("queue")
    redrive.add_argument("--limit", type=int, default=None)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace, specs: Iterable[QueueSpec] = ALL_QUEUES) -> int:
    """One command; ``specs`` are the queues it knows (every queue of the topology)."""
    if args.command == "list":
        found = await dead_letters.depths(args.amqp_url, args.prefix, specs)
        for name, depth in found.items():
            print(f"{name}.dlq\t{depth}")
        print(f"total\t{sum(found.values())}")
        return 0
    try:
        spec = dead_letters.spec_named(args.queue, specs)
    except dead_letters.UnknownQueue as error:
        print(f"aftersales-dlq: {error}", file=sys.stderr)
        return 2
    if args.command == "show":
        letters = await dead_letters.peek(args.amqp_url, spec, args.prefix, args.n)
        print("message_id\ttype\treason\tdeaths\tredrives\tqueue\terror\tbody")
        for letter in letters:
            print(
                f"{letter.message_id}\t{letter.message_type}\t{letter.reason}"
                f"\tdied {letter.deaths}x\tredriven {letter.redrives}x\t{letter.queue}"
                f"\t{_one_line(letter.error or '')}"
                f"\t{_one_line(letter.body[:200].decode(errors='replace'))}"
            )
        return 0
    moved = await dead_letters.redrive(args.amqp_url, spec, args.prefix, args.limit)
    print(f"{moved} message(s) sent back to {spec.name}")
    return 0


def _one_line(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ")


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(run(parse_args(argv))))


if __name__ == "__main__":
    main()
