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
from notifications.delivery import routes as delivery
from notifications.fieldwork_events import subscribers as fieldwork_events
from notifications.org_settings import routes as org_settings
from notifications.preferences import routes as preferences
from notifications.print_queue import routes as print_queue
from notifications.sending import routes as sending
from notifications.sending.groups import SendGroups
from notifications.sending.subscribers import api_consumers
from notifications.sent_log import routes as sent_log
from notifications.service_reminders import subscribers as service_reminders
from notifications.settings import Settings
from notifications.templates import routes as templates
from notifications.user_accounts import routes as user_accounts


def build_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or SystemClock()
    runtime = ServiceRuntime(settings)
    for consumer in [
        *api_consumers(runtime, clock, settings),
        *fieldwork_events.consumers(runtime),
        *service_reminders.consumers(runtime),
    ]:
        runtime.add_consumer(consumer)
    app = create_app(
        runtime,
        title="Aftersales notifications",
        routers=[
            *sending.routers,
            *delivery.routers,
            *sent_log.routers,
            *preferences.routers,
            *templates.routers,
            *org_settings.routers,
            *user_accounts.routers,
            *print_queue.routers,
        ],
        clock=clock,
        api_clients=True,  # outside systems may call with a key (NOTIFICATIONS_INTERNAL_CLIENTS)
    )
    app.state.send_groups = SendGroups(runtime.uow, clock, settings)
    return app


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.http_port)


if __name__ == "__main__":
    main()
