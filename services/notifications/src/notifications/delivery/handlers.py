"""Delivery's use cases: send one queued e-mail or SMS and record the result.

A delivery locks its message row (a second copy of the command waits, then finds it
sent and skips it) and holds it while it sends. It never holds it while it waits: for
its rate limiter's token or for its retry backoff it ends the transaction first (the
row lock, the inbox mark and the database connection go back), so other senders and
other copies of the command go on meanwhile; after a token wait it takes the inbox mark
and the row again and checks the message is still queued.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_contracts.notifications import Channel, DeliverEmail, DeliverSms
from aftersales_kit.uow import UnitOfWork
from notifications.delivery.domain import (
    PermanentDeliveryError,
    TransientDeliveryError,
    compose_email,
)
from notifications.delivery.pacing import TokenBucket, sms_retry_delay, smtp_retry_delay
from notifications.delivery.sms import SmsProvider
from notifications.delivery.smtp import EmailTransport, SmtpRateLimits
from notifications.org_settings import handlers as org_settings
from notifications.sending import messages, outcomes
from notifications.sending.domain import Blocked, Failed, MessageStatus
from notifications.settings import Settings
from notifications.templates import handlers as templates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxMark:
    """The inbox mark the consumer took for the delivery at hand: ``aftersales_kit.inbox``
    claims it in the handler's transaction, so letting the transaction go lets the mark
    go too. Taking it again afterwards keeps a redelivered copy of the command from
    being applied twice (and makes the delivery visible to ``consumed``)."""

    message_id: uuid.UUID
    consumer: str
    message_type: str


async def _take_again(uow: UnitOfWork, mark: InboxMark | None) -> bool:
    """After the transaction was let go: take the inbox mark again; False when another
    copy of the command took it meanwhile (that one does the work)."""
    if mark is None:  # called directly, not by a consumer
        return True
    return await uow.claim(mark.message_id, mark.consumer, mark.message_type)


async def _back_off(uow: UnitOfWork, seconds: float) -> None:
    """Pause before the command goes back to the broker, holding nothing of the database.

    The broker redelivers a nacked message at once; without a pause a short outage would
    use up the delivery limit in milliseconds. Nothing was written: a rollback lets the
    row lock, the inbox mark and the connection go."""
    await uow.rollback()
    await asyncio.sleep(seconds)


async def _wait_for_token(uow: UnitOfWork, bucket: TokenBucket, mark: InboxMark | None) -> bool:
    """Wait for a token holding nothing of the database (the row lock, the inbox mark,
    a connection), then take the mark again; False when another copy of the command
    took the mark meanwhile."""
    await uow.rollback()
    await bucket.acquire()
    return await _take_again(uow, mark)


async def _queued(uow: UnitOfWork, message_id: uuid.UUID) -> dict[str, Any] | None:
    """The message, locked, while it still waits to be sent; None when it is unknown or
    was sent (or failed) by an earlier delivery of this command: never send twice."""
    row = await messages.load(uow, message_id, lock=True)
    if row is None:
        log.error("delivery for an unknown message", extra={"id": str(message_id)})
        return None
    if row["status"] != MessageStatus.QUEUED:
        log.info("message is not queued; skipped", extra={"id": str(row["id"])})
        return None
    return row


async def deliver_email(
    cmd: DeliverEmail,
    uow: UnitOfWork,
    transport: EmailTransport,
    settings: Settings,
    *,
    now: datetime,
    limits: SmtpRateLimits | None = None,
    delivery: int = 1,
    mark: InboxMark | None = None,
) -> None:
    """Send one queued e-mail. A transient failure waits (exponential backoff on
    ``delivery``, the broker's delivery count) and raises, so the broker redelivers; a
    permanent one fails the message at once. ``limits`` paces each SMTP server."""
    row = await _queued(uow, cmd.message_id)
    if row is None:
        return
    try:
        profile = await org_settings.sending_profile(uow, row["org_unit_id"], settings)
    except org_settings.SecretsKeyMissing as error:
        # The operator's to fix (the key): retried, then parked in the dead-letter queue.
        log.error(
            "e-mail delivery needs the secrets key",
            extra={"id": str(row["id"]), "error": str(error)},
        )
        await _back_off(uow, smtp_retry_delay(delivery, settings))
        raise TransientDeliveryError(str(error)) from error
    if isinstance(profile, Blocked):
        await outcomes.record(uow, row, profile, now=now)
        await uow.commit()
        return
    bucket = limits.of(profile.server, settings) if limits is not None else None
    if bucket is not None and not bucket.try_acquire():
        if not await _wait_for_token(uow, bucket, mark):
            return
        # The row was let go while waiting: another copy of the command may have sent it.
        row = await _queued(uow, cmd.message_id)
        if row is None:
            return
    email = compose_email(
        message_id=str(row["id"]),
        from_address=profile.from_address,
        to=row["recipients"],
        subject=row["subject"],
        body_html=row["body_html"],
        body_text=row["body_text"],
        footer=profile.footer,
        logo_url=profile.logo_url,
        attachments=await templates.email_attachments(uow, row["id"]),
    )
    try:
        accepted = await transport.send(email, row["recipients"], server=profile.server)
    except TransientDeliveryError as error:
        log.warning(
            "e-mail delivery failed; will be retried",
            extra={"id": str(row["id"]), "error": str(error), "delivery": delivery},
        )
        await _back_off(uow, smtp_retry_delay(delivery, settings))
        raise
    except PermanentDeliveryError as error:
        await outcomes.record(uow, row, Failed(str(error), Channel.EMAIL), now=now)
        await uow.commit()
        return
    await outcomes.record_sent(uow, row, Channel.EMAIL, accepted, now=now)
    await uow.commit()


async def deliver_sms(
    cmd: DeliverSms,
    uow: UnitOfWork,
    provider: SmsProvider,
    limiter: TokenBucket,
    settings: Settings,
    *,
    now: datetime,
    delivery: int = 1,
    mark: InboxMark | None = None,
) -> None:
    """Send one queued SMS to each of its numbers. A transient failure waits (exponential
    backoff on ``delivery``, the broker's delivery count) and raises, so the broker
    redelivers; a permanent one fails the message at once."""
    row = await _queued(uow, cmd.message_id)
    if row is None:
        return
    provider_ids: list[str] = []
    for number in row["recipients"]:
        if not limiter.try_acquire():
            if not await _wait_for_token(uow, limiter, mark):
                return
            row = await _queued(uow, cmd.message_id)
            if row is None:
                return
        try:
            provider_ids.append(
                await provider.send(
                    to=number,
                    sender=settings.sms_sender_name,
                    text=row["sms_text"],
                    # Per message and number: a provider that honours it never sends a
                    # number twice when a retry follows a partial success.
                    reference=f"{row['id']}:{number}",
                )
            )
        except TransientDeliveryError as error:
            log.warning(
                "SMS delivery failed; will be retried",
                extra={"id": str(row["id"]), "error": str(error), "delivery": delivery},
            )
            await _back_off(uow, sms_retry_delay(delivery, settings))
            raise
        except PermanentDeliveryError as error:
            await outcomes.record(uow, row, Failed(f"{number}: {error}", Channel.SMS), now=now)
            await uow.commit()
            return
    await outcomes.record_sent(
        uow, row, Channel.SMS, row["recipients"], now=now, provider_message_ids=provider_ids
    )
    await uow.commit()
