"""Delivery attempts: each hand-over of a message to SMTP or the SMS provider is recorded,
and committed, before it happens (table ``delivery_attempt``), in two steps: ``begin``
(phase ``preparing``: composing, connecting, the SMTP envelope) and ``hand_over`` (phase
``handing_over``, just before the point of no return: SMTP DATA, the provider's request).

The attempt is written on a connection of its own, in its own short transaction, while
the delivery's transaction (the consumer's inbox mark, the message row's lock) stays
open: committing that one would commit the inbox mark too, and a redelivery after a
crash would then be skipped instead of finding the attempt. The delivery resolves its
attempt in its own transaction, together with the message's outcome. So a delivery that
holds the message row and finds an attempt without an outcome knows that attempt's
delivery is gone (its transaction rolled back, its process died): in phase ``preparing``
it handed nothing over ("not sent": ``abandon`` it and send), in ``handing_over`` it may
have ("maybe sent").

Both steps past ``begin`` are compare-and-set on the attempt row, so a sender that lost
its row lock without knowing (its database connection dropped mid-attempt) and a later
delivery that abandons its attempt never both go on: either the hand-over is recorded
first (the later delivery finds ``handing_over``: unconfirmed) or the abandonment is
(the first sender finds its attempt ended and does not hand anything over).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from aftersales_contracts.notifications import Channel
from aftersales_kit.uow import UnitOfWork
from notifications.delivery.domain import AttemptOutcome, AttemptPhase, Resolution
from notifications.tables import delivery_attempt


@dataclass(frozen=True)
class Attempt:
    id: uuid.UUID
    message_id: uuid.UUID
    number: int
    channel: Channel
    recipients: tuple[str, ...]
    started_at: datetime
    phase: AttemptPhase = AttemptPhase.PREPARING
    outcome: AttemptOutcome | None = None
    # Phase ``answered``: what the server said (sent or failed), to whom, and why; for
    # SMS also the provider's message ids, which the message keeps once it is recorded.
    answer: AttemptOutcome | None = None
    accepted: tuple[str, ...] = ()
    provider_ids: tuple[str, ...] = ()
    detail: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Attempt:
        return cls(
            id=row.id,
            message_id=row.message_id,
            number=row.number,
            channel=Channel(row.channel),
            recipients=tuple(row.recipients),
            started_at=row.started_at,
            phase=AttemptPhase(row.phase),
            outcome=AttemptOutcome(row.outcome) if row.outcome is not None else None,
            answer=AttemptOutcome(row.answer) if row.answer is not None else None,
            accepted=tuple(row.accepted or ()),
            provider_ids=tuple(row.provider_ids or ()),
            detail=row.detail,
        )


def _own_session(uow: UnitOfWork) -> AsyncSession:
    """A session on the unit of work's engine, apart from its transaction."""
    bind = uow.session.bind
    if not isinstance(bind, AsyncEngine):  # pragma: no cover - the runtime binds an engine
        raise TypeError("delivery attempts need a unit of work bound to an engine")
    return AsyncSession(bind, expire_on_commit=False)


async def begin(
    uow: UnitOfWork,
    message_id: uuid.UUID,
    channel: Channel,
    recipients: Sequence[str],
    *,
    now: datetime,
) -> Attempt:
    """Record that the message is about to be handed over, committed at once (on a
    connection of its own: the delivery's transaction stays as it is)."""
    attempt_id = uuid.uuid4()
    # One statement: the next number is read as the row goes in (the delivery holds the
    # message row's lock, so no other attempt of the message is being numbered).
    earlier = select(func.coalesce(func.max(delivery_attempt.c.number), 0) + 1).where(
        delivery_attempt.c.message_id == message_id
    )
    async with _own_session(uow) as session, session.begin():
        number = await session.scalar(
            insert(delivery_attempt)
            .from_select(
                ["id", "message_id", "number", "channel", "recipients", "started_at", "phase"],
                select(
                    literal(attempt_id, delivery_attempt.c.id.type),
                    literal(message_id, delivery_attempt.c.message_id.type),
                    earlier.scalar_subquery(),
                    literal(channel.value, delivery_attempt.c.channel.type),
                    literal(list(recipients), delivery_attempt.c.recipients.type),
                    literal(now, delivery_attempt.c.started_at.type),
                    literal(AttemptPhase.PREPARING.value, delivery_attempt.c.phase.type),
                ),
            )
            .returning(delivery_attempt.c.number)
        )
    return Attempt(
        id=attempt_id,
        message_id=message_id,
        number=int(number or 1),
        channel=channel,
        recipients=tuple(recipients),
        started_at=now,
    )


@dataclass(frozen=True)
class Earlier:
    """What a message's earlier attempts say to a delivery that holds its row."""

    last_number: int
    unfinished: bool  # one of them has no outcome: its delivery is gone (or runs here)


async def earlier_of(uow: UnitOfWork, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Earlier]:
    """The earlier attempts of these messages (the ones that have any), in one query,
    read while holding their rows."""
    rows = await uow.session.execute(
        select(
            delivery_attempt.c.message_id,
            func.max(delivery_attempt.c.number),
            func.bool_or(delivery_attempt.c.outcome.is_(None)),
        )
        .where(delivery_attempt.c.message_id.in_(message_ids))
        .group_by(delivery_attempt.c.message_id)
    )
    return {m: Earlier(int(n), bool(u)) for m, n, u in rows}


class AttemptTaken(Exception):
    """The attempt was ended by another delivery (which found it unfinished while this
    one's row lock was lost): this delivery must hand nothing over."""


def _still_preparing(attempt_id: uuid.UUID) -> Any:
    return update(delivery_attempt).where(
        delivery_attempt.c.id == attempt_id,
        delivery_attempt.c.outcome.is_(None),
        delivery_attempt.c.phase == AttemptPhase.PREPARING.value,
    )


async def hand_over(uow: UnitOfWork, attempt: Attempt) -> None:
    """Record, committed at once (on a connection of its own), that the message is about
    to pass the point of no return; raise ``AttemptTaken`` when another delivery
    abandoned the attempt meanwhile. A failure to commit leaves it ``preparing``: nothing
    was handed over, and the next delivery sends."""
    async with _own_session(uow) as session, session.begin():
        result = await session.execute(
            _still_preparing(attempt.id).values(phase=AttemptPhase.HANDING_OVER.value)
        )
    if getattr(result, "rowcount", 0) != 1:
        raise AttemptTaken(f"attempt {attempt.number} of {attempt.message_id} was ended")


_BEGIN = insert(delivery_attempt)

# Run for every message a sender hands over, on the driver's own connection: SQLAlchemy's
# execution (its context, parameter processing, result) cost more than the statement's
# own round trip (bench/README.md, tenth session).
_HAND_OVER = f"""UPDATE delivery_attempt SET phase = '{AttemptPhase.HANDING_OVER.value}'
    WHERE id = $1 AND outcome IS NULL AND phase = '{AttemptPhase.PREPARING.value}'"""
_ANSWERED = f"""UPDATE delivery_attempt SET phase = '{AttemptPhase.ANSWERED.value}',
        answer = $2, accepted = $3, provider_ids = $4, detail = $5
    WHERE id = $1 AND outcome IS NULL AND phase = '{AttemptPhase.HANDING_OVER.value}'"""
# The previous message's answer and the next one's hand-over in one statement (two rows;
# the count is the hand-over's).
_ANSWERED_THEN_HAND_OVER = f"WITH answered AS ({_ANSWERED}) {_HAND_OVER.replace('$1', '$6')}"


class HandOvers:
    """The attempts of a batch begun (``begin_many``), ``hand_over`` for each, and then
    each one's answer (``answered``), committed on one connection held for the batch
    (autocommit). An
    answer is committed with the next message's hand-over, in one statement, or when the
    batch leaves (``async with``), before the batch writes its messages' outcomes in its
    one commit: a sender that dies before that commit leaves the batch's answered
    messages recorded by the next delivery, not "maybe sent"; only the message being
    handed over, and the one answered just before it, are left in doubt."""

    def __init__(self, uow: UnitOfWork) -> None:
        bind = uow.session.bind
        if not isinstance(bind, AsyncEngine):  # pragma: no cover - the runtime binds an engine
            raise TypeError("delivery attempts need a unit of work bound to an engine")
        self._engine = bind
        self._connection: AsyncConnection | None = None
        # The last answer, not committed yet: ``_ANSWERED``'s arguments.
        self._answer: tuple[uuid.UUID, str, list[str], list[str] | None, str | None] | None = None
        self._handed: uuid.UUID | None = None  # the attempt handed over last

    async def __aenter__(self) -> HandOvers:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            if self._answer is not None:
                await self._execute_raw(_ANSWERED, *self._answer)
                self._answer = None
        finally:
            if self._connection is not None:
                await self._connection.close()

    async def begin_many(
        self,
        messages: Sequence[tuple[uuid.UUID, Sequence[str], int]],
        channel: Channel,
        *,
        now: datetime,
    ) -> list[Attempt]:
        """``begin`` for the batch's messages (id, recipients, the attempt's number) in
        one statement, committed at once on the batch's connection; the attempts in the
        order given. The delivery holds every one of the messages' rows (``earlier_of``
        numbered them)."""
        started = [
            Attempt(
                id=uuid.uuid4(),
                message_id=message_id,
                number=number,
                channel=channel,
                recipients=tuple(recipients),
                started_at=now,
            )
            for message_id, recipients, number in messages
        ]
        # Rows as parameters, not in the statement: compiled once, not once a batch size.
        await self._execute(
            _BEGIN,
            [
                {
                    "id": a.id,
                    "message_id": a.message_id,
                    "number": a.number,
                    "channel": channel.value,
                    "recipients": list(a.recipients),
                    "started_at": now,
                    "phase": AttemptPhase.PREPARING.value,
                }
                for a in started
            ],
        )
        return started

    async def hand_over(self, attempt: Attempt) -> None:
        """As ``hand_over``, with the previous answer; a connection that failed is
        dropped (the next one opens)."""
        if self._answer is None:
            changed = await self._execute_raw(_HAND_OVER, attempt.id)
        else:
            changed = await self._execute_raw(_ANSWERED_THEN_HAND_OVER, *self._answer, attempt.id)
            self._answer = None  # committed (a failure keeps it for the next statement)
        self._handed = attempt.id
        if not changed:
            raise AttemptTaken(f"attempt {attempt.number} of {attempt.message_id} was ended")

    def answered(
        self,
        attempt: Attempt,
        answer: AttemptOutcome,
        *,
        accepted: Sequence[str] = (),
        provider_ids: Sequence[str] = (),
        detail: str | None = None,
    ) -> None:
        """Record the server's answer to a handed-over attempt (``sent`` or ``failed``;
        ``provider_ids``: the SMS provider's ids of what it took), committed with the
        next hand-over or when the batch leaves. An attempt ended meanwhile keeps its
        outcome (the answer changes nothing then)."""
        if answer not in (AttemptOutcome.SENT, AttemptOutcome.FAILED):
            raise ValueError(f"an answer is sent or failed, not {answer}")
        if attempt.id != self._handed:
            return  # refused before its hand-over: nothing of it is in doubt
        self._handed = None
        self._answer = (
            attempt.id,
            answer.value,
            list(accepted),
            list(provider_ids) or None,
            detail,
        )

    async def _connected(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    async def _execute(
        self, statement: Any, parameters: dict[str, Any] | list[dict[str, Any]]
    ) -> bool:
        connection = await self._connected()
        try:
            result = await connection.execute(statement, parameters)
        except BaseException:
            await self._drop()
            raise
        return getattr(result, "rowcount", 0) == 1

    async def _execute_raw(self, sql: str, *arguments: Any) -> bool:
        """``sql`` on the driver's own connection (autocommit, as the engine's); whether
        it changed one row."""
        connection = await self._connected()
        try:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            status: str = await raw.execute(sql, *arguments)
        except BaseException:
            await self._drop()
            raise
        return status.rsplit(" ", 1)[-1] == "1"  # "UPDATE 1"

    async def _drop(self) -> None:
        """A connection that failed is dropped (the next statement opens another)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()


async def abandon(uow: UnitOfWork, attempt: Attempt, *, now: datetime) -> bool:
    """End, committed at once (on a connection of its own), an unfinished attempt whose
    delivery is gone before it handed anything over: ``not_sent``. False when it had
    recorded its hand-over after all (it may have been sent)."""
    detail = "abandoned: its delivery ended before it handed anything over"
    async with _own_session(uow) as session, session.begin():
        result = await session.execute(
            _still_preparing(attempt.id).values(
                outcome=AttemptOutcome.NOT_SENT.value, detail=detail, ended_at=now
            )
        )
    return getattr(result, "rowcount", 0) == 1


async def drop(uow: UnitOfWork, attempt: Attempt, *, detail: str, now: datetime) -> bool:
    """End, committed at once (on a connection of its own), an unfinished attempt that
    its own sender knows handed nothing over, whatever its phase (its hand-over was
    committed but the sender never heard so, and stopped before DATA): ``not_sent``.
    False when it had an outcome already."""
    async with _own_session(uow) as session, session.begin():
        result = await session.execute(
            update(delivery_attempt)
            .where(delivery_attempt.c.id == attempt.id, delivery_attempt.c.outcome.is_(None))
            .values(outcome=AttemptOutcome.NOT_SENT.value, detail=detail, ended_at=now)
        )
    return getattr(result, "rowcount", 0) == 1


async def end_apart(
    uow: UnitOfWork, attempt: Attempt, outcome: AttemptOutcome, *, detail: str | None, now: datetime
) -> None:
    """End an attempt on a connection of its own, committed at once: for an attempt that
    handed nothing over, whose delivery goes back to the broker (its own transaction
    must not commit: that would commit its inbox mark)."""
    async with _own_session(uow) as session, session.begin():
        await session.execute(_ending(attempt.id, outcome, detail, now))


_END_MANY = (
    update(delivery_attempt)
    .where(delivery_attempt.c.id == bindparam("attempt_id"))
    .values(outcome=bindparam("ended_as"), detail=bindparam("said"), ended_at=bindparam("at"))
)


async def end_many(
    uow: UnitOfWork, ends: Sequence[tuple[uuid.UUID, AttemptOutcome, str | None]], *, now: datetime
) -> None:
    """End several attempts (id, outcome, detail) in the unit of work (not committed):
    one statement run for them all."""
    await uow.session.execute(
        _END_MANY,
        [{"attempt_id": i, "ended_as": o.value, "said": d, "at": now} for i, o, d in ends],
    )


async def end(
    uow: UnitOfWork,
    attempt_id: uuid.UUID,
    outcome: AttemptOutcome,
    *,
    detail: str | None = None,
    now: datetime,
) -> None:
    """End an attempt in the unit of work, with the message's outcome (not committed)."""
    await uow.session.execute(_ending(attempt_id, outcome, detail, now))


def _ending(
    attempt_id: uuid.UUID, outcome: AttemptOutcome, detail: str | None, now: datetime
) -> Any:
    return (
        update(delivery_attempt)
        .where(delivery_attempt.c.id == attempt_id)
        .values(outcome=outcome.value, detail=detail, ended_at=now)
    )


async def unfinished(uow: UnitOfWork, message_id: uuid.UUID) -> Attempt | None:
    """The message's latest attempt without an outcome, if any. Read while holding the
    message row: its delivery is gone (``phase`` says whether it handed anything over)."""
    row = (
        await uow.session.execute(
            select(delivery_attempt)
            .where(
                delivery_attempt.c.message_id == message_id, delivery_attempt.c.outcome.is_(None)
            )
            .order_by(delivery_attempt.c.number.desc())
            .limit(1)
        )
    ).first()
    return Attempt.from_row(row) if row is not None else None


async def get(uow: UnitOfWork, attempt_id: uuid.UUID) -> Attempt | None:
    row = (
        await uow.session.execute(
            select(delivery_attempt).where(delivery_attempt.c.id == attempt_id)
        )
    ).first()
    return Attempt.from_row(row) if row is not None else None


async def latest(uow: UnitOfWork, message_id: uuid.UUID) -> Attempt | None:
    """The message's last attempt (for an unconfirmed message: the one that may have
    been sent)."""
    row = (
        await uow.session.execute(
            select(delivery_attempt)
            .where(delivery_attempt.c.message_id == message_id)
            .order_by(delivery_attempt.c.number.desc())
            .limit(1)
        )
    ).first()
    return Attempt.from_row(row) if row is not None else None


async def of_message(uow: UnitOfWork, message_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every attempt at one message, first first (for ``GET /messages/{id}``)."""
    rows = (
        await uow.session.execute(
            select(delivery_attempt)
            .where(delivery_attempt.c.message_id == message_id)
            .order_by(delivery_attempt.c.number)
        )
    ).mappings()
    return [dict(r) for r in rows]


async def resolve(
    uow: UnitOfWork, attempt_id: uuid.UUID, resolution: Resolution, *, by: str | None
) -> None:
    """Record an operator's choice on an unconfirmed attempt (not committed)."""
    await uow.session.execute(
        update(delivery_attempt)
        .where(delivery_attempt.c.id == attempt_id)
        .values(resolution=resolution.value, resolved_by=by)
    )
