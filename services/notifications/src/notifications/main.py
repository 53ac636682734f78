"""Notifications' API process: ``notifications`` (or ``python -m notifications.main``).

It serves the HTTP API and consumes the customer register and the send requests; the
e-mail and SMS senders are separate processes (``notifications.sender``,
``notifications.sms_sender``).
"""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from notifications import preference_routes, sent_log_routes, template_routes
from notifications.api import routers
from notifications.settings import Settings
from notifications.subscribers import api_consumers


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()
    runtime = ServiceRuntime(settings)
    for consumer in api_consumers(runtime, clock, settings):
        runtime.add_consumer(consumer)
    app = create_app(
        runtime,
        title="Aftersales notifications",
        routers=[
            *routers,
            *sent_log_routes.routers,
            *preference_routes.routers,
            *template_routes.routers,
        ],
    )
    app.state.clock = clock
    app.state.settings = settings
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
