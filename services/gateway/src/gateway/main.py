"""The gateway's process: ``gateway serve`` (the public HTTP API), ``gateway seed-dev-user``
and ``gateway migrate``."""

from __future__ import annotations

import argparse
import asyncio
import shlex
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from aftersales_kit import migrations
from aftersales_kit.clock import Clock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from gateway import handlers
from gateway.accounts_push import AccountsPush
from gateway.api import routers
from gateway.console import console_router, default_console_dir
from gateway.passwords import PasswordWork
from gateway.proxy import Upstreams, upstream_client
from gateway.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    # The gateway owns a database (users, tokens) but publishes and consumes nothing.
    runtime = ServiceRuntime(settings, messaging=False)
    # Accounts go to notifications over HTTP, retried until accepted (decision 74).
    runtime.add_loop("accounts-push", AccountsPush(runtime.uow, settings).run)
    # Forwarded requests stream through unread: the service behind checks its own input.
    console = console_router(settings.console_dir or default_console_dir())
    app = create_app(
        runtime,
        title="Aftersales",
        routers=routers,
        clock=clock,
        unchecked_paths=("/api/",),
        verify_identity=False,  # the public edge: it signs the identity, the services verify
    )
    # Last: the console's catch-all must not shadow /healthz, /readyz, /metrics, /docs.
    app.include_router(console)
    # One bound on Argon2 work for the whole process (sign-ins and user administration).
    app.state.passwords = PasswordWork(
        settings.password_hash_concurrency, settings.password_hash_wait_seconds
    )

    # The kit's lifespan starts the runtime; the upstream client lives inside it, so it
    # is opened after and closed before the database.
    runtime_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app), upstream_client(settings) as client:
            app.state.upstreams = Upstreams(client, settings.upstream_urls())
            yield

    app.router.lifespan_context = lifespan
    return app


async def seed_dev_user(settings: Settings) -> str:
    """Create or reset the development user (role admin); return how to get a token."""
    runtime = ServiceRuntime(settings, messaging=False)
    password = settings.dev_password or ""
    try:
        async with runtime.uow() as uow:
            await handlers.upsert_user(
                uow,
                username=settings.dev_username,
                password=password,
                roles=["admin"],
                display_name="Development user",
            )
    finally:
        await runtime.engine.dispose()
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::") else settings.http_host
    return (
        f"user {settings.dev_username!r} (role admin) is ready. Get a token with:\n"
        f"  curl -s -X POST http://{host}:{settings.http_port}/auth/token"
        f" -d username={shlex.quote(settings.dev_username)}"
        f" -d password={shlex.quote(password)}\n"
        "then call the API with: -H 'Authorization: Bearer <access_token>'"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="gateway", description="The Aftersales public API.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("serve", help="run the HTTP server (the default)")
    commands.add_parser("migrate", help="apply the database migrations")
    commands.add_parser(
        "seed-dev-user", help="create or reset the development user (role admin), idempotently"
    )
    args = parser.parse_args(argv)

    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    if args.command == "migrate":
        migrations.upgrade(settings.database_url, MIGRATIONS)
    elif args.command == "seed-dev-user":
        print(asyncio.run(seed_dev_user(settings)))
    else:
        serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
