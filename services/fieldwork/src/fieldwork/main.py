"""Field work's process: HTTP API, consumers and the outbox relay."""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from fieldwork.api import routers
from fieldwork.callouts import subscribers as callout_subscribers
from fieldwork.campaign_cases import subscribers as campaign_case_subscribers
from fieldwork.confirmations import subscribers as confirmation_subscribers
from fieldwork.context import Context
from fieldwork.documents import subscribers as document_subscribers
from fieldwork.resources import subscribers as resource_subscribers
from fieldwork.settings import Settings


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    ctx = Context(settings, clock or SystemClock())
    runtime = ServiceRuntime(settings)
    resource_subscribers.register(runtime, ctx)
    callout_subscribers.register(runtime, ctx)
    confirmation_subscribers.register(runtime, ctx)
    campaign_case_subscribers.register(runtime, ctx)
    document_subscribers.register(runtime, ctx)
    # One clock for the routes (ClockDep) and the use cases: tests move it.
    app = create_app(runtime, title="Aftersales field work", routers=routers, clock=ctx.clock)
    app.state.context = ctx
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
