"""``notifications-deliveries``: an operator's view of messages whose delivery may have
gone out (``unconfirmed``), and their choice for one.

    notifications-deliveries unconfirmed [--limit N]
    notifications-deliveries resend MESSAGE_ID [--by NAME]
    notifications-deliveries confirm-sent MESSAGE_ID [--by NAME]

It works on the service's database (``NOTIFICATIONS_DATABASE_URL``, or ``--database-url``);
what it publishes (the delivery, MessageSent) goes out through the outbox, relayed by the
running notifications processes.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import uuid
from collections.abc import Sequence

from aftersales_kit.clock import SystemClock
from aftersales_kit.db import create_engine, create_sessionmaker
from aftersales_kit.problems import Problem
from aftersales_kit.uow import UnitOfWork
from notifications.delivery import handlers
from notifications.sending.domain import MessageStatus
from notifications.sent_log import queries
from notifications.settings import Settings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="notifications-deliveries", description=__doc__)
    parser.add_argument("--database-url", default=None)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("unconfirmed", help="messages that may have been sent")
    listing.add_argument("--limit", type=int, default=100)
    for name in ("resend", "confirm-sent"):
        command = commands.add_parser(name)
        command.add_argument("message_id", type=uuid.UUID)
        command.add_argument("--by", default=f"cli:{getpass.getuser()}")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    url = args.database_url or Settings().database_url
    engine = create_engine(url, pool_size=1)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with UnitOfWork(sessionmaker) as uow:
            if args.command == "unconfirmed":
                page = await queries.sent_log(
                    uow,
                    kind=None,
                    object_id=None,
                    state=MessageStatus.UNCONFIRMED,
                    limit=args.limit,
                )
                for entry in page.items:
                    print(
                        f"{entry.message_id}  {entry.channel or '-'}  {', '.join(entry.to)}"
                        f"  {entry.reason or ''}"
                    )
                print(f"{len(page.items)} unconfirmed", file=sys.stderr)
                return 0
            resolve = handlers.resend if args.command == "resend" else handlers.confirm_sent
            try:
                message = await resolve(uow, args.message_id, by=args.by, now=SystemClock().now())
            except Problem as problem:
                print(f"{args.command}: {problem.detail}", file=sys.stderr)
                return 1
            print(f"{message.id}  {message.status}")
            return 0
    finally:
        await engine.dispose()


def main() -> None:
    sys.exit(asyncio.run(run(parse_args())))


if __name__ == "__main__":
    main()
