"""Idempotent consumers: each message is applied once, in the same transaction as its mark.

A queue may carry several message types; a ``Consumer`` dispatches each by its
envelope ``type`` to a typed handler. The handler runs inside a unit of work that
first claims the message id in the inbox: a redelivered message finds its mark and is
acknowledged without being applied again. The broker ack follows the commit.

A type registered with ``on_batch`` is applied in batches: the deliveries in flight
(up to the channel's prefetch) are gathered for a few milliseconds and applied by one
handler call in one transaction, each acked after that commit. Where a message costs a
transaction and a handful of statements, that is the difference between tens and
hundreds of messages a second. A batch that fails is applied again one message at a
time, so a poison message fails (and is redelivered, then dead-lettered) alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from faststream.exceptions import RejectMessage
from pydantic import ValidationError

from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.topology import QueueSpec
from aftersales_kit.metrics import MESSAGE_SECONDS, MESSAGES
from aftersales_kit.uow import MessageContext, UnitOfWork

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
Handler = Callable[[UnitOfWork, Envelope[M]], Awaitable[None]]
BatchHandler = Callable[[UnitOfWork, list[Envelope[M]]], Awaitable[None]]
UnitOfWorkFactory = Callable[[MessageContext], UnitOfWork]


class _Route(Generic[M]):
    def __init__(
        self,
        message_cls: type[M],
        handler: Handler[M] | None = None,
        batch_handler: BatchHandler[M] | None = None,
    ) -> None:
        self.message_cls = message_cls
        self.handler = handler
        self.batch_handler = batch_handler


@dataclass
class _Waiting:
    """A delivery waiting for its batch: acked when ``done`` resolves."""

    route: _Route[Any]
    envelope: Envelope[Any]
    done: asyncio.Future[str]

    def settle(self, outcome: str = "", error: BaseException | None = None) -> None:
        # A delivery cancelled while it waited (its handler task stopped) has a cancelled
        # future: its work may be committed, and its redelivery will find the inbox mark.
        if self.done.done():
            return
        if error is not None:
            self.done.set_exception(error)
        else:
            self.done.set_result(outcome)


class Consumer:
    def __init__(
        self,
        queue: QueueSpec,
        uow_factory: UnitOfWorkFactory,
        *,
        batch_size: int = 32,
        batch_wait_seconds: float = 0.02,
    ) -> None:
        self.queue = queue
        self._uow_factory = uow_factory
        self._routes: dict[str, _Route[Any]] = {}
        # Batching (``on_batch``): at most this many messages per transaction, gathered
        # for at most this long after the first; more than the prefetch never comes.
        self.batch_size = batch_size
        self.batch_wait_seconds = batch_wait_seconds
        self._waiting: list[_Waiting] = []
        self._full = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        # Batch handlers run in the order they were registered, in every batch: one
        # order of row and lock taking across replicas.
        self._batch_handlers: list[BatchHandler[Any]] = []

    def on(self, message_cls: type[M], handler: Handler[M]) -> None:
        self._routes[message_cls.TYPE] = _Route(message_cls, handler=handler)

    def on_batch(self, message_cls: type[M], handler: BatchHandler[M]) -> None:
        """Apply messages of this type in batches: ``handler`` gets them in delivery
        order, in one unit of work that publishes on behalf of no single message. Types
        registered with the same handler reach it in one call (one lock order, one
        planning pass)."""
        self._routes[message_cls.TYPE] = _Route(message_cls, batch_handler=handler)
        if handler not in self._batch_handlers:
            self._batch_handlers.append(handler)

    @property
    def name(self) -> str:
        return self.queue.name

    async def __call__(self, body: dict[str, Any]) -> None:
        started = time.perf_counter()
        message_type = str(body.get("type"))
        try:
            outcome = await self._handle(body)
        except RejectMessage:
            outcome = "rejected"
            raise
        except BaseException:
            outcome = "failed"
            raise
        finally:
            known = message_type if message_type in self._routes else "unknown"
            MESSAGES.labels(self.queue.name, known, outcome).inc()
            MESSAGE_SECONDS.labels(self.queue.name).observe(time.perf_counter() - started)

    async def _handle(self, body: dict[str, Any]) -> str:
        """Apply one message; returns the outcome for the metrics."""
        route = self._routes.get(str(body.get("type")))
        if route is None:
            # The queue is bound only to types we handle; anything else is a newer
            # producer's addition and is ignored rather than dead-lettered.
            log.warning("ignoring message of unknown type", extra={"type": body.get("type")})
            return "ignored"
        try:
            envelope = Envelope[route.message_cls].model_validate(body)  # type: ignore[name-defined]
        except ValidationError as error:
            # No number of retries makes a malformed message valid: dead-letter it now.
            log.error("rejecting malformed message", extra={"errors": error.errors()})
            raise RejectMessage() from error
        if envelope.schema_version > route.message_cls.VERSION:
            log.error("rejecting message of unknown schema version")
            raise RejectMessage()
        if route.batch_handler is not None:
            return await self._in_batch(route, envelope)
        return await self._apply_one(route, envelope)

    async def _apply_one(self, route: _Route[Any], envelope: Envelope[Any]) -> str:
        context = MessageContext(
            correlation_id=envelope.correlation_id, causation_id=envelope.message_id
        )
        async with self._uow_factory(context) as uow:
            if not await uow.claim(envelope.message_id, self.queue.name, envelope.type):
                log.info(
                    "duplicate message skipped", extra={"message_id": str(envelope.message_id)}
                )
                return "duplicate"
            if route.batch_handler is not None:
                await route.batch_handler(uow, [envelope])
            else:
                assert route.handler is not None
                await route.handler(uow, envelope)
            await uow.commit()
        return "handled"

    async def close(self) -> None:
        """Stop applying batches (the runtime stops): what waits is not acked, and comes
        again."""
        if self._flusher is not None and not self._flusher.done():
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        for waiting in self._waiting:
            waiting.settle(error=asyncio.CancelledError())
        self._waiting.clear()

    # --- batches ---------------------------------------------------------------------

    async def _in_batch(self, route: _Route[Any], envelope: Envelope[Any]) -> str:
        waiting = _Waiting(route, envelope, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if len(self._waiting) >= self.batch_size:
            self._full.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name=f"{self.name} batches")
        return await waiting.done

    async def _flush(self) -> None:
        """Apply the waiting deliveries, a batch at a time, until none is left."""
        while self._waiting:
            if len(self._waiting) < self.batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.batch_wait_seconds)
            self._full.clear()
            batch = self._waiting[: self.batch_size]
            del self._waiting[: self.batch_size]
            try:
                await self._apply_batch(batch)
            except BaseException as error:  # cancelled at shutdown: nothing is acked
                for waiting in batch:
                    waiting.settle(error=error)
                raise

    async def _apply_batch(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await self._apply_together(batch)
        except Exception:
            log.warning(
                "batch failed; applying its messages one at a time",
                extra={"queue": self.name, "messages": len(batch)},
                exc_info=True,
            )
            for waiting in batch:
                try:
                    outcome = await self._apply_one(waiting.route, waiting.envelope)
                except Exception as error:
                    waiting.settle(error=error)
                else:
                    waiting.settle(outcome)
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.settle(outcome)

    async def _apply_together(self, batch: list[_Waiting]) -> list[str]:
        """One transaction: claim every message, hand the new ones to their handlers
        (one call per handler, in the order the handlers were registered, each getting
        its messages in delivery order: types registered with the same handler go to it
        together), commit; the outcome of each."""
        async with self._uow_factory(MessageContext()) as uow:
            claimed = await uow.claim_many(
                [(w.envelope.message_id, w.envelope.type) for w in batch], self.queue.name
            )
            outcomes: list[str] = []
            groups: dict[BatchHandler[Any], list[Envelope[Any]]] = {}
            for waiting in batch:
                message_id = waiting.envelope.message_id
                if message_id not in claimed:
                    outcomes.append("duplicate")
                    continue
                claimed.discard(message_id)  # the same message twice in one batch: once
                outcomes.append("handled")
                assert waiting.route.batch_handler is not None
                groups.setdefault(waiting.route.batch_handler, []).append(waiting.envelope)
            for handler in self._batch_handlers:
                if handler in groups:
                    await handler(uow, groups[handler])
            await uow.commit()
        return outcomes
