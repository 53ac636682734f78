"""Delivery's batch use case: the e-mails of several queued deliveries sent in one
transaction of the sender (``aftersales_kit.inbox``'s batched path).

What one delivery costs in statements and commits (``handlers.deliver_email``: its row
locked, its earlier attempts read, its attempt begun and committed, its outcome
committed) is paid once for the batch here; what "never twice" needs for each message
is kept for each: its attempt is committed (``preparing``) before anything of it reaches
the server, its hand-over (``handing_over``) is committed before its DATA, and the
server's answer (``answered``: sent or refused) is committed the moment it is in, one
message at a time. The outcomes wait for the batch's one commit, but a crash before it
leaves each message where a crash of its own single delivery would (notifications'
README, "never twice"): an answered message is recorded by the next delivery, not
doubted, so "maybe sent" stays one DATA exchange wide, not a batch's whole sending.

The batch path takes only the plain case. Anything a single delivery must reason about
(an earlier attempt without an outcome, the pacing's tokens not all there, the secrets
key missing) sends the batch one message at a time before anything was done
(``OneByOne``), where ``handlers.deliver_email`` decides. A failure of the batch's own
transaction after messages went out is the kit's to retry: the retry finds their
attempts unfinished and goes one by one, and the process's ledger records what it knows.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import Channel, DeliverEmail
from aftersales_kit.inbox import Consumer, OneByOne, Returned
from aftersales_kit.uow import UnitOfWork
from notifications.delivery import attempts
from notifications.delivery.attempts import Attempt, HandOvers
from notifications.delivery.domain import (
    AttemptOutcome,
    PermanentDeliveryError,
    SendingProfile,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from notifications.delivery.handlers import email_of, end_not_sent, write_known
from notifications.delivery.ledger import AttemptLedger, Known
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.pacing import smtp_retry_delay
from notifications.delivery.smtp import EmailTransport, SmtpRateLimits
from notifications.org_settings import handlers as org_settings
from notifications.sending import messages, outcomes
from notifications.sending.domain import Blocked, MessageStatus
from notifications.settings import Settings
from notifications.templates import handlers as templates

log = logging.getLogger(__name__)


@dataclass
class _Sending:
    """One message of the batch on its way out."""

    row: dict[str, Any]
    profile: SendingProfile
    email: ComposedEmail
    attempt: Attempt | None = None
    known: Known | None = None  # how its attempt ended, as this process knows it


async def deliver_emails(
    commands: Sequence[Envelope[DeliverEmail]],
    uow: UnitOfWork,
    transport: EmailTransport,
    settings: Settings,
    *,
    now: datetime,
    limits: SmtpRateLimits | None,
    ledger: AttemptLedger,
    consumer: Consumer,
) -> dict[uuid.UUID, Returned]:
    """Send the queued e-mails of ``commands`` (envelopes of one batch, their inbox marks
    taken in ``uow``); write their outcomes in ``uow`` (the kit commits it). Returns the
    commands that failed for now (the server deferred them, or could not be reached):
    their attempts are ended ``not_sent`` and they go back to the broker after their
    backoff. ``consumer``: the one applying the batch (which delivery of a command this is,
    and each message's own trace and correlation for what follows from it)."""
    by_message: dict[uuid.UUID, Envelope[DeliverEmail]] = {}
    for envelope in commands:
        # Two commands for one message: the first sends it, the second finds it sent.
        by_message.setdefault(envelope.payload.message_id, envelope)
    queued = await _queued(uow, list(by_message))
    if not queued:
        return {}
    earlier = await attempts.earlier_of(uow, [row["id"] for row in queued])
    if any(e.unfinished for e in earlier.values()):
        raise OneByOne("an earlier attempt of a message has no outcome")
    sending = await _composed(uow, queued, settings, by_message, consumer, now=now)
    if not sending:
        return {}
    _take_tokens(sending, limits, settings)
    started = await attempts.begin_many(
        uow,
        [
            (
                s.row["id"],
                s.row["recipients"],
                earlier[s.row["id"]].last_number + 1 if s.row["id"] in earlier else 1,
            )
            for s in sending
        ],
        Channel.EMAIL,
        now=now,
    )
    returned: dict[uuid.UUID, Returned] = {}
    try:
        for s, attempt in zip(sending, started, strict=True):
            s.attempt = attempt
            ledger.started(attempt.id)
        async with HandOvers(uow) as hand_overs:
            for s in sending:
                error = await _send(s, transport, hand_overs, ledger)
                if error is not None:
                    assert s.attempt is not None
                    await end_not_sent(uow, s.attempt, str(error), settings, ledger, now=now)
                    command = by_message[s.row["id"]]
                    returned[command.message_id] = Returned(
                        error,
                        delay=smtp_retry_delay(
                            consumer.delivery_count(command.message_id), settings
                        ),
                    )
    finally:
        # Whatever stopped the batch, this process keeps what is certain of each attempt.
        for attempt in started:
            ledger.settle(attempt.id)
    await _record(uow, sending, by_message, consumer, ledger, now=now)
    return returned


async def _queued(uow: UnitOfWork, message_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The messages, locked, that still wait to be sent (as ``handlers._queued`` says of
    one)."""
    rows = await messages.load_many(uow, message_ids)
    found = {row["id"] for row in rows}
    for missing in (m for m in message_ids if m not in found):
        log.error("delivery for an unknown message", extra={"id": str(missing)})
    for row in rows:
        if row["status"] != MessageStatus.QUEUED:
            log.info("message is not queued; skipped", extra={"id": str(row["id"])})
    return [row for row in rows if row["status"] == MessageStatus.QUEUED]


async def _composed(
    uow: UnitOfWork,
    queued: list[dict[str, Any]],
    settings: Settings,
    by_message: Mapping[uuid.UUID, Envelope[DeliverEmail]],
    consumer: Consumer,
    *,
    now: datetime,
) -> list[_Sending]:
    """Each message's e-mail as its org unit sends it; a message its org unit may not
    send is blocked here (written in ``uow``)."""
    profiles: dict[uuid.UUID | None, SendingProfile | Blocked] = {}
    for org_unit_id in {row["org_unit_id"] for row in queued}:
        try:
            profiles[org_unit_id] = await org_settings.sending_profile(uow, org_unit_id, settings)
        except org_settings.SecretsKeyMissing as error:
            raise OneByOne("the secrets key is missing") from error
    files = await templates.email_attachments_of(uow, [row["id"] for row in queued])
    sending: list[_Sending] = []
    for row in queued:
        profile = profiles[row["org_unit_id"]]
        if isinstance(profile, Blocked):
            with consumer.serving(uow, by_message[row["id"]]):
                await outcomes.record(uow, row, profile, now=now)
            continue
        email = email_of(row, profile, files.get(row["id"], ()), now=now)
        sending.append(_Sending(row, profile, email))
    return sending


def _take_tokens(
    sending: list[_Sending], limits: SmtpRateLimits | None, settings: Settings
) -> None:
    """Every message's token from its server's bucket, now; else the batch goes one by
    one (each delivery waits for its token holding nothing). Tokens taken from one
    server's bucket before another's came up short are spent: the pacing errs slow."""
    if limits is None:
        return
    wanted = Counter(limits.of(s.profile.server, settings) for s in sending)
    for bucket, count in wanted.items():
        if not bucket.try_acquire(count):
            raise OneByOne("the pacing has not the tokens for the whole batch")


async def _send(
    s: _Sending, transport: EmailTransport, hand_overs: HandOvers, ledger: AttemptLedger
) -> TransientDeliveryError | None:
    """Hand one e-mail to its server; the ledger learns how it went. The failure that
    sends its command back (transient), if any; anything else raised stops the batch."""
    attempt = s.attempt
    assert attempt is not None

    async def handing_over() -> None:
        try:
            await hand_overs.hand_over(attempt)
        except BaseException:
            ledger.ended(
                attempt.id, AttemptOutcome.NOT_SENT, detail="its hand-over could not be recorded"
            )
            raise
        ledger.handed_over(attempt.id)

    try:
        accepted = await transport.send(
            s.email, s.row["recipients"], server=s.profile.server, handing_over=handing_over
        )
    except UncertainDeliveryError as error:
        log.warning(
            "e-mail handed over without an answer; unconfirmed",
            extra={"id": str(s.row["id"]), "error": str(error)},
        )
        s.known = ledger.ended(attempt.id, AttemptOutcome.UNCONFIRMED, detail=str(error))
        return None
    except TransientDeliveryError as error:
        log.warning(
            "e-mail delivery failed; will be retried",
            extra={"id": str(s.row["id"]), "error": str(error)},
        )
        return error
    except PermanentDeliveryError as error:
        s.known = ledger.ended(attempt.id, AttemptOutcome.FAILED, detail=str(error))
    else:
        s.known = ledger.ended(attempt.id, AttemptOutcome.SENT, accepted=accepted)
    # The outcome is committed with the whole batch's; the answer is committed now, so
    # a sender that dies before that leaves this message recorded by the next delivery,
    # not unconfirmed (the window "never twice" leaves open stays one DATA exchange).
    assert s.known.outcome is not None  # sent or failed: an answer
    await hand_overs.answered(
        attempt, s.known.outcome, accepted=s.known.accepted, detail=s.known.detail
    )
    return None


async def _record(
    uow: UnitOfWork,
    sending: list[_Sending],
    by_message: Mapping[uuid.UUID, Envelope[DeliverEmail]],
    consumer: Consumer,
    ledger: AttemptLedger,
    *,
    now: datetime,
) -> None:
    """Every known outcome in ``uow``: the sent ones in one statement per table; the
    ledger forgets them once the kit's commit holds them."""
    sent: list[tuple[Attempt, dict[str, Any], list[str]]] = []
    recorded: list[uuid.UUID] = []
    for s in sending:
        if s.attempt is None or s.known is None:
            continue  # returned for now: its attempt is ended apart
        recorded.append(s.attempt.id)
        if s.known.outcome is AttemptOutcome.SENT:
            sent.append((s.attempt, s.row, list(s.known.accepted)))
            continue
        with consumer.serving(uow, by_message[s.row["id"]]):
            await write_known(uow, s.attempt, s.known, now)(s.row)
    if sent:
        await attempts.end_many(
            uow, [(a.id, AttemptOutcome.SENT, None) for a, _, _ in sent], now=now
        )
        await outcomes.record_many_sent(uow, [(row, to) for _, row, to in sent], now=now)
        for _, row, to in sent:
            with consumer.serving(uow, by_message[row["id"]]):
                outcomes.announce_sent(uow, row, Channel.EMAIL, to)

    def forget() -> None:
        for attempt_id in recorded:
            ledger.forget(attempt_id)

    uow.after_commit(forget)
