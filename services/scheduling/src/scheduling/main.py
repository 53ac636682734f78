"""Scheduling's process: HTTP API, consumers, outbox relay and the background loops."""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from scheduling import loops, subscribers
from scheduling.api import routers
from scheduling.context import Context
from scheduling.settings import Settings


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()
    runtime = ServiceRuntime(settings)
    ctx = Context.create(settings, clock)
    subscribers.register(runtime, ctx)
    runtime.add_loop("dispatcher", lambda: loops.dispatch_forever(runtime, ctx))
    runtime.add_loop("planning", lambda: loops.continue_planning_forever(runtime, ctx))
    runtime.add_loop("horizon", lambda: loops.extend_horizon_forever(runtime, ctx))
    runtime.add_loop("digest", lambda: loops.compile_digests_forever(runtime, ctx))
    runtime.add_loop("recipient-waits", lambda: loops.time_out_customer_waits_forever(runtime, ctx))
    # One clock for the routes (ClockDep) and the use cases: tests move it.
    app = create_app(runtime, title="Aftersales scheduling", routers=routers, clock=clock)
    app.state.context = ctx
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
