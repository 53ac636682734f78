"""Catalog's process: ``catalog`` (or ``python -m catalog.main``) serves the HTTP API and
consumes the events that keep its marks from other services."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from catalog import imports, subscribers
from catalog.api import routers
from catalog.settings import Settings


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()
    runtime = ServiceRuntime(settings)
    subscribers.register(runtime)
    wakeup = asyncio.Event()
    runtime.add_loop(
        "imports",
        lambda: imports.run_queued_jobs(
            runtime.engine,
            runtime.uow,
            wakeup,
            settings.import_poll_seconds,
            max_rows=settings.import_max_rows,
        ),
    )
    runtime.add_loop(
        "import-retention",
        lambda: imports.purge_old_jobs(
            runtime.uow,
            clock,
            timedelta(days=settings.import_retention_days),
            settings.import_retention_interval_seconds,
        ),
    )
    app = create_app(runtime, title="Aftersales catalog", routers=routers)
    app.state.import_wakeup = wakeup
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
