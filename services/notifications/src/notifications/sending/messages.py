"""The message rows: read (optionally locked), store a new one, change one."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.db import compiled_once
from aftersales_kit.uow import UnitOfWork
from notifications.sending.domain import MessageStatus
from notifications.tables import message


async def load(
    uow: UnitOfWork, message_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any] | None:
    query = select(message).where(message.c.id == message_id)
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def load_many(uow: UnitOfWork, message_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The messages with these ids, locked, in id order (one lock order for every
    sender: two batches sharing messages never wait for each other in a cycle)."""
    query = (
        select(message)
        .where(message.c.id.in_(message_ids))
        .order_by(message.c.id)
        .with_for_update()
    )
    return [dict(row) for row in (await uow.session.execute(query)).mappings()]


async def find_by_key(uow: UnitOfWork, requester: str, key: str) -> dict[str, Any] | None:
    row = (
        (await uow.session.execute(_BY_KEY, {"requester": requester, "key": key}))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


# Built once: every send request looks its key up (its cache key is computed once too).
_BY_KEY = select(message).where(
    message.c.requester == bindparam("requester"),
    message.c.idempotency_key == bindparam("key"),
)


async def find_by_keys(
    uow: UnitOfWork, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored messages of these (requester, idempotency key) pairs, in one query."""
    if not keys:
        return {}
    query = select(message).where(
        tuple_(message.c.requester, message.c.idempotency_key).in_(list(keys))
    )
    rows = (await uow.session.execute(query)).mappings()
    return {(row["requester"], row["idempotency_key"]): dict(row) for row in rows}


async def insert_new(uow: UnitOfWork, row: Mapping[str, Any]) -> bool:
    """Store a new message; False when its idempotency key is taken (by a request that
    won a race with this one in another transaction)."""
    statement = _insert_new(tuple(sorted(row)))
    inserted = await uow.session.scalar(statement, dict(row))
    return inserted is not None


@functools.lru_cache(maxsize=32)
def _insert_new(columns: tuple[str, ...], *, returning: bool = True) -> TextClause:
    """The insert of a new message with these columns, compiled once (every send request
    runs it; see ``compiled_once``). A handful of column sets exist, one per outcome.
    Without ``returning`` for a batch's ``executemany``."""
    statement = (
        insert(message)
        .values({name: bindparam(name, type_=message.c[name].type) for name in columns})
        .on_conflict_do_nothing(constraint="uq_message_requester_key")
    )
    return compiled_once(statement.returning(message.c.id) if returning else statement)


async def insert_many(uow: UnitOfWork, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Store a batch's new messages in one round trip (asyncpg pipelines the rows of an
    ``executemany``); False when an idempotency key of theirs was taken by another
    transaction meanwhile (the others are stored: the caller rolls back)."""
    if len(rows) <= 1:
        # A batch of one (a steady trickle of requests): one round trip, not two.
        return all([await insert_new(uow, row) for row in rows])
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(dict(row))
    for columns, same in by_columns.items():
        await uow.session.execute(_insert_new(columns, returning=False), same)
    ids = [row["id"] for row in rows]
    stored = await uow.session.scalar(
        select(func.count()).select_from(message).where(message.c.id.in_(ids))
    )
    return stored == len(ids)


async def change(uow: UnitOfWork, message_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    await uow.session.execute(update(message).where(message.c.id == message_id).values(**values))


_SENT = (
    update(message)
    .where(message.c.id == bindparam("message_id"))
    .values(
        status=MessageStatus.SENT,
        sent_at=bindparam("at"),
        sent_to=bindparam("to"),
        provider_message_ids=bindparam("provider_ids"),
        updated_at=bindparam("at"),
        reason=None,
    )
)


async def mark_sent(
    uow: UnitOfWork,
    sent: list[tuple[uuid.UUID, list[str], list[str] | None]],
    *,
    at: datetime,
) -> None:
    """Messages the server took, each for its accepted recipients and (SMS) the
    provider's message ids, None for an e-mail, which has none: one statement run for
    them all (``executemany``)."""
    await uow.session.execute(
        _SENT,
        [{"message_id": i, "to": to, "provider_ids": ids, "at": at} for i, to, ids in sent],
    )


async def awaiting_customer(uow: UnitOfWork, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    """The messages that wait for this customer to become known, oldest first, locked."""
    rows = (
        (
            await uow.session.execute(
                select(message)
                .where(
                    message.c.customer_id == customer_id,
                    message.c.status == MessageStatus.AWAITING_RECIPIENT,
                )
                .order_by(message.c.created_at)
                .with_for_update()
            )
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]
