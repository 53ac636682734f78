"""Delivery's use cases: send one queued e-mail or SMS and record the result; and an
operator's choice for a message whose delivery may have gone out (resend, confirm sent).

A delivery locks its message row (a second copy of the command waits, then finds it
sent and skips it) and holds it while it sends. It never holds it while it waits: for
its rate limiter's token or for its retry backoff it ends the transaction first (the
row lock, the inbox mark and the database connection go back), so other senders and
other copies of the command go on meanwhile; after a token wait it takes the inbox mark
and the row again and checks the message is still queued.

Never sending twice: the attempt is recorded and committed when it begins (``preparing``)
and again just before the point of no return (``handing_over``: before SMTP DATA, before
the SMS provider's request; ``delivery.attempts``), and it ends with the message's
outcome, in one transaction. A delivery that holds the row and finds an attempt with no
outcome knows that attempt's delivery is gone: if it was still preparing, it handed
nothing over, so it is ended ``not_sent`` and the message is sent; if it was handing
over, it may have gone out: the message becomes ``unconfirmed`` and is not sent again
until an operator says so. When
the outcome is known but the database is away (the commit failed after the server took
the message), the sender keeps what it knows and retries the write while the database
comes back, holding no connection in between.

An unfinished attempt that this very process started is not a dead sender's: the kit's
consumer runs a handler again in process when the database fails under it, and a
redelivery may come back to the same process. What the process knows of its own
attempts (``delivery.ledger``) decides then: a known answer (sent, refused) is recorded
without sending again, an attempt it knows handed nothing over is ended ``not_sent``
and the message is sent, one still running here is left to its delivery, and only an
answer that is genuinely unknown (the connection dropped after DATA began) makes the
message unconfirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc

from aftersales_contracts.notifications import Channel, DeliverEmail, DeliverSms
from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.transient import Dependency, transient_cause
from aftersales_kit.uow import UnitOfWork
from notifications import visibility
from notifications.delivery import attempts
from notifications.delivery.attempts import Attempt, AttemptTaken
from notifications.delivery.domain import (
    AttemptOutcome,
    AttemptPhase,
    MailAttachment,
    NotUnconfirmed,
    PermanentDeliveryError,
    Resolution,
    SendingProfile,
    SmtpServer,
    TransientDeliveryError,
    UncertainDeliveryError,
    check_unconfirmed,
    compose_email,
    uncertain_reason,
)
from notifications.delivery.ledger import AttemptLedger, Known
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.pacing import TokenBucket, sms_retry_delay, smtp_retry_delay
from notifications.delivery.sms import SmsProvider
from notifications.delivery.smtp import EmailTransport, SmtpRateLimits
from notifications.org_settings import handlers as org_settings
from notifications.sending import handlers as sending
from notifications.sending import messages, outcomes
from notifications.sending.domain import Blocked, Failed, MessageStatus, SendEmail, SendSms
from notifications.sending.schemas import MessageOut
from notifications.settings import Settings
from notifications.templates import handlers as templates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboxMark:
    """The inbox mark the consumer took for the delivery at hand: ``aftersales_kit.inbox``
    claims it in the handler's transaction, so letting the transaction go lets the mark
    go too. Taking it again afterwards keeps a redelivered copy of the command from
    being applied twice (and makes the delivery visible to ``consumed``)."""

    message_id: uuid.UUID
    consumer: str
    message_type: str


def database_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the database could not be reached (a dropped or refused
    connection, a pool or network timeout, a server shutting down), as opposed to a
    statement that is wrong whatever the database's state (the kit's classifier too:
    a server still starting up answers with an error of its own)."""
    cause = transient_cause(error)
    if cause is not None and cause.dependency is Dependency.DATABASE:
        return True
    if isinstance(error, OSError | TimeoutError | sa_exc.TimeoutError):
        return True
    if isinstance(
        error,
        sa_exc.IntegrityError | sa_exc.DataError | sa_exc.ProgrammingError,
    ):
        return False
    return isinstance(error, sa_exc.DBAPIError)


async def _take_again(uow: UnitOfWork, mark: InboxMark | None) -> bool:
    """After the transaction was let go: take the inbox mark again; False when another
    copy of the command took it meanwhile (that one does the work)."""
    if mark is None:  # called directly, not by a consumer
        return True
    return await uow.claim(mark.message_id, mark.consumer, mark.message_type)


async def _let_go(uow: UnitOfWork) -> None:
    # A connection the database dropped may fail even to roll back; it is discarded.
    with contextlib.suppress(Exception):
        await uow.rollback()


async def _back_off(uow: UnitOfWork, error: TransientDeliveryError, seconds: float) -> None:
    """Let the transaction go and ask for a pause before the command goes back to the
    broker (``error.retry_in``).

    The broker redelivers a nacked message at once; without a pause a short outage would
    use up the delivery limit in milliseconds. Nothing was written: a rollback lets the
    row lock, the inbox mark and the connection go. The pause is the consumer's to wait
    (the kit's ``Returned``: in the delivery's own task), not this delivery's: a sender
    applies its deliveries two batches at a time, and a pause taken here would hold back
    half the sender's messages for minutes."""
    await _let_go(uow)
    error.retry_in = seconds


async def _wait_for_tokens(
    uow: UnitOfWork, bucket: TokenBucket, count: int, mark: InboxMark | None
) -> bool | None:
    """Take ``count`` tokens. None: none was missing (nothing was let go). Otherwise
    wait for them holding nothing of the database (the row lock, the inbox mark, a
    connection), then take the mark again: True, or False when another copy of the
    command took it meanwhile."""
    taken = 0
    while taken < count and bucket.try_acquire():
        taken += 1
    if taken == count:
        return None
    await uow.rollback()
    for _ in range(count - taken):
        await bucket.acquire()
    return await _take_again(uow, mark)


async def _queued(uow: UnitOfWork, message_id: uuid.UUID) -> dict[str, Any] | None:
    """The message, locked, while it still waits to be sent; None when it is unknown or
    was sent (or failed) by an earlier delivery of this command: never send twice."""
    row = await messages.load(uow, message_id, lock=True)
    if row is None:
        log.error("delivery for an unknown message", extra={"id": str(message_id)})
        return None
    if row["status"] != MessageStatus.QUEUED:
        log.info("message is not queued; skipped", extra={"id": str(row["id"])})
        return None
    return row


async def _deliverable(
    uow: UnitOfWork, message_id: uuid.UUID, ledger: AttemptLedger, *, now: datetime
) -> dict[str, Any] | None:
    """The message, locked, when it may be handed over now; None when it is not queued,
    or when an earlier attempt ended without an outcome after it began handing the
    message over: that one may have gone out, so the message becomes unconfirmed
    (committed) instead of being sent again. An earlier attempt that ended while still
    preparing handed nothing over: it is ended ``not_sent`` and the message is sent.
    An earlier attempt of this process goes by what the process knows (``_own``)."""
    row = await _queued(uow, message_id)
    if row is None:
        return None
    while True:
        gone = await attempts.unfinished(uow, row["id"])
        if gone is None:
            return row
        known = ledger.get(gone.id)
        if known is not None:
            if not await _own(uow, row, gone, known, ledger, now=now):
                return None
            continue
        if gone.phase is AttemptPhase.ANSWERED:
            await _answered(uow, row, gone, now=now)
            return None
        if gone.phase is AttemptPhase.HANDING_OVER:
            break
        # False: it recorded its hand-over just now (its sender lives on without the
        # row lock it lost); the next look finds it handing over.
        if await attempts.abandon(uow, gone, now=now):
            log.info(
                "an earlier delivery attempt ended before it handed anything over; sending",
                extra={"id": str(row["id"]), "attempt": gone.number},
            )
    detail = "its delivery ended before its outcome was recorded"
    await attempts.end(uow, gone.id, AttemptOutcome.UNCONFIRMED, detail=detail, now=now)
    await outcomes.record_unconfirmed(
        uow, row, uncertain_reason(gone.number, gone.started_at, detail), now=now
    )
    await uow.commit()
    log.warning(
        "an earlier delivery attempt may have sent this message; it is unconfirmed",
        extra={"id": str(row["id"]), "attempt": gone.number},
    )
    return None


async def _answered(
    uow: UnitOfWork, row: Mapping[str, Any], gone: Attempt, *, now: datetime
) -> None:
    """An attempt whose delivery is gone after the server's answer was recorded (a batch
    whose outcome commit never came): record that answer, committed; nothing is sent."""
    known = Known(
        outcome=gone.answer,
        handed_over=True,
        detail=gone.detail,
        accepted=gone.accepted,
        provider_ids=gone.provider_ids,  # an SMS's: the message keeps them
    )
    await write_known(uow, gone, known, now)(row)
    await uow.commit()
    log.info(
        "the recorded answer of an earlier attempt written; nothing sent again",
        extra={"id": str(row["id"]), "attempt": gone.number, "answer": str(gone.answer)},
    )


async def _own(
    uow: UnitOfWork,
    row: Mapping[str, Any],
    gone: Attempt,
    known: Known,
    ledger: AttemptLedger,
    *,
    now: datetime,
) -> bool:
    """An unfinished attempt this process started (its delivery failed to record the
    outcome, or still runs): True when it is out of the way and the message may be sent;
    False when this delivery is done with the message (the known outcome is recorded
    and committed, or the attempt's own delivery is still at it here)."""
    if known.running:
        # Its delivery lives on in this process without the row lock it lost (its
        # connection dropped): it records its own outcome; this one sends nothing.
        log.info(
            "an attempt of this process is still running; left to its delivery",
            extra={"id": str(row["id"]), "attempt": gone.number},
        )
        await _let_go(uow)
        return False
    if known.outcome is AttemptOutcome.NOT_SENT:
        # Handed nothing over (or was refused for now), whatever phase it got to record.
        detail = known.detail or "its delivery ended before it handed anything over"
        await attempts.drop(uow, gone, detail=detail, now=now)
        ledger.forget(gone.id)
        log.info(
            "an earlier attempt of this process handed nothing over; sending",
            extra={"id": str(row["id"]), "attempt": gone.number},
        )
        return True
    # Its answer is known here (sent, refused for good, or genuinely unknown): record it.
    await write_known(uow, gone, known, now)(row)
    await uow.commit()
    ledger.forget(gone.id)
    log.info(
        "the outcome of an earlier attempt of this process recorded; nothing sent again",
        extra={"id": str(row["id"]), "attempt": gone.number, "outcome": str(known.outcome)},
    )
    return False


async def _retrying(
    uow: UnitOfWork, settings: Settings, what: str, step: Callable[[], Awaitable[None]]
) -> None:
    """Run ``step`` until it succeeds while the database is unreachable, for at most
    ``delivery_outcome_retry_seconds``, holding no connection between tries."""
    deadline = time.monotonic() + settings.delivery_outcome_retry_seconds
    pause = 0.1
    while True:
        try:
            await step()
            return
        except Exception as error:
            if not database_unreachable(error) or time.monotonic() >= deadline:
                raise
            log.warning(
                "database unreachable while recording a delivery's %s; retrying",
                what,
                extra={"error": f"{type(error).__name__}: {error}"},
            )
        await _let_go(uow)
        await asyncio.sleep(pause)
        pause = min(pause * 2, 5.0)


Write = Callable[[Mapping[str, Any]], Awaitable[None]]


async def _finish(
    uow: UnitOfWork,
    row: Mapping[str, Any],
    attempt: Attempt,
    mark: InboxMark | None,
    settings: Settings,
    known: Known,
    ledger: AttemptLedger,
    *,
    now: datetime,
) -> None:
    """Record the known outcome of a hand-over (the message and its attempt) and commit.
    When the database went away meanwhile, take the row again once it is back and write
    it then: what the server answered is known only here. Another delivery may have
    found the attempt unfinished meanwhile and made the message unconfirmed: the known
    outcome replaces that. Should the database stay away past the retries, the error
    goes up with ``known`` kept in the ledger: the next delivery in this process (the
    kit's retry) records it instead of doubting it."""
    write = write_known(uow, attempt, known, now)
    tries = 0

    async def step() -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            await write(row)
            await uow.commit()
            return
        # Whether or not the mark is ours again, the outcome is ours to record.
        await _take_again(uow, mark)
        current = await messages.load(uow, attempt.message_id, lock=True)
        mine = await attempts.get(uow, attempt.id)
        if (
            current is None
            or mine is None
            or current["status"] not in (MessageStatus.QUEUED, MessageStatus.UNCONFIRMED)
            or mine.outcome not in (None, AttemptOutcome.UNCONFIRMED)
        ):
            # Recorded after all (the failed commit had gone through), or an operator
            # confirmed it: nothing left to write.
            await uow.commit()
            return
        await write(current)
        await uow.commit()

    await _retrying(uow, settings, "outcome", step)
    ledger.forget(attempt.id)


async def end_not_sent(
    uow: UnitOfWork,
    attempt: Attempt,
    detail: str,
    settings: Settings,
    ledger: AttemptLedger,
    *,
    now: datetime,
) -> None:
    """The attempt handed nothing over: say so (apart from the delivery's transaction,
    which goes back to the broker with its inbox mark), so the next one sends."""
    ledger.ended(attempt.id, AttemptOutcome.NOT_SENT, detail=detail)

    async def step() -> None:
        await attempts.end_apart(uow, attempt, AttemptOutcome.NOT_SENT, detail=detail, now=now)

    await _retrying(uow, settings, "failed attempt", step)
    ledger.forget(attempt.id)


def write_known(uow: UnitOfWork, attempt: Attempt, known: Known, now: datetime) -> Write:
    """The rows that say what the sender knows of ``attempt``'s end (not committed)."""

    async def write(current: Mapping[str, Any]) -> None:
        outcome = known.outcome or AttemptOutcome.UNCONFIRMED
        if outcome is AttemptOutcome.SENT:
            await attempts.end(uow, attempt.id, AttemptOutcome.SENT, now=now)
            await outcomes.record_sent(
                uow,
                current,
                attempt.channel,
                list(known.accepted),
                now=now,
                provider_message_ids=(
                    list(known.provider_ids) if attempt.channel is Channel.SMS else None
                ),
            )
        elif outcome is AttemptOutcome.FAILED:
            failed = Failed(known.detail or "refused", attempt.channel)
            await attempts.end(uow, attempt.id, outcome, detail=failed.reason, now=now)
            await outcomes.record(uow, current, failed, now=now)
        else:
            detail = known.detail or "no answer after the hand-over"
            await attempts.end(uow, attempt.id, AttemptOutcome.UNCONFIRMED, detail=detail, now=now)
            reason = uncertain_reason(attempt.number, attempt.started_at, detail)
            await outcomes.record_unconfirmed(uow, current, reason, now=now)

    return write


HandOver = Callable[[Attempt], Awaitable[None]]


def remembered(
    attempt: Attempt, ledger: AttemptLedger, hand_over: HandOver
) -> Callable[[], Awaitable[None]]:
    """The hand-over step (``hand_over``: ``attempts.hand_over`` of a single delivery, a
    batch's ``HandOvers.hand_over``) with the ledger told how it went: a hand-over that
    was not recorded (even one the database committed while its answer was lost) hands
    nothing over, and this process knows it."""

    async def handing_over() -> None:
        try:
            await hand_over(attempt)
        except BaseException:
            ledger.ended(
                attempt.id, AttemptOutcome.NOT_SENT, detail="its hand-over could not be recorded"
            )
            raise
        ledger.handed_over(attempt.id)

    return handing_over


def email_of(
    row: Mapping[str, Any],
    profile: SendingProfile,
    attachments: Sequence[MailAttachment],
    *,
    now: datetime,
) -> ComposedEmail:
    """A stored message's e-mail as its org unit sends it."""
    return compose_email(
        message_id=str(row["id"]),
        from_address=profile.from_address,
        to=row["recipients"],
        subject=row["subject"],
        body_html=row["body_html"],
        body_text=row["body_text"],
        footer=profile.footer,
        logo_url=profile.logo_url,
        attachments=attachments,
        date=now,
    )


async def deliver_email(
    cmd: DeliverEmail,
    uow: UnitOfWork,
    transport: EmailTransport,
    settings: Settings,
    *,
    now: datetime,
    limits: SmtpRateLimits | None = None,
    delivery: int = 1,
    mark: InboxMark | None = None,
    ledger: AttemptLedger | None = None,
) -> None:
    """Send one queued e-mail. A transient failure waits (exponential backoff on
    ``delivery``, the broker's delivery count) and raises, so the broker redelivers; a
    permanent one fails the message at once; an uncertain one (no answer after the data
    was sent) makes it unconfirmed. ``limits`` paces each SMTP server; ``ledger`` is
    what the sender process knows of its own attempts (without one, nothing)."""
    ledger = ledger if ledger is not None else AttemptLedger()
    row = await _deliverable(uow, cmd.message_id, ledger, now=now)
    if row is None:
        return
    try:
        profile = await org_settings.sending_profile(uow, row["org_unit_id"], settings)
    except org_settings.SecretsKeyMissing as error:
        # The operator's to fix (the key): retried, then parked in the dead-letter queue.
        log.error(
            "e-mail delivery needs the secrets key",
            extra={"id": str(row["id"]), "error": str(error)},
        )
        transient = TransientDeliveryError(str(error))
        await _back_off(uow, transient, smtp_retry_delay(delivery, settings))
        raise transient from error
    if isinstance(profile, Blocked):
        await outcomes.record(uow, row, profile, now=now)
        await uow.commit()
        return
    bucket = limits.of(profile.server, settings) if limits is not None else None
    if bucket is not None:
        waited = await _wait_for_tokens(uow, bucket, 1, mark)
        if waited is False:
            return
        if waited:
            # The row was let go while waiting: another copy of the command may have sent it.
            row = await _deliverable(uow, cmd.message_id, ledger, now=now)
            if row is None:
                return
    email = email_of(row, profile, await templates.email_attachments(uow, row["id"]), now=now)
    attempt = await attempts.begin(uow, row["id"], Channel.EMAIL, row["recipients"], now=now)
    ledger.started(attempt.id)
    try:
        await _email_attempt(
            uow,
            row,
            attempt,
            email,
            transport,
            profile.server,
            settings,
            ledger,
            now=now,
            delivery=delivery,
            mark=mark,
        )
    finally:
        # Whatever ended the delivery (an error, a cancellation), this process keeps
        # what is certain of its attempt for a delivery that finds it unfinished.
        ledger.settle(attempt.id)


async def _email_attempt(
    uow: UnitOfWork,
    row: Mapping[str, Any],
    attempt: Attempt,
    email: ComposedEmail,
    transport: EmailTransport,
    server: SmtpServer | None,
    settings: Settings,
    ledger: AttemptLedger,
    *,
    now: datetime,
    delivery: int,
    mark: InboxMark | None,
) -> None:
    handing_over = remembered(attempt, ledger, functools.partial(attempts.hand_over, uow))
    try:
        accepted = await transport.send(
            email, row["recipients"], server=server, handing_over=handing_over
        )
    except AttemptTaken:
        await _taken(uow, row)
        return
    except UncertainDeliveryError as error:
        log.warning(
            "e-mail handed over without an answer; unconfirmed",
            extra={"id": str(row["id"]), "error": str(error)},
        )
        known = ledger.ended(attempt.id, AttemptOutcome.UNCONFIRMED, detail=str(error))
        await _finish(uow, row, attempt, mark, settings, known, ledger, now=now)
        return
    except TransientDeliveryError as error:
        log.warning(
            "e-mail delivery failed; will be retried",
            extra={"id": str(row["id"]), "error": str(error), "delivery": delivery},
        )
        await end_not_sent(uow, attempt, str(error), settings, ledger, now=now)
        await _back_off(uow, error, smtp_retry_delay(delivery, settings))
        raise
    except PermanentDeliveryError as error:
        known = ledger.ended(attempt.id, AttemptOutcome.FAILED, detail=str(error))
        await _finish(uow, row, attempt, mark, settings, known, ledger, now=now)
        return
    known = ledger.ended(attempt.id, AttemptOutcome.SENT, accepted=accepted)
    await _finish(uow, row, attempt, mark, settings, known, ledger, now=now)


async def _taken(uow: UnitOfWork, row: Mapping[str, Any]) -> None:
    """This delivery lost its row lock mid-attempt (its database connection dropped) and
    another delivery ended the attempt and took the message over: it hands nothing over
    and lets go (the other one sends)."""
    log.warning(
        "another delivery took the message over before the hand-over; nothing sent here",
        extra={"id": str(row["id"])},
    )
    await _let_go(uow)


async def deliver_sms(
    cmd: DeliverSms,
    uow: UnitOfWork,
    provider: SmsProvider,
    limiter: TokenBucket,
    settings: Settings,
    *,
    now: datetime,
    delivery: int = 1,
    mark: InboxMark | None = None,
    ledger: AttemptLedger | None = None,
) -> None:
    """Send one queued SMS to each of its numbers. A transient failure waits (exponential
    backoff on ``delivery``, the broker's delivery count) and raises, so the broker
    redelivers; a permanent one fails the message at once. ``ledger``: as for e-mail."""
    ledger = ledger if ledger is not None else AttemptLedger()
    row = await _deliverable(uow, cmd.message_id, ledger, now=now)
    if row is None:
        return
    # Every number's token before the attempt begins: the row is never let go (and the
    # attempt never left unfinished to another copy) between two numbers.
    waited = await _wait_for_tokens(uow, limiter, len(row["recipients"]), mark)
    if waited is False:
        return
    if waited:
        row = await _deliverable(uow, cmd.message_id, ledger, now=now)
        if row is None:
            return
    attempt = await attempts.begin(uow, row["id"], Channel.SMS, row["recipients"], now=now)
    ledger.started(attempt.id)
    try:
        await _sms_attempt(
            uow, row, attempt, provider, settings, ledger, now=now, delivery=delivery, mark=mark
        )
    finally:
        ledger.settle(attempt.id)


async def _sms_attempt(
    uow: UnitOfWork,
    row: Mapping[str, Any],
    attempt: Attempt,
    provider: SmsProvider,
    settings: Settings,
    ledger: AttemptLedger,
    *,
    now: datetime,
    delivery: int,
    mark: InboxMark | None,
) -> None:
    # Once, before the first number's request: from there on any number may have been
    # taken (a retry or resend is kept from sending a number twice by ``reference``).
    try:
        await remembered(attempt, ledger, functools.partial(attempts.hand_over, uow))()
    except AttemptTaken:
        await _taken(uow, row)
        return
    # The org unit's own sender name, else the installation's (read before the first
    # request: one name for every number of the message).
    sender = await org_settings.sms_sender_name(uow, row["org_unit_id"], settings)
    try:
        provider_ids = await sms_to_every_number(provider, row, sender)
    except TransientDeliveryError as error:
        log.warning(
            "SMS delivery failed; will be retried",
            extra={"id": str(row["id"]), "error": str(error), "delivery": delivery},
        )
        await end_not_sent(uow, attempt, str(error), settings, ledger, now=now)
        await _back_off(uow, error, sms_retry_delay(delivery, settings))
        raise
    except PermanentDeliveryError as error:
        known = ledger.ended(attempt.id, AttemptOutcome.FAILED, detail=str(error))
        await _finish(uow, row, attempt, mark, settings, known, ledger, now=now)
        return
    known = ledger.ended(
        attempt.id, AttemptOutcome.SENT, accepted=row["recipients"], provider_ids=provider_ids
    )
    await _finish(uow, row, attempt, mark, settings, known, ledger, now=now)


async def sms_to_every_number(
    provider: SmsProvider, row: Mapping[str, Any], sender: str
) -> list[str]:
    """Hand a message's SMS to the provider for each of its numbers, in order (its
    attempt's hand-over is recorded before); the provider's ids. A transient failure
    says how many numbers were taken before it (the attempt's detail), a permanent one
    which number was refused (the message's reason); either stops at that number."""
    numbers: list[str] = row["recipients"]
    provider_ids: list[str] = []
    for number in numbers:
        try:
            provider_ids.append(
                await provider.send(
                    to=number,
                    sender=sender,
                    text=row["sms_text"],
                    # Per message and number: a provider that honours it never sends a
                    # number twice when a retry follows a partial success.
                    reference=f"{row['id']}:{number}",
                )
            )
        except TransientDeliveryError as error:
            taken = f"{len(provider_ids)} of {len(numbers)} numbers taken"
            raise TransientDeliveryError(f"{taken}: {error}") from error
        except PermanentDeliveryError as error:
            raise PermanentDeliveryError(f"{number}: {error}") from error
    return provider_ids


# --- an operator's choice for an unconfirmed message --------------------------------


class MessageNotFound(NotFound):
    pass


class MessageNotUnconfirmed(Conflict):
    pass


async def _unconfirmed_message(
    uow: UnitOfWork, message_id: uuid.UUID, visible: visibility.Visible
) -> dict[str, Any]:
    """The message, locked; 404 when it is not there or not the caller's to see, 409
    naming its status when it is not unconfirmed."""
    not_found = f"no message {message_id}"
    row = await messages.load(uow, message_id, lock=True)
    if row is None:
        raise MessageNotFound(not_found)
    visibility.require_seen(visible, row["org_unit_id"], not_found)
    try:
        check_unconfirmed(row["status"])
    except NotUnconfirmed as error:
        raise MessageNotUnconfirmed(
            str(error), field="status", message_status=error.status
        ) from error
    return row


async def resend(
    uow: UnitOfWork,
    message_id: uuid.UUID,
    *,
    by: str | None,
    now: datetime,
    visible: visibility.Visible = None,
) -> MessageOut:
    """An operator's explicit choice: send an unconfirmed message again (it is queued
    and its sender delivers it; the requester hears the outcome of that)."""
    row = await _unconfirmed_message(uow, message_id, visible)
    last = await attempts.latest(uow, row["id"])
    if last is not None:
        await attempts.resolve(uow, last.id, Resolution.RESEND, by=by)
    values = {"status": MessageStatus.QUEUED, "reason": None, "updated_at": now}
    await messages.change(uow, row["id"], values)
    to = tuple(row["recipients"])
    outcomes.emit(uow, row, SendSms(to=to) if row["channel"] == Channel.SMS else SendEmail(to=to))
    await uow.commit()
    log.warning("unconfirmed message resent by an operator", extra={"id": str(row["id"]), "by": by})
    return await sending.get_message(uow, row["id"])


async def confirm_sent(
    uow: UnitOfWork,
    message_id: uuid.UUID,
    *,
    by: str | None,
    now: datetime,
    visible: visibility.Visible = None,
) -> MessageOut:
    """An operator's word that an unconfirmed message did go out: it is sent (as of its
    last attempt) and the requester is told (MessageSent); nothing is sent."""
    row = await _unconfirmed_message(uow, message_id, visible)
    last = await attempts.latest(uow, row["id"])
    sent_to = list(last.recipients) if last is not None else list(row["recipients"])
    if last is not None:
        await attempts.end(uow, last.id, AttemptOutcome.SENT, detail=f"confirmed by {by}", now=now)
        await attempts.resolve(uow, last.id, Resolution.CONFIRMED_SENT, by=by)
    await outcomes.record_sent(
        uow,
        row,
        Channel(row["channel"]),
        sent_to,
        now=now,
        sent_at=last.started_at if last is not None else now,
    )
    await uow.commit()
    log.info("unconfirmed message confirmed sent", extra={"id": str(row["id"]), "by": by})
    return await sending.get_message(uow, row["id"])
