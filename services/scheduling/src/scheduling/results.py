"""Notifications' results (sent, failed, blocked) recorded on the callouts they are for.

Every requester's results reach scheduling (one events exchange), so they come as a batch:
one statement locks the batch's callouts (in id order: one order for every transaction
that locks several), each result is applied in the order it came to its callout as the
ones before it left it (``changes``, pure), and the callouts that changed are written in
one statement per set of columns."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from opentelemetry import trace
from sqlalchemy import bindparam, select, update

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import MessageBlocked, MessageFailed, MessageSent
from aftersales_kit.uow import UnitOfWork
from scheduling import action_rules, domain, outgoing, tables
from scheduling.action_rules import Result
from scheduling.context import Context
from scheduling.domain import Outcome, Purpose


@dataclass(frozen=True)
class Addressed:
    """A result for one of scheduling's own callouts: which callout, for which of its
    messages (the step's or the completion's) and which send attempt."""

    callout_id: uuid.UUID
    purpose: Purpose
    attempt: int
    result: Result


def addressed(envelope: Envelope[Any]) -> Addressed | None:
    """The result an envelope carries, when it is for one of scheduling's callouts (read
    in the result's own trace: a failure without a trace id records the current one)."""
    message = envelope.payload
    if not isinstance(message, MessageSent | MessageFailed | MessageBlocked):
        return None
    if message.requester != outgoing.REQUESTER:
        return None  # another requester's result on the shared events exchange
    parsed = domain.parse_idempotency_key(message.idempotency_key)
    if parsed is None:
        return None
    callout_id, purpose, attempt = parsed
    result: Result
    if isinstance(message, MessageSent):
        result = Result(
            Outcome.SENT,
            message.message_id,
            sent_at=envelope.occurred_at,
            send_to=", ".join(message.sent_to),
        )
    elif isinstance(message, MessageFailed):
        result = Result(
            Outcome.FAILED,
            message.message_id,
            error=message.reason,
            trace_id=message.trace_id or _current_trace_id(),
            error_at=envelope.occurred_at,
        )
    else:
        result = Result(
            Outcome.BLOCKED,
            message.message_id,
            block_reason=message.reason,
            error=message.detail,
            # The result carries no trace id: the trace it arrived in is the send's trace.
            trace_id=_current_trace_id(),
            error_at=envelope.occurred_at,
        )
    return Addressed(callout_id, purpose, attempt, result)


def changes(
    callouts: Mapping[uuid.UUID, Mapping[str, Any]], results: Sequence[Addressed]
) -> dict[uuid.UUID, dict[str, Any]]:
    """The columns each callout's results change, applied in the order they came, each to
    the callout as the ones before it left it (an older attempt's result, or one for a
    callout that moved on, changes nothing); callouts not in ``callouts`` are gone."""
    current = {callout_id: dict(row) for callout_id, row in callouts.items()}
    changed: dict[uuid.UUID, dict[str, Any]] = {}
    for a in results:
        row = current.get(a.callout_id)
        if row is None:
            continue
        values = action_rules.result_values(SimpleNamespace(**row), a.purpose, a.attempt, a.result)
        if values is None:
            continue
        row.update(values)
        changed.setdefault(a.callout_id, {}).update(values)
    return changed


Serving = Callable[[Envelope[Any]], AbstractContextManager[None]]


async def record(
    ctx: Context, uow: UnitOfWork, envelopes: Sequence[Envelope[Any]], serving: Serving
) -> None:
    """Record a batch of results (not committed: the consumer's transaction).
    ``serving``: each result's own trace while it is read."""
    results = []
    for envelope in envelopes:
        with serving(envelope):
            found = addressed(envelope)
        if found is not None:
            results.append(found)
    if not results:
        return
    c = tables.callout
    rows = await uow.session.execute(
        select(c)
        .where(c.c.id.in_({a.callout_id for a in results}))
        .order_by(c.c.id)
        .with_for_update()
    )
    changed = changes({row.id: dict(row._mapping) for row in rows}, results)
    now = ctx.clock.now()
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for callout_id, values in changed.items():
        columns = tuple(sorted(values))
        by_columns[columns].append(
            {"target": callout_id, **{f"new_{k}": v for k, v in values.items()}}
        )
    for columns, params in by_columns.items():
        statement = (
            update(c)
            .where(c.c.id == bindparam("target"))
            .values({**{k: bindparam(f"new_{k}") for k in columns}, "updated_at": now})
        )
        await uow.session.execute(statement, params)


def _current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
