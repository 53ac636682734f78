"""Campaigns' process: HTTP API, consumers and the outbox relay."""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from campaigns.api import routers
from campaigns.context import Context
from campaigns.projections import subscribers as projection_subscribers
from campaigns.service_orders import subscribers as service_order_subscribers
from campaigns.settings import Settings


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = Context(settings, clock or SystemClock())
    runtime = ServiceRuntime(settings)
    projection_subscribers.register(runtime, ctx)
    service_order_subscribers.register(runtime, ctx)
    # One clock for the routes (ClockDep) and the use cases: tests move it.
    app = create_app(runtime, title="Aftersales campaigns", routers=routers, clock=ctx.clock)
    app.state.context = ctx
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
