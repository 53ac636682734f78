"""The e-mail sender process: ``notifications-sender`` (or ``python -m notifications.sender``).

It consumes the queued e-mail deliveries and sends them over SMTP. It is separate from
the API so that operations can scale it on queue depth; its HTTP port serves only
health and readiness.
"""

from __future__ import annotations

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from notifications.delivery.smtp import EmailTransport, SmtpTransport
from notifications.delivery.subscribers import sender_consumers
from notifications.settings import SenderPoolTooSmall, Settings


def build_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    transport: EmailTransport | None = None,
) -> FastAPI:
    settings = settings or Settings()
    # Its own name in traces and logs (a delivery told apart from the API's work), its
    # prefetch and its pool; a pool too small for the prefetch stops it here.
    try:
        settings = settings.for_sender("sender")
    except SenderPoolTooSmall as error:
        raise SystemExit(str(error)) from error
    runtime = ServiceRuntime(settings)
    clock = clock or SystemClock()
    transport = transport or SmtpTransport(settings)
    if isinstance(transport, SmtpTransport):
        runtime.add_loop("smtp connections", transport.connections.run)
    for consumer in sender_consumers(runtime, clock, transport, settings):
        runtime.add_consumer(consumer)
    return create_app(runtime, title="Aftersales notifications e-mail sender", clock=clock)


def main() -> None:
    settings = Settings()
    configure_logging(f"{settings.service_name}-sender", settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.sender_http_port)


if __name__ == "__main__":
    main()
