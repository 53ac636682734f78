"""What follows a message's outcome: its row changed, and the senders or the requester
told (an e-mail or SMS delivery queued, MessageSent, MessageFailed, MessageBlocked),
through the outbox of the same unit of work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aftersales_contracts.notifications import (
    BusinessObject,
    Channel,
    DeliverEmail,
    DeliverSms,
    MessageBlocked,
    MessageFailed,
    MessageSent,
)
from aftersales_kit.telemetry import current_trace_id
from aftersales_kit.uow import UnitOfWork
from notifications.sending import messages
from notifications.sending.domain import (
    Blocked,
    Failed,
    MessageStatus,
    Outcome,
    SendEmail,
    SendSms,
    outcome_values,
)


def result_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """What every result event says of its message, for the requester to match it."""
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


def emit(uow: UnitOfWork, row: Mapping[str, Any], outcome: Outcome) -> None:
    """An e-mail or SMS goes to its sender workers; a block or a failure is reported
    (with the trace stored on ``row``). A message awaiting its recipient says nothing."""
    if isinstance(outcome, SendEmail):
        uow.send(DeliverEmail(message_id=row["id"]))
    elif isinstance(outcome, SendSms):
        uow.send(DeliverSms(message_id=row["id"]))
    elif isinstance(outcome, Blocked):
        uow.publish(
            MessageBlocked(
                **result_fields(row),
                reason=outcome.reason,
                detail=outcome.detail,
                trace_id=row["trace_id"],
            )
        )
    elif isinstance(outcome, Failed):
        uow.publish(
            MessageFailed(
                **result_fields(row),
                channel=outcome.channel,
                reason=outcome.reason,
                trace_id=row["trace_id"],
            )
        )


async def record(
    uow: UnitOfWork, row: Mapping[str, Any], outcome: Outcome, *, now: datetime
) -> None:
    """Change a stored message to ``outcome`` and emit what follows (not committed)."""
    values = outcome_values(outcome, trace_id=current_trace_id()) | {"updated_at": now}
    await messages.change(uow, row["id"], values)
    emit(uow, {**row, **values}, outcome)


async def record_sent(
    uow: UnitOfWork,
    row: Mapping[str, Any],
    channel: Channel,
    sent_to: list[str],
    *,
    now: datetime,
    provider_message_ids: list[str] | None = None,
    sent_at: datetime | None = None,
) -> None:
    """The channel accepted the message for ``sent_to`` (not committed). ``sent_at``:
    when, if not ``now`` (an operator confirming an earlier attempt)."""
    values: dict[str, Any] = {
        "status": MessageStatus.SENT,
        "sent_at": sent_at or now,
        "sent_to": sent_to,
        "updated_at": now,
        # An unconfirmed message's "may have been sent" no longer applies.
        "reason": None,
    }
    if provider_message_ids is not None:
        values["provider_message_ids"] = provider_message_ids
    await messages.change(uow, row["id"], values)
    announce_sent(uow, row, channel, sent_to)


async def record_many_sent(
    uow: UnitOfWork,
    sent: Sequence[tuple[Mapping[str, Any], list[str], list[str] | None]],
    *,
    now: datetime,
) -> None:
    """Several messages the channel accepted, each for its ``sent_to`` and (SMS) the
    provider's message ids (not committed): one statement for them all; each is
    announced apart (``announce_sent``)."""
    await messages.mark_sent(uow, [(row["id"], to, ids) for row, to, ids in sent], at=now)


def announce_sent(
    uow: UnitOfWork, row: Mapping[str, Any], channel: Channel, sent_to: list[str]
) -> None:
    """Tell the requester (``MessageSent``, through the outbox)."""
    uow.publish(MessageSent(**result_fields(row), channel=channel, sent_to=sent_to))


async def record_unconfirmed(
    uow: UnitOfWork, row: Mapping[str, Any], reason: str, *, now: datetime
) -> None:
    """The message may have gone out: unconfirmed until an operator decides (not
    committed). The requester hears nothing yet: it is told the outcome once resolved."""
    await messages.change(
        uow,
        row["id"],
        {
            "status": MessageStatus.UNCONFIRMED,
            "reason": reason,
            "trace_id": current_trace_id(),
            "updated_at": now,
        },
    )
