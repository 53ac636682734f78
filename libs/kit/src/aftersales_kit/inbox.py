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
time, so a poison message fails (and is redelivered, then dead-lettered) alone. A set
event (one message for many entities, as a bulk import publishes) weighs what it
carries: a batch holds at most ``batch_size`` entities' worth, and a set at least as big
is applied alone. A set that fails alone goes back to its queue as its halves, new
messages with ids derived from its own (a redelivered set splits into the same ones,
which the inbox then knows), and is acked: halved again as long as it fails, the entity
it fails on ends in a set of one, dead-lettered alone. A batch handler may leave some
of its messages unapplied (``Returned``: their inbox marks are let go with the batch's
commit and each goes back to the broker after its pause, as a failed single message
would), and may ask for the batch to be applied one message at a time before it did
anything (``OneByOne``). A consumer whose batches wait on the world rather than the CPU
(a sender's SMTP exchanges) may apply up to ``concurrent_batches`` at once, as that many
replicas would.

Three kinds of failure, three ways (``aftersales_kit.transient`` tells them apart):

- the infrastructure's (the database away, a connection reset, the pool empty): the
  delivery is kept, every consumer of the process waits at the runtime's database gate
  (readiness false) and the message is retried in process with backoff. No delivery of
  its limit is spent; after ``max_hold_seconds`` (below the broker's consumer timeout)
  it goes to the back of its queue as a new message.
- the message's form (not JSON, no or an unknown type, an invalid envelope, a newer
  schema version): no retry can help, so it is published to the dead-letter queue at
  once with the reason (``dead_letters.publish_dead_letter``), then acked. Logged once,
  at ERROR, without a traceback.
- the handler's (anything else): nacked; the broker redelivers up to the queue's
  delivery limit, then dead-letters it (reason ``delivery_limit``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aio_pika.abc import AbstractIncomingMessage
from faststream.exceptions import NackMessage, RejectMessage
from opentelemetry import context as otel_context
from pydantic import ValidationError

from aftersales_contracts.envelope import Envelope, Message, envelope_of
from aftersales_contracts.topology import QueueSpec
from aftersales_kit.dead_letters import Reason
from aftersales_kit.metrics import (
    BATCH_MESSAGES,
    DEAD_LETTERED,
    MESSAGE_SECONDS,
    MESSAGES,
    TRANSIENT_RETRIES,
)
from aftersales_kit.transient import Backoff, DatabaseGate, GateStopped, transient_cause
from aftersales_kit.uow import MessageContext, UnitOfWork

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
Handler = Callable[[UnitOfWork, Envelope[M]], Awaitable[None]]
# A batch handler returns the messages it left unapplied, if any (``Returned``).
BatchHandler = Callable[
    [UnitOfWork, list[Envelope[M]]], Awaitable["Mapping[uuid.UUID, Returned] | None"]
]
UnitOfWorkFactory = Callable[[MessageContext], UnitOfWork]
# Publishes a delivery to its dead-letter queue with a reason and a short error text,
# confirmed (``dead_letters.publish_dead_letter`` bound to a broker and a queue).
DeadLetterPublisher = Callable[[AbstractIncomingMessage, Reason, str], Awaitable[None]]
# Puts a delivery back at the end of its queue as a new message (``dead_letters.requeue``).
Requeuer = Callable[[AbstractIncomingMessage], Awaitable[None]]
# Puts a set's parts at the end of its queue, confirmed (``dead_letters.requeue_parts``).
PartsRequeuer = Callable[[list[Envelope[Any]]], Awaitable[None]]

T = TypeVar("T")


class Unprocessable(Exception):
    """A message no number of retries can apply: dead-lettered at once, with why."""

    def __init__(self, reason: Reason, error: str) -> None:
        super().__init__(f"{reason.value}: {error}")
        self.reason = reason
        self.error = error


class HeldTooLong(Exception):
    """A delivery waited out an outage for ``max_hold_seconds``: it must go back to the
    broker before the broker's consumer timeout closes the channel."""


class Returned(Exception):
    """A batch handler's word on one of its messages that it did not apply (its handling
    failed for a reason of its own, after the others' work was done): the message's inbox
    mark is let go with the batch's commit, and the delivery goes back to the broker
    (nacked: redelivered up to the queue's delivery limit) after ``delay`` seconds,
    holding nothing of the database meanwhile."""

    def __init__(self, error: BaseException, *, delay: float = 0.0) -> None:
        super().__init__(str(error))
        self.error = error
        self.delay = delay


class OneByOne(Exception):
    """Raised by a batch handler before it did anything that outlives its transaction:
    this batch is applied one message at a time instead (the handler gets each alone),
    quietly: a case the handler keeps to its one-message path, not a failure."""


def _envelope_error(error: ValidationError) -> str:
    """The validation errors in one short line: where and what, no input echoed."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()[:5]
    ]
    return "; ".join(parts)


class _Route(Generic[M]):
    def __init__(
        self,
        message_cls: type[M],
        handler: Handler[M] | None = None,
        batch_handler: BatchHandler[M] | None = None,
        entities: str | None = None,
    ) -> None:
        self.message_cls = message_cls
        self.handler = handler
        self.batch_handler = batch_handler
        # A set message's list of entities, by field name: what it weighs, where it splits.
        self.entities = entities

    def weight(self, payload: M) -> int:
        """What one message counts for against a batch's size (a set: its entities)."""
        return 1 if self.entities is None else max(1, len(getattr(payload, self.entities)))

    def halves(self, payload: M) -> list[M]:
        """A set message in two, each half the same message with half its entities."""
        assert self.entities is not None
        entities = getattr(payload, self.entities)
        middle = len(entities) // 2
        return [
            payload.model_copy(update={self.entities: entities[:middle]}),
            payload.model_copy(update={self.entities: entities[middle:]}),
        ]


@dataclass
class _Waiting:
    """A delivery waiting for its batch: acked when ``done`` resolves."""

    route: _Route[Any]
    envelope: Envelope[Any]
    done: asyncio.Future[str]
    weight: int = 1
    delivery: int = 1  # which delivery of the message this is (1 the first)
    # Its trace (the span the broker's instrumentation opened for the delivery).
    trace: otel_context.Context | None = None

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
        concurrent_batches: int = 1,
        backoff: Backoff | None = None,
        max_hold_seconds: float = 20 * 60.0,
    ) -> None:
        self.queue = queue
        self._uow_factory = uow_factory
        # Transient failures: retried after a backoff, the delivery held for at most
        # this long (RabbitMQ closes a channel whose delivery stays unacknowledged past
        # its consumer timeout, 30 minutes by default).
        self.backoff = backoff or Backoff()
        self.max_hold_seconds = max_hold_seconds
        # Attached by the runtime (``attach``); a consumer used alone waits at no gate,
        # and rejects what it cannot parse (the broker dead-letters it as "rejected").
        self._gate: DatabaseGate | None = None
        self._dead_letter: DeadLetterPublisher | None = None
        self._requeue: Requeuer | None = None
        self._requeue_parts: PartsRequeuer | None = None
        self._routes: dict[str, _Route[Any]] = {}
        # Batching (``on_batch``): at most this many messages per transaction, gathered
        # for at most this long after the first; more than the prefetch never comes.
        self.batch_size = batch_size
        self.batch_wait_seconds = batch_wait_seconds
        # A second batch starts while the first is applied only when this allows it,
        # each in its own transaction, as another replica's would (the prefetch must
        # hold that many batches for it to fill).
        if concurrent_batches < 1:
            raise ValueError("a consumer applies at least one batch at a time")
        self.concurrent_batches = concurrent_batches
        self._waiting: list[_Waiting] = []
        self._applying: list[list[_Waiting]] = []  # the batches being applied
        self._full = asyncio.Event()
        self._flushers: set[asyncio.Task[None]] = set()
        self._gathering = 0  # flushers gathering a batch (not applying one)
        # Batch handlers run in the order they were registered, in every batch: one
        # order of row and lock taking across replicas.
        self._batch_handlers: list[BatchHandler[Any]] = []

    def on(self, message_cls: type[M], handler: Handler[M]) -> None:
        self._routes[message_cls.TYPE] = _Route(message_cls, handler=handler)

    def on_batch(
        self,
        message_cls: type[M],
        handler: BatchHandler[M],
        *,
        entities: str | None = None,
    ) -> None:
        """Apply messages of this type in batches: ``handler`` gets them in delivery
        order, in one unit of work that publishes on behalf of no single message. Types
        registered with the same handler reach it in one call (one lock order, one
        planning pass). A set message names its list field of ``entities``: it counts
        as that many against the batch's size, and one that failed alone comes back as
        its halves, each applied as its own message."""
        self._routes[message_cls.TYPE] = _Route(
            message_cls, batch_handler=handler, entities=entities
        )
        if handler not in self._batch_handlers:
            self._batch_handlers.append(handler)

    @property
    def name(self) -> str:
        return self.queue.name

    @property
    def message_types(self) -> frozenset[str]:
        return frozenset(self._routes)

    def attach(
        self,
        *,
        gate: DatabaseGate | None = None,
        dead_letter: DeadLetterPublisher | None = None,
        requeue: Requeuer | None = None,
        requeue_parts: PartsRequeuer | None = None,
    ) -> None:
        """Wire the consumer into a runtime: the database gate its consumers share, and
        how to publish a dead letter, a requeued delivery or a set's parts on its
        broker."""
        self._gate = gate
        self._dead_letter = dead_letter
        self._requeue = requeue
        self._requeue_parts = requeue_parts

    async def receive(self, message: AbstractIncomingMessage) -> None:
        """The runtime's entry: one delivery, its body as the broker holds it.

        Returning acks the delivery; raising nacks it (the broker redelivers it, up to
        the delivery limit)."""
        started = time.perf_counter()
        message_type = "unknown"
        try:
            try:
                body = _parse(message.body)
                message_type = self._known_type(body)
                outcome = await self._handle(body, _delivery_count(message))
            except Unprocessable as unprocessable:
                if self._dead_letter is None:
                    raise
                await self._dead_letter(message, unprocessable.reason, unprocessable.error)
                outcome = "dead_lettered"
                self._log_dead_lettered(unprocessable, message.message_id)
            except GateStopped as stopped:
                # The runtime stops while the delivery waits out an outage: back to the
                # broker, quietly (not a failure of the message, no traceback).
                self._count(message_type, "returned", started)
                raise NackMessage(requeue=True) from stopped
            except HeldTooLong:
                if self._requeue is None:
                    raise
                await self._requeue(message)
                log.warning(
                    "delivery held through an outage for too long; requeued",
                    extra={"queue": self.name, "message_id": message.message_id},
                )
                outcome = "requeued"
        except NackMessage:
            raise
        except BaseException as error:
            self._count(message_type, _failure_outcome(error), started)
            if isinstance(error, Unprocessable):
                self._log_dead_lettered(error, message.message_id)
                raise RejectMessage() from error
            raise
        self._count(message_type, outcome, started)

    async def __call__(self, body: dict[str, Any]) -> None:
        """One delivery, its body already decoded (FastStream's in-memory broker, tests).

        What cannot be applied is rejected: the broker dead-letters it ("rejected")."""
        started = time.perf_counter()
        message_type = self._known_type(body)
        try:
            outcome = await self._handle(body)
        except Unprocessable as unprocessable:
            self._count(message_type, "rejected", started)
            self._log_dead_lettered(unprocessable, body.get("message_id"))
            raise RejectMessage() from unprocessable
        except BaseException as error:
            self._count(message_type, _failure_outcome(error), started)
            raise
        self._count(message_type, outcome, started)

    def _known_type(self, body: Any) -> str:
        message_type = body.get("type") if isinstance(body, dict) else None
        # A bounded label: only the types this consumer handles, else "unknown".
        return message_type if message_type in self._routes else "unknown"

    def _count(self, message_type: str, outcome: str, started: float) -> None:
        MESSAGES.labels(self.queue.name, message_type, outcome).inc()
        MESSAGE_SECONDS.labels(self.queue.name).observe(time.perf_counter() - started)

    def _log_dead_lettered(self, unprocessable: Unprocessable, message_id: Any) -> None:
        DEAD_LETTERED.labels(self.queue.name, unprocessable.reason.value).inc()
        # Once, at ERROR, without a traceback: the reason says it all, and the message
        # itself waits in the dead-letter queue (aftersales-dlq show).
        log.error(
            "message dead-lettered at once: %s",
            unprocessable.reason.value,
            extra={
                "queue": self.name,
                "message_id": str(message_id) if message_id is not None else None,
                "reason": unprocessable.reason.value,
                "error": unprocessable.error,
            },
        )

    async def _handle(self, body: Any, delivery: int = 1) -> str:
        """Apply one message; returns the outcome for the metrics."""
        route, envelope = self._envelope(body)
        if route.batch_handler is not None:
            return await self._in_batch(route, envelope, delivery)
        return await self._with_retries(lambda: self._apply_one(route, envelope))

    def _envelope(self, body: Any) -> tuple[_Route[Any], Envelope[Any]]:
        """The route and the validated envelope of a body, or ``Unprocessable``."""
        if not isinstance(body, dict):
            raise Unprocessable(Reason.INVALID_ENVELOPE, "the body is not a JSON object")
        message_type = body.get("type")
        if message_type is None:
            raise Unprocessable(Reason.UNKNOWN_TYPE, "the envelope has no type")
        route = self._routes.get(str(message_type))
        if route is None:
            # The queue is bound only to the types its consumer handles: anything else
            # was published to it by mistake, and acking it would lose it unseen.
            raise Unprocessable(
                Reason.UNKNOWN_TYPE, f"no handler for type {str(message_type)[:100]!r}"
            )
        try:
            envelope = envelope_of(route.message_cls).model_validate(body)
        except ValidationError as error:
            # No number of retries makes a malformed message valid.
            raise Unprocessable(Reason.INVALID_ENVELOPE, _envelope_error(error)) from error
        if envelope.schema_version > route.message_cls.VERSION:
            raise Unprocessable(
                Reason.UNSUPPORTED_SCHEMA_VERSION,
                f"schema version {envelope.schema_version} of {route.message_cls.TYPE};"
                f" this consumer reads up to {route.message_cls.VERSION}",
            )
        return route, envelope

    async def _with_retries(self, apply: Callable[[], Awaitable[T]]) -> T:
        """``apply()``, waited out and retried while it fails for a transient reason.

        The delivery stays with us meanwhile (not nacked: a nack is redelivered at once
        and spends the delivery limit in a second or two). A failure of the database
        closes the runtime's gate, which every consumer waits at; a probe opens it."""
        held_since = time.monotonic()
        attempt = 0
        while True:
            await self._wait_at_gate(held_since)
            try:
                return await apply()
            except Exception as error:
                cause = transient_cause(error)
                if cause is None:
                    raise
                attempt += 1
                TRANSIENT_RETRIES.labels(self.name, cause.dependency.value).inc()
                if self._gate is not None and cause.closes_database_gate:
                    self._gate.close(cause)
                delay = self.backoff.delay(attempt)
                if time.monotonic() + delay - held_since > self.max_hold_seconds:
                    raise HeldTooLong() from error
                log.info(
                    "transient failure; retrying",
                    extra={
                        "queue": self.name,
                        "attempt": attempt,
                        "error": cause.detail,
                        "delay": round(delay, 3),
                    },
                )
                await asyncio.sleep(delay)

    async def _wait_at_gate(self, held_since: float) -> None:
        if self._gate is None or self._gate.is_open:
            return
        remaining = self.max_hold_seconds - (time.monotonic() - held_since)
        try:
            await asyncio.wait_for(self._gate.wait_open(), max(remaining, 0.0))
        except TimeoutError as error:
            raise HeldTooLong() from error

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
                returned = await route.batch_handler(uow, [envelope])
                if returned and envelope.message_id in returned:
                    raise returned[envelope.message_id]  # rolled back: the mark is let go
            else:
                assert route.handler is not None
                await route.handler(uow, envelope)
            await uow.commit()
        return "handled"

    async def close(self) -> None:
        """Stop applying batches (the runtime stops): what waits is not acked, and comes
        again."""
        for flusher in list(self._flushers):
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
        for waiting in self._waiting:
            waiting.settle(error=asyncio.CancelledError())
        self._waiting.clear()

    # --- batches ---------------------------------------------------------------------

    def _applied(self, message_id: uuid.UUID) -> _Waiting | None:
        for batch in self._applying:
            for waiting in batch:
                if waiting.envelope.message_id == message_id:
                    return waiting
        return None

    def delivery_count(self, message_id: uuid.UUID) -> int:
        """Which delivery of a message of the batch at hand this is (1 the first; a
        quorum queue counts redeliveries): for a batch handler's backoff."""
        waiting = self._applied(message_id)
        return waiting.delivery if waiting is not None else 1

    @contextlib.contextmanager
    def serving(self, uow: UnitOfWork, envelope: Envelope[Any]) -> Iterator[None]:
        """Inside a batch handler, the work of one of its messages: what is published
        follows from it (``UnitOfWork.on_behalf_of``) and the current trace is its
        delivery's (a trace id stored or logged names that message's trace, not the
        batch's first)."""
        waiting = self._applied(envelope.message_id)
        token = (
            otel_context.attach(waiting.trace)
            if waiting is not None and waiting.trace is not None
            else None
        )
        try:
            with uow.on_behalf_of(envelope):
                yield
        finally:
            if token is not None:
                otel_context.detach(token)

    async def _in_batch(self, route: _Route[Any], envelope: Envelope[Any], delivery: int) -> str:
        weight = route.weight(envelope.payload)
        waiting = _Waiting(
            route,
            envelope,
            asyncio.get_running_loop().create_future(),
            weight,
            delivery,
            otel_context.get_current(),
        )
        self._waiting.append(waiting)
        if self._waiting_weight() >= self.batch_size:
            self._full.set()
        # A flusher that has just returned is done before its done-callback drops it.
        running = sum(1 for flusher in self._flushers if not flusher.done())
        if self._gathering == 0 and running < self.concurrent_batches:
            flusher = asyncio.create_task(self._flush(), name=f"{self.name} batches")
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)
        try:
            return await waiting.done
        except Returned as returned:
            # Its own pause before the broker has it again (the batch has moved on).
            await asyncio.sleep(returned.delay)
            raise

    async def _flush(self) -> None:
        """Apply the waiting deliveries, a batch at a time, until none is left."""
        while self._waiting:
            if self._waiting_weight() < self.batch_size:
                self._gathering += 1
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._full.wait(), self.batch_wait_seconds)
                finally:
                    self._gathering -= 1
            self._full.clear()
            if not self._waiting:
                return  # another flusher took them meanwhile
            batch = self._next_batch()
            self._applying.append(batch)
            try:
                await self._apply_batch(batch)
            except BaseException as error:  # cancelled at shutdown: nothing is acked
                for waiting in batch:
                    waiting.settle(error=error)
                raise
            finally:
                self._applying = [b for b in self._applying if b is not batch]

    def _waiting_weight(self) -> int:
        return sum(w.weight for w in self._waiting)  # at most the prefetch's deliveries

    def _next_batch(self) -> list[_Waiting]:
        """The waiting deliveries from the front, up to ``batch_size`` in weight (the
        first one whatever it weighs)."""
        count = taken = 0
        for waiting in self._waiting:
            if count and taken + waiting.weight > self.batch_size:
                break
            count += 1
            taken += waiting.weight
        batch = self._waiting[:count]
        del self._waiting[:count]
        return batch

    async def _apply_batch(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await self._with_retries(lambda: self._apply_together(batch))
        except (HeldTooLong, GateStopped) as error:
            for waiting in batch:
                waiting.settle(error=error)
            return
        except OneByOne as reason:
            log.info(
                "batch applied one message at a time",
                extra={"queue": self.name, "messages": len(batch), "reason": str(reason)},
            )
            await self._apply_singly(batch)
            return
        except Exception:
            log.warning(
                "batch failed; applying its messages one at a time",
                extra={"queue": self.name, "messages": len(batch)},
                exc_info=True,
            )
            await self._apply_singly(batch)
            return
        BATCH_MESSAGES.labels(self.queue.name).observe(len(batch))
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Returned):
                waiting.settle(error=outcome)
            else:
                waiting.settle(outcome)

    async def _apply_singly(self, batch: list[_Waiting]) -> None:
        for waiting in batch:
            try:
                outcome = await self._with_retries(
                    functools.partial(self._apply_one, waiting.route, waiting.envelope)
                )
            except Exception as error:
                if await self._split(waiting, error):
                    waiting.settle("split")
                else:
                    waiting.settle(error=error)
            else:
                waiting.settle(outcome)

    async def _split(self, waiting: _Waiting, error: Exception) -> bool:
        """Put a set that failed alone back on its queue as its parts (True), when its
        route can split it and the failure was its handler's: not an outage held too
        long, a stop, or a message its handler returned or asked to go alone on purpose
        (redelivered as it is, as any message would be)."""
        if (
            waiting.route.entities is None
            or self._requeue_parts is None
            or waiting.weight < 2
            or isinstance(error, HeldTooLong | GateStopped | Returned | OneByOne)
        ):
            return False
        envelope = waiting.envelope
        parts = [
            envelope.model_copy(
                update={
                    # The same parts again for a redelivered set: the inbox knows them.
                    "message_id": uuid.uuid5(envelope.message_id, f"part-{index}"),
                    "causation_id": envelope.message_id,
                    "payload": part,
                }
            )
            for index, part in enumerate(waiting.route.halves(envelope.payload))
        ]
        try:
            await self._requeue_parts(parts)
        except Exception:
            log.warning(
                "a set that failed could not be put back as its parts",
                extra={"queue": self.name, "message_id": str(envelope.message_id)},
                exc_info=True,
            )
            return False
        log.warning(
            "a set failed alone; put back as its parts",
            extra={
                "queue": self.name,
                "message_id": str(envelope.message_id),
                "entities": waiting.weight,
                "parts": len(parts),
                "error": str(error)[:200],
            },
        )
        return True

    async def _apply_together(self, batch: list[_Waiting]) -> list[str | Returned]:
        """One transaction: claim every message, hand the new ones to their handlers
        (one call per handler, in the order the handlers were registered, each getting
        its messages in delivery order: types registered with the same handler go to it
        together), let go the marks of those a handler returned, commit; the outcome of
        each (a ``Returned`` for those)."""
        async with self._uow_factory(MessageContext()) as uow:
            claimed = await uow.claim_many(
                [(w.envelope.message_id, w.envelope.type) for w in batch], self.queue.name
            )
            outcomes: list[str | Returned] = []
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
            returned: dict[uuid.UUID, Returned] = {}
            for handler in self._batch_handlers:
                if handler in groups:
                    returned.update(await handler(uow, groups[handler]) or {})
            if returned:
                await uow.release_many(list(returned), self.queue.name)
            await uow.commit()
        for index, waiting in enumerate(batch):
            if outcomes[index] == "handled" and waiting.envelope.message_id in returned:
                outcomes[index] = returned[waiting.envelope.message_id]
        return outcomes


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """Which delivery of ``message`` this is (1 the first): a quorum queue counts
    redeliveries in the ``x-delivery-count`` header."""
    try:
        return int((message.headers or {}).get("x-delivery-count", 0)) + 1  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unprocessable(Reason.UNPARSEABLE, f"not JSON: {error}"[:200]) from error


def _failure_outcome(error: BaseException) -> str:
    if isinstance(error, RejectMessage | Unprocessable):
        return "rejected"
    return "failed"
