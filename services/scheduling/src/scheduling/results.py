"""Notifications' results (sent, failed, blocked) recorded on the callouts they are for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from sqlalchemy import select, update

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import MessageBlocked, MessageFailed, MessageSent
from aftersales_kit.uow import UnitOfWork
from scheduling import action_rules, domain, outgoing, tables
from scheduling.action_rules import Result
from scheduling.context import Context
from scheduling.domain import Outcome


async def on_message_sent(ctx: Context, uow: UnitOfWork, envelope: Envelope[MessageSent]) -> None:
    sent = envelope.payload
    result = Result(
        Outcome.SENT,
        sent.message_id,
        sent_at=envelope.occurred_at,
        send_to=", ".join(sent.sent_to),
    )
    await _record(ctx, uow, sent, result)


async def on_message_failed(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[MessageFailed]
) -> None:
    failed = envelope.payload
    result = Result(
        Outcome.FAILED,
        failed.message_id,
        error=failed.reason,
        trace_id=failed.trace_id or _current_trace_id(),
        error_at=envelope.occurred_at,
    )
    await _record(ctx, uow, failed, result)


async def on_message_blocked(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[MessageBlocked]
) -> None:
    blocked = envelope.payload
    result = Result(
        Outcome.BLOCKED,
        blocked.message_id,
        block_reason=blocked.reason,
        error=blocked.detail,
        # The result carries no trace id: the trace it arrived in is the send's trace.
        trace_id=_current_trace_id(),
        error_at=envelope.occurred_at,
    )
    await _record(ctx, uow, blocked, result)


async def _record(
    ctx: Context,
    uow: UnitOfWork,
    message: MessageSent | MessageFailed | MessageBlocked,
    result: Result,
) -> None:
    if message.requester != outgoing.REQUESTER:
        return  # another requester's result on the shared events exchange
    parsed = domain.parse_idempotency_key(message.idempotency_key)
    if parsed is None:
        return
    callout_id, purpose, attempt = parsed
    c = tables.callout.c
    query = select(tables.callout).where(c.id == callout_id).with_for_update()
    row = (await uow.session.execute(query)).first()
    if row is None:
        return
    values = action_rules.result_values(row, purpose, attempt, result)
    if values is None:
        return
    await uow.session.execute(
        update(tables.callout)
        .where(c.id == callout_id)
        .values(updated_at=ctx.clock.now(), **values)
    )


async def on_result(ctx: Context, uow: UnitOfWork, envelope: Envelope[Any]) -> None:
    """Any of the three results, as its own handler records it."""
    payload = envelope.payload
    if isinstance(payload, MessageSent):
        await on_message_sent(ctx, uow, envelope)
    elif isinstance(payload, MessageFailed):
        await on_message_failed(ctx, uow, envelope)
    elif isinstance(payload, MessageBlocked):
        await on_message_blocked(ctx, uow, envelope)


def in_lock_order(envelopes: Sequence[Envelope[Any]]) -> list[Envelope[Any]]:
    """A batch of results in the order their callouts are locked: by callout id (one
    order for every transaction that locks several), each callout's results in the
    order they came; other requesters' results (nothing to lock) first."""

    def callout(envelope: Envelope[Any]) -> str:
        parsed = domain.parse_idempotency_key(envelope.payload.idempotency_key)
        ours = envelope.payload.requester == outgoing.REQUESTER and parsed is not None
        return str(parsed[0]) if ours and parsed is not None else ""

    return sorted(envelopes, key=callout)


def _current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
