"""Notifications' message entrypoints: parse the envelope, call a use case."""

from __future__ import annotations

from aftersales_contracts.catalog import CustomerChanged, CustomerRegistered, OrgUnitChanged
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import DeliverEmail, DeliverSms, SendMessage
from aftersales_contracts.topology import (
    NOTIFICATIONS_CATALOG_EVENTS,
    NOTIFICATIONS_EMAIL_DELIVERIES,
    NOTIFICATIONS_SEND_REQUESTS,
    NOTIFICATIONS_SMS_DELIVERIES,
)
from aftersales_kit.clock import Clock
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from notifications import handlers, visibility
from notifications.mail import EmailTransport, SmtpRateLimits
from notifications.pacing import TokenBucket
from notifications.settings import Settings
from notifications.sms import SmsProvider


def api_consumers(runtime: ServiceRuntime, clock: Clock, settings: Settings) -> list[Consumer]:
    """What the API process consumes: the customer register, the org units and the send
    requests."""

    async def on_customer_registered(
        uow: UnitOfWork, envelope: Envelope[CustomerRegistered]
    ) -> None:
        await handlers.project_customer(
            envelope.payload, uow, now=clock.now(), sms_ready=settings.sms_configured
        )

    async def on_customer_changed(uow: UnitOfWork, envelope: Envelope[CustomerChanged]) -> None:
        # A change carries the same snapshot as the registration: the same upsert-if-newer.
        await handlers.project_customer(
            envelope.payload, uow, now=clock.now(), sms_ready=settings.sms_configured
        )

    async def on_org_unit_changed(uow: UnitOfWork, envelope: Envelope[OrgUnitChanged]) -> None:
        await visibility.project_org_unit(envelope.payload, uow, now=clock.now())

    async def on_send_message(uow: UnitOfWork, envelope: Envelope[SendMessage]) -> None:
        await handlers.request_message(
            envelope.payload,
            uow,
            now=clock.now(),
            sms_ready=settings.sms_configured,
            settings=settings,
        )

    catalog_events = Consumer(NOTIFICATIONS_CATALOG_EVENTS, runtime.uow)
    catalog_events.on(CustomerRegistered, on_customer_registered)
    catalog_events.on(CustomerChanged, on_customer_changed)
    catalog_events.on(OrgUnitChanged, on_org_unit_changed)
    send_requests = Consumer(NOTIFICATIONS_SEND_REQUESTS, runtime.uow)
    send_requests.on(SendMessage, on_send_message)
    return [catalog_events, send_requests]


def sender_consumers(
    runtime: ServiceRuntime,
    clock: Clock,
    transport: EmailTransport,
    settings: Settings,
    limits: SmtpRateLimits | None = None,
) -> list[Consumer]:
    """What the e-mail sender process consumes: the deliveries the API process queued."""
    limits = limits or SmtpRateLimits(settings.smtp_rate_per_second, settings.smtp_rate_burst)

    async def on_deliver_email(uow: UnitOfWork, envelope: Envelope[DeliverEmail]) -> None:
        await handlers.deliver_email(
            envelope.payload,
            uow,
            transport,
            settings,
            now=clock.now(),
            limits=limits,
            delivery=_delivery(runtime),
        )

    deliveries = Consumer(NOTIFICATIONS_EMAIL_DELIVERIES, runtime.uow)
    deliveries.on(DeliverEmail, on_deliver_email)
    return [deliveries]


def _delivery(runtime: ServiceRuntime) -> int:
    """Which delivery of the current message this is (1 the first): a quorum queue counts
    redeliveries in the ``x-delivery-count`` header."""
    incoming = runtime.broker.context.get_local("message")
    headers = getattr(incoming, "headers", None) or {}
    try:
        return int(headers.get("x-delivery-count", 0)) + 1
    except (TypeError, ValueError):
        return 1


def sms_sender_consumers(
    runtime: ServiceRuntime,
    clock: Clock,
    provider: SmsProvider,
    limiter: TokenBucket,
    settings: Settings,
) -> list[Consumer]:
    """What the SMS sender process consumes: the SMS deliveries the API process queued."""

    async def on_deliver_sms(uow: UnitOfWork, envelope: Envelope[DeliverSms]) -> None:
        await handlers.deliver_sms(
            envelope.payload,
            uow,
            provider,
            limiter,
            settings,
            now=clock.now(),
            delivery=_delivery(runtime),
        )

    deliveries = Consumer(NOTIFICATIONS_SMS_DELIVERIES, runtime.uow)
    deliveries.on(DeliverSms, on_deliver_sms)
    return [deliveries]
