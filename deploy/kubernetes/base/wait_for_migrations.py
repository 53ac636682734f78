"""Wait until a service's database is at the Alembic head this image carries.

Every Deployment runs this as an init container, so a pod starts only once the
migration Job (``aftersales-migrate <service>``) has brought the schema to what its code
expects: a consumer started on an old schema would fail each message until the delivery
limit dead-letters it. Usage: ``python wait_for_migrations.py <package> <ENV_VAR>
[--timeout SECONDS]``, where ENV_VAR holds the database URL. Exit 0 when at the head,
1 when the timeout passes first (the kubelet then restarts the init container).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import time
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def _heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def current_heads(database_url: str) -> set[str]:
    engine = create_async_engine(database_url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_heads)
    finally:
        await engine.dispose()


def expected_heads(package_name: str) -> set[str]:
    package = importlib.import_module(package_name)
    config = Config()
    config.set_main_option(
        "script_location", str(Path(package.__file__ or "").parent / "migrations")
    )
    return set(ScriptDirectory.from_config(config).get_heads())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("package")
    parser.add_argument("url_variable")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--interval", type=float, default=2.0)
    args = parser.parse_args(argv)
    url = os.environ.get(args.url_variable)
    if not url:
        print(f"{args.url_variable} is not set", file=sys.stderr)
        return 2
    wanted = expected_heads(args.package)
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            found: set[str] | str = asyncio.run(current_heads(url))
        except Exception as error:  # the database may not answer yet: keep waiting
            found = f"{type(error).__name__}: {error}"
        if found == wanted:
            print(f"{args.package}: database at {', '.join(sorted(wanted))}")
            return 0
        if time.monotonic() >= deadline:
            print(
                f"{args.package}: database at {found or 'no revision'}, "
                f"waiting for {', '.join(sorted(wanted))}; gave up after {args.timeout:g} s",
                file=sys.stderr,
            )
            return 1
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
