"""The SMS sender process: ``notifications-sms-sender`` (or ``python -m notifications.sms_sender``).

It consumes the queued SMS deliveries and hands them to the SMS provider over HTTP. Like
the e-mail sender it is its own process, so running more of them scales SMS alone; its
HTTP port serves only health and readiness.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.http import create_app, serve
from aftersales_kit.logging import configure_logging
from aftersales_kit.runtime import ServiceRuntime
from notifications.delivery.pacing import TokenBucket
from notifications.delivery.sms import HttpSmsProvider, SmsProvider
from notifications.delivery.subscribers import sms_sender_consumers
from notifications.settings import SenderPoolTooSmall, Settings


def build_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    provider: SmsProvider | None = None,
) -> FastAPI:
    settings = settings or Settings()
    if provider is None and not settings.sms_configured:
        raise SystemExit(
            "NOTIFICATIONS_SMS_PROVIDER_URL is not set: without a provider the SMS sender has "
            "nothing to send to (the API process blocks SMS as sms_setup_missing)."
        )
    try:
        settings = settings.for_sender("sms-sender")
    except SenderPoolTooSmall as error:
        raise SystemExit(str(error)) from error
    runtime = ServiceRuntime(settings)
    http_provider: HttpSmsProvider | None = None
    if provider is None:
        provider = http_provider = HttpSmsProvider(settings)
    limiter = TokenBucket(settings.sms_rate_per_second, settings.sms_rate_burst)
    clock = clock or SystemClock()
    for consumer in sms_sender_consumers(runtime, clock, provider, limiter, settings):
        runtime.add_consumer(consumer)
    app = create_app(runtime, title="Aftersales notifications SMS sender", clock=clock)
    if http_provider is not None:
        inner = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with inner(app):
                yield
            await http_provider.aclose()

        app.router.lifespan_context = lifespan
    return app


def main() -> None:
    settings = Settings()
    configure_logging(f"{settings.service_name}-sms-sender", settings.log_level, settings.log_json)
    serve(build_app(settings), settings.http_host, settings.sms_sender_http_port)


if __name__ == "__main__":
    main()
