"""The senders' message entrypoints: the e-mail and SMS deliveries the API process
queued; each parses the envelope and calls a use case."""

from __future__ import annotations

import uuid
from typing import Any

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import DeliverEmail, DeliverSms
from aftersales_contracts.topology import (
    NOTIFICATIONS_EMAIL_DELIVERIES,
    NOTIFICATIONS_SMS_DELIVERIES,
)
from aftersales_kit.clock import Clock
from aftersales_kit.inbox import Consumer, Returned
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from notifications.delivery import email_batches, handlers
from notifications.delivery.domain import TransientDeliveryError
from notifications.delivery.handlers import InboxMark
from notifications.delivery.ledger import AttemptLedger
from notifications.delivery.pacing import TokenBucket
from notifications.delivery.sms import SmsProvider
from notifications.delivery.smtp import EmailTransport, SmtpRateLimits
from notifications.settings import Settings

# How long a sender gathers deliveries for a batch after the first one came.
_GATHERING_SECONDS = 0.002


def _delivery(runtime: ServiceRuntime) -> int:
    """Which delivery of the current message this is (1 the first): a quorum queue counts
    redeliveries in the ``x-delivery-count`` header."""
    incoming = runtime.broker.context.get_local("message")
    headers = getattr(incoming, "headers", None) or {}
    try:
        return int(headers.get("x-delivery-count", 0)) + 1
    except (TypeError, ValueError):
        return 1


def _mark(consumer: Consumer, envelope: Envelope[Any]) -> InboxMark:
    return InboxMark(envelope.message_id, consumer.name, envelope.type)


def sender_consumers(
    runtime: ServiceRuntime,
    clock: Clock,
    transport: EmailTransport,
    settings: Settings,
    limits: SmtpRateLimits | None = None,
) -> list[Consumer]:
    """What the e-mail sender process consumes: the deliveries the API process queued."""
    limits = limits or SmtpRateLimits(settings.smtp_rate_per_second, settings.smtp_rate_burst)
    # Batches of the deliveries in flight (one transaction, one attempt commit, one
    # outcome commit for them all); a short gathering wait: an idle sender's one message
    # is not held back for company.
    deliveries = Consumer(
        NOTIFICATIONS_EMAIL_DELIVERIES, runtime.uow, batch_wait_seconds=_GATHERING_SECONDS
    )
    # What this process knows of the attempts it started: a delivery that finds one of
    # them unfinished (the kit's retry after the database failed) records it, not doubts it.
    ledger = AttemptLedger()

    async def on_deliver_emails(
        uow: UnitOfWork, envelopes: list[Envelope[DeliverEmail]]
    ) -> dict[uuid.UUID, Returned] | None:
        if len(envelopes) > 1:
            return await email_batches.deliver_emails(
                envelopes,
                uow,
                transport,
                settings,
                now=clock.now(),
                limits=limits,
                ledger=ledger,
                consumer=deliveries,
            )
        # One alone (an idle sender, or a batch the batch path sent one by one): the
        # single delivery, which reasons about every case itself.
        envelope = envelopes[0]
        with deliveries.serving(uow, envelope):
            try:
                await handlers.deliver_email(
                    envelope.payload,
                    uow,
                    transport,
                    settings,
                    now=clock.now(),
                    limits=limits,
                    delivery=deliveries.delivery_count(envelope.message_id),
                    mark=_mark(deliveries, envelope),
                    ledger=ledger,
                )
            except TransientDeliveryError as error:
                # It waited its backoff and let its transaction go: back to the broker.
                return {envelope.message_id: Returned(error)}
        return None

    deliveries.on_batch(DeliverEmail, on_deliver_emails)
    return [deliveries]


def sms_sender_consumers(
    runtime: ServiceRuntime,
    clock: Clock,
    provider: SmsProvider,
    limiter: TokenBucket,
    settings: Settings,
) -> list[Consumer]:
    """What the SMS sender process consumes: the SMS deliveries the API process queued."""
    deliveries = Consumer(NOTIFICATIONS_SMS_DELIVERIES, runtime.uow)
    ledger = AttemptLedger()

    async def on_deliver_sms(uow: UnitOfWork, envelope: Envelope[DeliverSms]) -> None:
        await handlers.deliver_sms(
            envelope.payload,
            uow,
            provider,
            limiter,
            settings,
            now=clock.now(),
            delivery=_delivery(runtime),
            mark=_mark(deliveries, envelope),
            ledger=ledger,
        )

    deliveries.on(DeliverSms, on_deliver_sms)
    return [deliveries]
