"""Notifications' use cases: each runs in a unit of work and records its results in the outbox."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.catalog import CommunicationMethod, CustomerRegistered
from aftersales_contracts.notifications import (
    BusinessObject,
    Channel,
    ChannelChoice,
    DeliverEmail,
    DeliverSms,
    MessageBlocked,
    MessageFailed,
    MessageSent,
    SendMessage,
)
from aftersales_kit.problems import NotFound, Problem, Unprocessable
from aftersales_kit.telemetry import current_trace_id
from aftersales_kit.uow import UnitOfWork
from notifications import domain, org_settings, tables, template_handlers, visibility
from notifications.domain import Addressee, Blocked, Decision, MessageStatus, SendEmail, SendSms
from notifications.mail import (
    EmailTransport,
    PermanentDeliveryError,
    SmtpRateLimits,
    TransientDeliveryError,
)
from notifications.pacing import TokenBucket, retry_delay
from notifications.schemas import MessageOut
from notifications.settings import Settings
from notifications.sms import SmsProvider

log = logging.getLogger(__name__)

message = tables.message
customer = tables.customer


async def _lock_customer(uow: UnitOfWork, customer_id: uuid.UUID) -> None:
    """Serialize a request for a customer with that customer's projection update.

    Without it a request that finds no customer and a CustomerRegistered that finds no
    waiting message could pass each other, and the message would wait forever.
    """
    key = int.from_bytes(customer_id.bytes[:8], "big", signed=True)
    await uow.session.execute(select(func.pg_advisory_xact_lock(key)))


def _addressee(row: Mapping[str, Any]) -> Addressee:
    return Addressee(
        emails=tuple(row["emails"]),
        mobiles=tuple(row["mobiles"]),
        allowed=frozenset(CommunicationMethod(m) for m in row["allowed_methods"]),
        preferred=CommunicationMethod(row["preferred_method"]) if row["preferred_method"] else None,
    )


def _rendered(row: Mapping[str, Any]) -> domain.Rendered:
    return domain.Rendered(
        subject=row["subject"],
        body_html=row["body_html"],
        body_text=row["body_text"],
        sms_text=row["sms_text"],
    )


def _decision_values(decision: Decision) -> dict[str, Any]:
    if isinstance(decision, SendEmail | SendSms):
        return {
            "status": MessageStatus.QUEUED,
            "channel": decision.channel,
            "recipients": list(decision.to),
        }
    return {
        "status": MessageStatus.BLOCKED,
        "channel": decision.channel,
        "reason": decision.reason.value,
        "detail": decision.detail,
        # The trace of the work that decided it, as MessageBlocked reports it.
        "trace_id": current_trace_id(),
    }


def _result_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "message_id": row["id"],
        "idempotency_key": row["idempotency_key"],
        "requester": row["requester"],
        "requester_reference": row["requester_reference"],
        "business_object": (
            BusinessObject(
                kind=row["business_object_kind"],
                id=row["business_object_id"],
                version=row["business_object_version"],
            )
            if row["business_object_kind"] is not None
            else None
        ),
    }


def _emit(uow: UnitOfWork, row: Mapping[str, Any], decision: Decision) -> None:
    """What follows a decision: the e-mail goes to the sender workers, a block is reported."""
    if isinstance(decision, SendEmail):
        uow.send(DeliverEmail(message_id=row["id"]))
    elif isinstance(decision, SendSms):
        uow.send(DeliverSms(message_id=row["id"]))
    elif isinstance(decision, Blocked):
        uow.publish(
            MessageBlocked(
                **_result_fields(row),
                reason=decision.reason,
                detail=decision.detail,
                trace_id=current_trace_id(),
            )
        )


async def _load(uow: UnitOfWork, message_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    query = select(message).where(message.c.id == message_id)
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"no message with id {message_id}")
    return dict(row)


async def _find_by_key(uow: UnitOfWork, requester: str, key: str) -> dict[str, Any] | None:
    row = (
        (
            await uow.session.execute(
                select(message).where(
                    message.c.requester == requester, message.c.idempotency_key == key
                )
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def project_customer(
    event: CustomerRegistered, uow: UnitOfWork, *, now: datetime, sms_ready: bool = False
) -> None:
    """Keep the customer projection; release the messages that waited for this customer."""
    await _lock_customer(uow, event.customer_id)
    values = {
        "version": event.version,
        "name": event.name,
        "emails": [str(e) for e in event.emails],
        "mobiles": list(event.mobiles),
        "allowed_methods": [m.value for m in event.allowed_methods],
        "preferred_method": event.preferred_method.value if event.preferred_method else None,
        "language": event.language,
        "updated_at": now,
    }
    statement = insert(customer).values(id=event.customer_id, **values)
    applied = await uow.session.scalar(
        statement.on_conflict_do_update(
            index_elements=[customer.c.id],
            set_={name: statement.excluded[name] for name in values},
            # A snapshot older than the one we hold arrived late: keep ours.
            where=customer.c.version < statement.excluded.version,
        ).returning(customer.c.id)
    )
    if applied is None:
        log.info(
            "stale customer snapshot ignored",
            extra={"customer_id": str(event.customer_id), "version": event.version},
        )
    current = (
        (await uow.session.execute(select(customer).where(customer.c.id == event.customer_id)))
        .mappings()
        .one()
    )
    waiting = (
        (
            await uow.session.execute(
                select(message)
                .where(
                    message.c.customer_id == event.customer_id,
                    message.c.status == MessageStatus.AWAITING_RECIPIENT,
                )
                .order_by(message.c.created_at)
                .with_for_update()
            )
        )
        .mappings()
        .all()
    )
    for row in map(dict, waiting):
        decision = domain.decide(
            ChannelChoice(row["channel_choice"]),
            _addressee(dict(current)),
            _rendered(row),
            sms_ready=sms_ready,
        )
        await uow.session.execute(
            update(message)
            .where(message.c.id == row["id"])
            .values(**_decision_values(decision), updated_at=now)
        )
        _emit(uow, row, decision)
    await uow.commit()


async def request_message(
    cmd: SendMessage,
    uow: UnitOfWork,
    *,
    now: datetime,
    requested_by: str | None = None,
    reject_missing_values: bool = False,
    sms_ready: bool = False,
    settings: Settings | None = None,
) -> tuple[MessageOut, bool]:
    """Store, decide and queue one message; returns it and whether it is new.

    A repeated ``(requester, idempotency_key)`` returns the first message untouched.
    A placeholder without a value fails the message (a command has no one to answer),
    or, with ``reject_missing_values`` (HTTP), is refused before anything is stored.
    """
    existing = await _find_by_key(uow, cmd.requester, cmd.idempotency_key)
    if existing is not None:
        return MessageOut.from_row(existing), False
    settings = settings or Settings.model_construct()
    # The template applied, the attachments decoded, the report rendered: a bad one is
    # refused over HTTP (naming the field), or fails the message as a command.
    invalid: Problem | None = None
    try:
        prepared = await template_handlers.prepare_send(cmd, uow, settings)
    except Problem as error:
        if reject_missing_values:
            raise
        invalid = error
        prepared = template_handlers.Prepared(content=cmd.content, values=dict(cmd.values))

    message_id = uuid.uuid4()
    row: dict[str, Any] = {
        "id": message_id,
        "requester": cmd.requester,
        "requester_reference": cmd.requester_reference,
        "idempotency_key": cmd.idempotency_key,
        # The gateway's user (HTTP) or the user the requesting service names (command).
        "requested_by": requested_by if requested_by is not None else cmd.requested_by,
        "business_object_kind": cmd.business_object.kind if cmd.business_object else None,
        "business_object_id": cmd.business_object.id if cmd.business_object else None,
        "business_object_version": cmd.business_object.version if cmd.business_object else None,
        "channel_choice": cmd.channel,
        "customer_id": cmd.recipient.customer_id,
        "requested_emails": [str(e) for e in cmd.recipient.emails],
        "requested_mobiles": list(cmd.recipient.mobiles),
        "channel": None,
        "recipients": [],
        "reason": None,
        "detail": None,
        "trace_id": None,
        "sent_to": None,
        "provider_message_ids": None,
        "created_at": now,
        "updated_at": now,
        "sent_at": None,
        "org_unit_id": cmd.org_unit_id,
        "template_id": prepared.template_id,
        "language": prepared.language,
    }
    decision: Decision | None = None
    failure: domain.MissingValues | Problem | None = invalid
    try:
        rendered = (
            domain.render_content(prepared.content, prepared.values)
            if invalid is None
            else domain.Rendered()
        )
    except domain.MissingValues as error:
        if reject_missing_values:
            raise Unprocessable(
                str(error), field=f"values.{error.names[0]}", placeholders=error.names
            ) from error
        failure, rendered = error, domain.Rendered()
    segments = domain.sms_segments(rendered.sms_text) if rendered.sms_text else None
    row |= {
        "subject": rendered.subject,
        "body_html": rendered.body_html,
        "body_text": rendered.body_text,
        "sms_text": rendered.sms_text,
        "sms_encoding": segments.encoding.value if segments else None,
        "sms_segments": segments.segments if segments else None,
    }

    if failure is not None:
        row |= {
            "status": MessageStatus.FAILED,
            "reason": str(failure),
            "trace_id": current_trace_id(),
        }
    elif cmd.recipient.customer_id is not None:
        # The customer's own addresses and permissions decide; addresses in the request
        # are not used for a known customer, so a requester cannot bypass them.
        await _lock_customer(uow, cmd.recipient.customer_id)
        known = (
            (
                await uow.session.execute(
                    select(customer).where(customer.c.id == cmd.recipient.customer_id)
                )
            )
            .mappings()
            .first()
        )
        if known is None:
            row["status"] = MessageStatus.AWAITING_RECIPIENT
        else:
            decision = domain.decide(
                cmd.channel, _addressee(dict(known)), rendered, sms_ready=sms_ready
            )
    else:
        decision = domain.decide(
            cmd.channel,
            Addressee(
                emails=tuple(row["requested_emails"]), mobiles=tuple(row["requested_mobiles"])
            ),
            rendered,
            sms_ready=sms_ready,
        )
    if decision is not None:
        decision = await org_settings.check_decision(uow, cmd.org_unit_id, decision, settings)
        row |= _decision_values(decision)

    inserted = await uow.session.scalar(
        insert(message)
        .values(row)
        .on_conflict_do_nothing(constraint="uq_message_requester_key")
        .returning(message.c.id)
    )
    if inserted is None:
        # The same key won a race with us in another transaction: its message stands.
        first = await _find_by_key(uow, cmd.requester, cmd.idempotency_key)
        assert first is not None
        return MessageOut.from_row(first), False
    if failure is None:
        await template_handlers.store_files(uow, message_id, prepared.files, now=now)

    if failure is not None:
        uow.publish(
            MessageFailed(
                **_result_fields(row),
                channel=None,
                reason=str(failure),
                trace_id=current_trace_id(),
            )
        )
    elif decision is not None:
        _emit(uow, row, decision)
    await uow.commit()
    return MessageOut.from_row(row), True


async def deliver_email(
    cmd: DeliverEmail,
    uow: UnitOfWork,
    transport: EmailTransport,
    settings: Settings,
    *,
    now: datetime,
    limits: SmtpRateLimits | None = None,
    delivery: int = 1,
) -> None:
    """Send one queued e-mail. A transient failure waits (exponential backoff on
    ``delivery``, the broker's delivery count) and raises, so the broker redelivers; a
    permanent one fails the message at once. ``limits`` paces each SMTP server."""
    try:
        row = await _load(uow, cmd.message_id, lock=True)
    except NotFound:
        log.error("e-mail delivery for an unknown message", extra={"id": str(cmd.message_id)})
        return
    if row["status"] != MessageStatus.QUEUED:
        # Sent (or failed) by an earlier delivery of this command: never send twice.
        log.info("message is not queued; skipped", extra={"id": str(row["id"])})
        return
    try:
        profile = await org_settings.sending_profile(uow, row["org_unit_id"], settings)
    except org_settings.SecretsKeyMissing as error:
        # The operator's to fix (the key): retried, then parked in the dead-letter queue.
        log.error(
            "e-mail delivery needs the secrets key",
            extra={"id": str(row["id"]), "error": str(error)},
        )
        await asyncio.sleep(smtp_retry_delay(delivery, settings))
        raise TransientDeliveryError(str(error)) from error
    if isinstance(profile, Blocked):
        await uow.session.execute(
            update(message)
            .where(message.c.id == row["id"])
            .values(
                status=MessageStatus.BLOCKED,
                reason=profile.reason.value,
                detail=profile.detail,
                trace_id=current_trace_id(),
                updated_at=now,
            )
        )
        _emit(uow, row, profile)
        await uow.commit()
        return
    email = domain.compose_email(
        message_id=str(row["id"]),
        from_address=profile.from_address,
        to=row["recipients"],
        subject=row["subject"],
        body_html=row["body_html"],
        body_text=row["body_text"],
        footer=profile.footer,
        logo_url=profile.logo_url,
        attachments=await template_handlers.email_attachments(uow, row["id"]),
    )
    if limits is not None:
        await limits.acquire(profile.server, settings)
    try:
        accepted = await transport.send(email, row["recipients"], server=profile.server)
    except TransientDeliveryError as error:
        delay = smtp_retry_delay(delivery, settings)
        log.warning(
            "e-mail delivery failed; will be retried",
            extra={"id": str(row["id"]), "error": str(error), "delivery": delivery},
        )
        # The broker redelivers a nacked message at once; without a pause a short outage
        # would use up the delivery limit in milliseconds.
        await asyncio.sleep(delay)
        raise
    except PermanentDeliveryError as error:
        trace_id = current_trace_id()
        await uow.session.execute(
            update(message)
            .where(message.c.id == row["id"])
            .values(
                status=MessageStatus.FAILED, reason=str(error), trace_id=trace_id, updated_at=now
            )
        )
        uow.publish(
            MessageFailed(
                **_result_fields(row), channel=Channel.EMAIL, reason=str(error), trace_id=trace_id
            )
        )
        await uow.commit()
        return
    await uow.session.execute(
        update(message)
        .where(message.c.id == row["id"])
        .values(status=MessageStatus.SENT, sent_at=now, sent_to=accepted, updated_at=now)
    )
    uow.publish(MessageSent(**_result_fields(row), channel=Channel.EMAIL, sent_to=accepted))
    await uow.commit()


def smtp_retry_delay(delivery: int, settings: Settings) -> float:
    return retry_delay(
        delivery, settings.smtp_retry_delay_seconds, settings.smtp_retry_max_delay_seconds
    )


async def _fail(
    uow: UnitOfWork, row: Mapping[str, Any], channel: Channel, reason: str, *, now: datetime
) -> None:
    trace_id = current_trace_id()
    await uow.session.execute(
        update(message)
        .where(message.c.id == row["id"])
        .values(status=MessageStatus.FAILED, reason=reason, trace_id=trace_id, updated_at=now)
    )
    uow.publish(
        MessageFailed(**_result_fields(row), channel=channel, reason=reason, trace_id=trace_id)
    )
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
) -> None:
    """Send one queued SMS to each of its numbers. A transient failure waits (exponential
    backoff on ``delivery``, the broker's delivery count) and raises, so the broker
    redelivers; a permanent one fails the message at once."""
    try:
        row = await _load(uow, cmd.message_id, lock=True)
    except NotFound:
        log.error("SMS delivery for an unknown message", extra={"id": str(cmd.message_id)})
        return
    if row["status"] != MessageStatus.QUEUED:
        log.info("message is not queued; skipped", extra={"id": str(row["id"])})
        return
    provider_ids: list[str] = []
    for number in row["recipients"]:
        await limiter.acquire()
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
            delay = retry_delay(
                delivery, settings.sms_retry_delay_seconds, settings.sms_retry_max_delay_seconds
            )
            log.warning(
                "SMS delivery failed; will be retried",
                extra={"id": str(row["id"]), "error": str(error), "delivery": delivery},
            )
            # Nacked, the command comes back at once: the pause is what spaces the attempts.
            await asyncio.sleep(delay)
            raise
        except PermanentDeliveryError as error:
            await _fail(uow, row, Channel.SMS, f"{number}: {error}", now=now)
            return
    await uow.session.execute(
        update(message)
        .where(message.c.id == row["id"])
        .values(
            status=MessageStatus.SENT,
            sent_at=now,
            sent_to=row["recipients"],
            provider_message_ids=provider_ids,
            updated_at=now,
        )
    )
    uow.publish(MessageSent(**_result_fields(row), channel=Channel.SMS, sent_to=row["recipients"]))
    await uow.commit()


async def get_message(
    uow: UnitOfWork, message_id: uuid.UUID, visible: visibility.Visible = None
) -> MessageOut:
    row = await _load(uow, message_id)
    visibility.require_seen(visible, row["org_unit_id"], f"no message with id {message_id}")
    return MessageOut.from_row(row)
