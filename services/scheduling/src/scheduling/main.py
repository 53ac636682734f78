"""Scheduling's process: HTTP API, consumers, outbox relay and the dispatcher loop."""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from scheduling import subscribers
from scheduling.api import routers
from scheduling.dispatcher import (
    continue_planning_forever,
    dispatch_forever,
    extend_horizon_forever,
)
from scheduling.handlers import Scheduler
from scheduling.settings import Settings


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings)
    scheduler = Scheduler(settings, clock or SystemClock())
    subscribers.register(runtime, scheduler)
    runtime.add_loop("dispatcher", lambda: dispatch_forever(runtime, scheduler))
    runtime.add_loop("planning", lambda: continue_planning_forever(runtime, scheduler))
    runtime.add_loop("horizon", lambda: extend_horizon_forever(runtime, scheduler))
    app = create_app(runtime, title="Aftersales scheduling", routers=routers)
    app.state.scheduler = scheduler
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
