"""Delivery's batches, whatever the channel: the messages of several queued deliveries
sent in one transaction of a sender (``aftersales_kit.inbox``'s batched path). The
e-mail sender (``email_batches``) and the SMS sender (``sms_batches``) share this path
and say only how their messages are made ready, paced and handed over.

What one delivery costs in statements and commits (``handlers.deliver_email`` and
``deliver_sms``: its row locked, its earlier attempts read, its attempt begun and
committed, its outcome committed) is paid once for the batch here; what "never twice"
needs for each message is kept for each: its attempt is committed (``preparing``) before
anything of it reaches the server or provider, its hand-over (``handing_over``) is
committed before the point of no return (SMTP DATA, the provider's request for its
first number), and the answer (``answered``: sent or refused, to whom, the provider's
ids) is committed with the next message's hand-over (one statement) or when the batch
ends. The outcomes wait for the batch's one commit, but a crash before it leaves each
message where a crash of its own single delivery would (notifications' README, "never
twice"), but for the one answered just before the hand-over in flight: an answered
message is recorded by the next delivery, not doubted, so "maybe sent" stays about one
hand-over wide, not a batch's whole sending.

The batch path takes only the plain case. Anything a single delivery must reason about
(an earlier attempt without an outcome; a channel's own: the pacing's tokens not all
there, the secrets key missing) sends the batch one message at a time before anything
was done (``OneByOne``), where the single delivery decides. A failure of the batch's
own transaction after messages went out is the kit's to retry: the retry finds their
attempts unfinished and goes one by one, and the process's ledger records what it knows.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import Channel, DeliverEmail, DeliverSms
from aftersales_kit.inbox import Consumer, OneByOne, Returned
from aftersales_kit.uow import UnitOfWork
from notifications.delivery import attempts
from notifications.delivery.attempts import Attempt, HandOvers
from notifications.delivery.domain import AttemptOutcome, TransientDeliveryError
from notifications.delivery.handlers import end_not_sent, remembered, write_known
from notifications.delivery.ledger import AttemptLedger, Known
from notifications.sending import messages, outcomes
from notifications.sending.domain import MessageStatus
from notifications.settings import Settings

log = logging.getLogger(__name__)

# What a batch's commands are: each names the message it delivers.
Command = Envelope[DeliverEmail] | Envelope[DeliverSms]
# The step a channel calls right before its point of no return: records the hand-over
# (committed) and tells the ledger; raises when it could not be recorded.
HandingOver = Callable[[], Awaitable[None]]


@dataclass
class Sending:
    """One message of a batch on its way out; a channel's own kind adds what it sends."""

    row: dict[str, Any]
    attempt: Attempt | None = None
    known: Known | None = None  # how its attempt ended, as this process knows it


S = TypeVar("S", bound=Sending)
W = TypeVar("W")


@dataclass(frozen=True)
class Sender(Generic[W]):
    """What every batch of a sender process shares, made once at its wiring: its
    settings, what it knows of the attempts it started (``ledger``), the consumer applying
    its batches (which delivery of a command this is, and each message's own trace and
    correlation for what follows from it), and its channel's way out (``way``: the SMTP
    transport and pacing, the SMS provider and bucket)."""

    settings: Settings
    ledger: AttemptLedger
    consumer: Consumer
    way: W


class Batch(ABC, Generic[S, W]):
    """One batch of one channel's deliveries. ``deliver`` is the path every channel
    shares; a channel says how its queued messages are made ready (``prepared``), paced
    (``take_tokens``), handed over (``send``) and retried (``retry_delay``)."""

    channel: ClassVar[Channel]

    def __init__(
        self, commands: Sequence[Command], uow: UnitOfWork, sender: Sender[W], *, now: datetime
    ) -> None:
        self.uow = uow
        self.now = now
        self.settings = sender.settings
        self.ledger = sender.ledger
        self.consumer = sender.consumer
        self.way = sender.way
        self._by_message: dict[uuid.UUID, Command] = {}
        for envelope in commands:
            # Two commands for one message: the first sends it, the second finds it sent.
            self._by_message.setdefault(envelope.payload.message_id, envelope)

    # --- what a channel says ---------------------------------------------------------

    @abstractmethod
    async def prepared(self, queued: list[dict[str, Any]]) -> list[S]:
        """The queued messages ready to go, in the order given; one that may not go is
        recorded here (in ``uow``, ``serving`` it) and left out. Raises ``OneByOne`` for
        a case the batch does not reason about."""

    @abstractmethod
    def take_tokens(self, sending: Sequence[S]) -> None:
        """Every message's tokens from the channel's pacing, now, or ``OneByOne`` (each
        single delivery then waits for its own holding nothing)."""

    @abstractmethod
    async def send(self, s: S, handing_over: HandingOver) -> Known:
        """Hand one message over (calling ``handing_over`` right before the point of no
        return) and tell the ledger how it ended: sent, refused for good, or (no answer
        after the hand-over) unconfirmed. Raises ``TransientDeliveryError`` when it was
        not taken for now (its text says how far it got: the attempt's detail)."""

    @abstractmethod
    def retry_delay(self, delivery: int) -> float:
        """The pause before the ``delivery``-th delivery of a command goes back."""

    # --- the shared path ---------------------------------------------------------------

    def serving(self, row: dict[str, Any]) -> AbstractContextManager[None]:
        """The work of one message of the batch: what follows from it follows from its
        own command (correlation, causation, trace), not from the batch's first."""
        return self.consumer.serving(self.uow, self._by_message[row["id"]])

    async def deliver(self) -> dict[uuid.UUID, Returned]:
        """Send the batch's queued messages (their inbox marks taken in ``uow``) and write
        their outcomes in ``uow`` (the kit commits it). Returns the commands that failed
        for now: their attempts are ended ``not_sent`` apart and they go back to the
        broker after their backoff."""
        queued = await self._queued()
        if not queued:
            return {}
        earlier = await attempts.earlier_of(self.uow, [row["id"] for row in queued])
        if any(e.unfinished for e in earlier.values()):
            raise OneByOne("an earlier attempt of a message has no outcome")
        sending = await self.prepared(queued)
        if not sending:
            return {}
        self.take_tokens(sending)
        returned: dict[uuid.UUID, Returned] = {}
        started: list[Attempt] = []
        try:
            # One connection of the batch's own (autocommit) begins the attempts and
            # records each hand-over and answer.
            async with HandOvers(self.uow) as hand_overs:
                started = await hand_overs.begin_many(
                    [
                        (
                            s.row["id"],
                            s.row["recipients"],
                            earlier[s.row["id"]].last_number + 1 if s.row["id"] in earlier else 1,
                        )
                        for s in sending
                    ],
                    self.channel,
                    now=self.now,
                )
                for s, attempt in zip(sending, started, strict=True):
                    s.attempt = attempt
                    self.ledger.started(attempt.id)
                for s in sending:
                    error = await self._send_one(s, hand_overs)
                    if error is not None:
                        returned.update(await self._returned(s, error))
        finally:
            # Whatever stopped the batch, this process keeps what is certain of each attempt.
            for attempt in started:
                self.ledger.settle(attempt.id)
        await self._record(sending)
        return returned

    async def _queued(self) -> list[dict[str, Any]]:
        """The messages, locked in one statement, that still wait to be sent (as
        ``handlers._queued`` says of one)."""
        message_ids = list(self._by_message)
        rows = await messages.load_many(self.uow, message_ids)
        found = {row["id"] for row in rows}
        for missing in (m for m in message_ids if m not in found):
            log.error("delivery for an unknown message", extra={"id": str(missing)})
        for row in rows:
            if row["status"] != MessageStatus.QUEUED:
                log.info("message is not queued; skipped", extra={"id": str(row["id"])})
        return [row for row in rows if row["status"] == MessageStatus.QUEUED]

    async def _send_one(self, s: S, hand_overs: HandOvers) -> TransientDeliveryError | None:
        """Hand one message over; the ledger learns how it went. The failure that sends
        its command back (transient), if any; anything else raised stops the batch."""
        attempt = s.attempt
        assert attempt is not None
        try:
            s.known = await self.send(s, remembered(attempt, self.ledger, hand_overs.hand_over))
        except TransientDeliveryError as error:
            log.warning(
                "delivery failed; will be retried",
                extra={"id": str(s.row["id"]), "channel": self.channel.value, "error": str(error)},
            )
            return error
        if s.known.outcome in (AttemptOutcome.SENT, AttemptOutcome.FAILED):
            # The outcome is committed with the whole batch's; the answer with the next
            # hand-over, so a sender that dies before the batch's commit leaves this
            # message recorded by the next delivery, not unconfirmed (the window "never
            # twice" leaves open stays a hand-over and the answer before it wide).
            hand_overs.answered(
                attempt,
                s.known.outcome,
                accepted=s.known.accepted,
                provider_ids=s.known.provider_ids,
                detail=s.known.detail,
            )
        return None

    async def _returned(self, s: S, error: TransientDeliveryError) -> dict[uuid.UUID, Returned]:
        """A message not taken for now: its attempt ended ``not_sent`` apart (the batch's
        transaction lets its inbox mark go), its command back to the broker after the
        backoff its delivery count earns, as its single delivery would."""
        assert s.attempt is not None
        await end_not_sent(
            self.uow, s.attempt, str(error), self.settings, self.ledger, now=self.now
        )
        command = self._by_message[s.row["id"]]
        delay = self.retry_delay(self.consumer.delivery_count(command.message_id))
        return {command.message_id: Returned(error, delay=delay)}

    async def _record(self, sending: Sequence[S]) -> None:
        """Every known outcome in ``uow``: the sent ones in one statement per table; the
        ledger forgets them once the kit's commit holds them."""
        sent: list[tuple[Attempt, dict[str, Any], Known]] = []
        recorded: list[uuid.UUID] = []
        for s in sending:
            if s.attempt is None or s.known is None:
                continue  # returned for now: its attempt is ended apart
            recorded.append(s.attempt.id)
            if s.known.outcome is AttemptOutcome.SENT:
                sent.append((s.attempt, s.row, s.known))
                continue
            with self.serving(s.row):
                await write_known(self.uow, s.attempt, s.known, self.now)(s.row)
        if sent:
            await attempts.end_many(
                self.uow, [(a.id, AttemptOutcome.SENT, None) for a, _, _ in sent], now=self.now
            )
            await outcomes.record_many_sent(
                self.uow,
                [(row, list(k.accepted), self._provider_ids(k)) for _, row, k in sent],
                now=self.now,
            )
            for _, row, known in sent:
                with self.serving(row):
                    outcomes.announce_sent(self.uow, row, self.channel, list(known.accepted))

        def forget() -> None:
            for attempt_id in recorded:
                self.ledger.forget(attempt_id)

        self.uow.after_commit(forget)

    def _provider_ids(self, known: Known) -> list[str] | None:
        # As ``write_known``: an SMS keeps its provider's ids; an e-mail has none.
        return list(known.provider_ids) if self.channel is Channel.SMS else None
