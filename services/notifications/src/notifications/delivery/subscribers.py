"""The senders' message entrypoints: the e-mail and SMS deliveries the API process
queued; each parses the envelope and calls a use case."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import DeliverEmail, DeliverSms
from aftersales_contracts.topology import (
    NOTIFICATIONS_EMAIL_DELIVERIES,
    NOTIFICATIONS_SMS_DELIVERIES,
    QueueSpec,
)
from aftersales_kit.clock import Clock
from aftersales_kit.inbox import Consumer, Returned
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from notifications.delivery import handlers
from notifications.delivery.batches import Batch, Sender
from notifications.delivery.domain import TransientDeliveryError
from notifications.delivery.email_batches import EmailBatch, EmailWay
from notifications.delivery.handlers import InboxMark
from notifications.delivery.ledger import AttemptLedger
from notifications.delivery.pacing import TokenBucket
from notifications.delivery.sms import SmsProvider
from notifications.delivery.sms_batches import SmsBatch, SmsWay
from notifications.delivery.smtp import EmailTransport, SmtpRateLimits
from notifications.settings import SENDER_CONCURRENT_BATCHES, Settings, sender_batch_size

# How long a sender gathers deliveries for a batch after the first one came: an idle
# sender's one message is not held back for company.
_GATHERING_SECONDS = 0.002

M = TypeVar("M", DeliverEmail, DeliverSms)
W = TypeVar("W")


def _mark(consumer: Consumer, envelope: Envelope[Any]) -> InboxMark:
    return InboxMark(envelope.message_id, consumer.name, envelope.type)


def _batched(
    batch: type[Batch[Any, W]],
    sender: Sender[W],
    clock: Clock,
    alone: Callable[[UnitOfWork, Envelope[M]], Awaitable[None]],
) -> Callable[[UnitOfWork, list[Envelope[M]]], Awaitable[dict[uuid.UUID, Returned] | None]]:
    """A sender's batch handler: several deliveries go together as a ``batch`` (one
    transaction, one attempt commit, one outcome commit for them all); one ``alone`` (an
    idle sender, or a batch the batch path sent one by one) goes the single delivery's
    way, which reasons about every case itself."""
    consumer = sender.consumer

    async def handle(
        uow: UnitOfWork, envelopes: list[Envelope[M]]
    ) -> dict[uuid.UUID, Returned] | None:
        if len(envelopes) > 1:
            return await batch(envelopes, uow, sender, now=clock.now()).deliver()
        envelope = envelopes[0]
        with consumer.serving(uow, envelope):
            try:
                await alone(uow, envelope)
            except TransientDeliveryError as error:
                # It let its transaction go: back to the broker after its pause, waited
                # in the delivery's own task (the next batch does not wait for it).
                return {envelope.message_id: Returned(error, delay=error.retry_in)}
        return None

    return handle


def _deliveries(queue: QueueSpec, runtime: ServiceRuntime, burst: int) -> Consumer:
    """A sender's consumer of its deliveries, in batches. A batch takes its pacing tokens
    (a message's, or an SMS's every number's) at once or goes one by one: one larger than
    the burst could never have them, and under a backlog every batch would go one by one;
    so it is no larger (a burst of 1 sends every delivery alone)."""
    return Consumer(
        queue,
        runtime.uow,
        batch_size=sender_batch_size(burst),
        batch_wait_seconds=_GATHERING_SECONDS,
        concurrent_batches=SENDER_CONCURRENT_BATCHES,
    )


def sender_consumers(
    runtime: ServiceRuntime,
    clock: Clock,
    transport: EmailTransport,
    settings: Settings,
    limits: SmtpRateLimits | None = None,
) -> list[Consumer]:
    """What the e-mail sender process consumes: the deliveries the API process queued."""
    limits = limits or SmtpRateLimits(settings.smtp_rate_per_second, settings.smtp_rate_burst)
    deliveries = _deliveries(NOTIFICATIONS_EMAIL_DELIVERIES, runtime, settings.smtp_rate_burst)
    # What this process knows of the attempts it started: a delivery that finds one of
    # them unfinished (the kit's retry after the database failed) records it, not doubts it.
    ledger = AttemptLedger()
    sender = Sender(settings, ledger, deliveries, EmailWay(transport, limits))

    async def alone(uow: UnitOfWork, envelope: Envelope[DeliverEmail]) -> None:
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

    deliveries.on_batch(DeliverEmail, _batched(EmailBatch, sender, clock, alone))
    return [deliveries]


def sms_sender_consumers(
    runtime: ServiceRuntime,
    clock: Clock,
    provider: SmsProvider,
    limiter: TokenBucket,
    settings: Settings,
) -> list[Consumer]:
    """What the SMS sender process consumes: the SMS deliveries the API process queued."""
    deliveries = _deliveries(NOTIFICATIONS_SMS_DELIVERIES, runtime, settings.sms_rate_burst)
    ledger = AttemptLedger()
    sender = Sender(settings, ledger, deliveries, SmsWay(provider, limiter))

    async def alone(uow: UnitOfWork, envelope: Envelope[DeliverSms]) -> None:
        await handlers.deliver_sms(
            envelope.payload,
            uow,
            provider,
            limiter,
            settings,
            now=clock.now(),
            delivery=deliveries.delivery_count(envelope.message_id),
            mark=_mark(deliveries, envelope),
            ledger=ledger,
        )

    deliveries.on_batch(DeliverSms, _batched(SmsBatch, sender, clock, alone))
    return [deliveries]
