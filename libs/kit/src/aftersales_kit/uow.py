"""The unit of work: domain rows, outbox rows and the inbox mark commit together.

Request and message handlers never publish directly: they ``publish`` or ``send``
through the unit of work, which writes an outbox row in the same transaction. The
relay delivers it after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from opentelemetry import propagate
from sqlalchemy import String, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales_contracts.envelope import Envelope, Message, MessageKind
from aftersales_contracts.topology import COMMANDS_EXCHANGE, EVENTS_EXCHANGE
from aftersales_kit.db import EncodedJson, compiled_once
from aftersales_kit.messaging_tables import inbox_message, outbox_message

# Every consumed message runs it: compiled once (see compiled_once).
_CLAIM = compiled_once(
    insert(inbox_message)
    .values(
        consumer=bindparam("consumer"),
        message_id=bindparam("message_id"),
        message_type=bindparam("message_type"),
    )
    .on_conflict_do_nothing()
    .returning(inbox_message.c.message_id)
)
_CLAIM_MANY = compiled_once(
    insert(inbox_message)
    .from_select(
        ["consumer", "message_id", "message_type"],
        select(
            bindparam("consumer", type_=String()),
            func.unnest(bindparam("message_ids", type_=ARRAY(UUID(as_uuid=True)))),
            func.unnest(bindparam("message_types", type_=ARRAY(String()))),
        ),
    )
    .on_conflict_do_nothing()
    .returning(inbox_message.c.message_id)
)


@dataclass(frozen=True)
class MessageContext:
    """Where the work came from: set when a unit of work runs on behalf of a message."""

    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None


class UnitOfWork:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        context: MessageContext | None = None,
        outbox_signal: asyncio.Event | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._context = context or MessageContext()
        self._outbox_signal = outbox_signal
        self._outbox: list[dict[str, object]] = []
        self._after_commit: list[Callable[[], None]] = []
        self.session: AsyncSession

    async def __aenter__(self) -> Self:
        self.session = self._sessionmaker()
        await self.session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed explicitly is rolled back: never a half-written change.
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        if self._outbox:
            await self.session.execute(outbox_message.insert(), self._outbox)
        await self.session.commit()
        if self._outbox and self._outbox_signal is not None:
            self._outbox_signal.set()
        self._outbox = []
        done, self._after_commit = self._after_commit, []
        for callback in done:
            callback()

    async def rollback(self) -> None:
        self._outbox = []
        self._after_commit = []
        await self.session.rollback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this transaction has committed (not if it rolls back):
        for what a process may forget only when the database holds it."""
        self._after_commit.append(callback)

    @contextlib.contextmanager
    def on_behalf_of(self, envelope: Envelope[Any]) -> Iterator[None]:
        """What is published or sent inside the block follows from ``envelope`` (its
        correlation, caused by it): for a unit of work that serves a batch of messages."""
        serving = self._context
        self._context = MessageContext(
            correlation_id=envelope.correlation_id, causation_id=envelope.message_id
        )
        try:
            yield
        finally:
            self._context = serving

    def publish(self, event: Message) -> Envelope[Message]:
        """Record a domain event for the events exchange; it is written on commit."""
        return self._enqueue(event, EVENTS_EXCHANGE)

    def send(self, command: Message) -> Envelope[Message]:
        """Record a command for the owning service's queue; it is written on commit."""
        if command.KIND is not MessageKind.COMMAND:
            raise TypeError(f"{type(command).__name__} is not a command")
        return self._enqueue(command, COMMANDS_EXCHANGE)

    def _enqueue(self, message: Message, exchange: str) -> Envelope[Message]:
        envelope = Envelope.wrap(
            message,
            correlation_id=self._context.correlation_id,
            causation_id=self._context.causation_id,
        )
        headers: dict[str, str] = {}
        propagate.inject(headers)
        self._outbox.append(
            {
                "message_id": envelope.message_id,
                "exchange": exchange,
                "routing_key": envelope.type,
                "message_type": envelope.type,
                "body": EncodedJson(envelope.model_dump_json()),
                "headers": headers,
            }
        )
        return envelope

    async def claim_many(
        self, messages: list[tuple[uuid.UUID, str]], consumer: str
    ) -> set[uuid.UUID]:
        """Mark messages (id, type) processed by ``consumer`` in one statement; the ids
        that were not processed before."""
        result = await self.session.execute(
            _CLAIM_MANY,
            {
                "consumer": consumer,
                "message_ids": [message_id for message_id, _ in messages],
                "message_types": [message_type for _, message_type in messages],
            },
        )
        return set(result.scalars())

    async def release_many(self, message_ids: list[uuid.UUID], consumer: str) -> None:
        """Let go ``consumer``'s marks of these messages in this transaction (a batch
        handler returned them: their redeliveries must be applied)."""
        await self.session.execute(
            delete(inbox_message).where(
                inbox_message.c.consumer == consumer, inbox_message.c.message_id.in_(message_ids)
            )
        )

    async def claim(self, message_id: uuid.UUID, consumer: str, message_type: str) -> bool:
        """Mark a message processed by ``consumer``; False when it was already processed."""
        result = await self.session.execute(
            _CLAIM, {"consumer": consumer, "message_id": message_id, "message_type": message_type}
        )
        return result.first() is not None
