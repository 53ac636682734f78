"""Sending's use cases: a send request becomes a message (rendered, its channel decided
or why it is blocked, queued for its sender), each in one unit of work with its events."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aftersales_contracts.notifications import SendMessage
from aftersales_kit.problems import NotFound, Problem, TooManyRequests, Unprocessable
from aftersales_kit.telemetry import current_trace_id
from aftersales_kit.uow import UnitOfWork
from notifications import visibility
from notifications.delivery import attempts
from notifications.org_settings import handlers as org_settings
from notifications.print_queue import handlers as print_queue
from notifications.sending import customers, messages, outcomes, quotas, rendering
from notifications.sending.domain import (
    Addressee,
    AwaitingRecipient,
    Failed,
    Outcome,
    SendEmail,
    SendSms,
    decide,
    new_message,
    outcome_values,
    requested_addressee,
)
from notifications.sending.quotas import OverQuota
from notifications.sending.rendering import Rendered
from notifications.sending.schemas import MessageOut
from notifications.settings import Settings
from notifications.templates import handlers as templates
from notifications.templates.handlers import NewFile
from notifications.user_accounts import handlers as accounts


@dataclass(frozen=True)
class Draft:
    """A send request made ready: its template applied and its parts rendered, with the
    files to store; or, as a command, why it cannot be sent (``failure``)."""

    rendered: Rendered = field(default_factory=Rendered)
    template_id: uuid.UUID | None = None
    language: str | None = None
    files: list[NewFile] = field(default_factory=list)
    failure: Failed | None = None


async def draft(
    cmd: SendMessage,
    uow: UnitOfWork,
    settings: Settings,
    *,
    strict: bool,
    languages: Mapping[uuid.UUID, str | None] | None = None,
) -> Draft:
    """Apply the template, decode the attachments, render the report and every part.

    What is wrong is refused when ``strict`` (HTTP: a problem naming the field, nothing
    stored), else the message fails (a command has no one to answer). ``languages``: the
    customers' a batch read at once."""
    try:
        prepared = await templates.prepare_send(cmd, uow, settings, languages)
    except Problem as error:
        if strict:
            raise
        return Draft(failure=Failed(str(error)))
    try:
        rendered = rendering.render_content(prepared.content, prepared.values)
    except rendering.MissingValues as error:
        if strict:
            raise Unprocessable(
                str(error), field=f"values.{error.names[0]}", placeholders=error.names
            ) from error
        return Draft(
            template_id=prepared.template_id,
            language=prepared.language,
            failure=Failed(str(error)),
        )
    files = prepared.files
    if await _to_users_only(cmd, uow):
        assert cmd.user_link is not None
        # Users open the business object in the application: the link instead of the
        # files, which are kept with the message (the sent log shows what it was about)
        # but not attached.
        rendered = rendering.with_link(rendered, cmd.user_link.url, cmd.user_link.text)
        files = [replace(f, attach=False) for f in files]
    return Draft(rendered, prepared.template_id, prepared.language, files)


async def _to_users_only(cmd: SendMessage, uow: UnitOfWork) -> bool:
    """A ``user_link`` message whose e-mail addresses are all active users' accounts. A
    customer recipient's addresses are the customer's, never users': no link."""
    if cmd.user_link is None or cmd.recipient.customer_id is not None:
        return False
    return await accounts.all_users(uow, [str(e) for e in cmd.recipient.emails])


async def decide_outcome(
    cmd: SendMessage,
    uow: UnitOfWork,
    rendered: Rendered,
    settings: Settings,
    *,
    sms_ready: bool,
    report: bool = False,
    known: Mapping[uuid.UUID, Addressee | None] | None = None,
) -> Outcome:
    """Whom and how: a known customer's own addresses and permissions (addresses in the
    request are not used then, so a requester cannot bypass them), a customer not known
    yet waits; else the request's addresses. An org unit's missing settings block.
    ``known``: the customers a batch locked and read at once (``customers.addressees``)."""
    if cmd.recipient.customer_id is not None:
        addressee = (
            known[cmd.recipient.customer_id]
            if known is not None and cmd.recipient.customer_id in known
            else await customers.addressee(uow, cmd.recipient.customer_id)
        )
        if addressee is None:
            return AwaitingRecipient()
    else:
        addressee = requested_addressee(cmd)
    decision = decide(cmd.channel, addressee, rendered, sms_ready=sms_ready, report=report)
    return await org_settings.check_decision(uow, cmd.org_unit_id, decision, settings)


def _refusal(over: quotas.OverQuota) -> Problem:
    """A quota's refusal over HTTP: 422 for a request too big ever to pass, 429 with
    Retry-After for a day's quota used up."""
    if over.retry_after is None:
        return Unprocessable(over.detail, field=over.field)
    return TooManyRequests(over.detail, retry_after=over.retry_after, field=over.field)


def _cost(cmd: SendMessage, made: _Made, settings: Settings) -> quotas.Cost | OverQuota | None:
    """What the message would count against its requester's day (None: nothing, only a
    message that will go out costs anything: a blocked or waiting one counts nothing, one
    released later by its customer's snapshot neither); or why the request alone is too
    big."""
    outcome = made.outcome
    if not isinstance(outcome, SendEmail | SendSms):
        return None
    segments = quotas.sms_segments(outcome, made.ready.rendered)
    return quotas.request_cost(segments, settings) or quotas.Cost(
        cmd.requester, outcome.channel, segments
    )


async def _over_quota(
    cmd: SendMessage, uow: UnitOfWork, made: _Made, settings: Settings, *, now: datetime
) -> OverQuota | None:
    cost = _cost(cmd, made, settings)
    if not isinstance(cost, quotas.Cost):
        return cost
    return await quotas.count(uow, cost.requester, cost.channel, cost.segments, settings, now=now)


class RaceLost(Exception):
    """Another transaction stored a message with the same key while a batch decided its
    own: the batch goes one message at a time (what it counted must not be committed)."""


@dataclass(frozen=True)
class _Made:
    """A new message decided, not stored yet: its row without the outcome's columns."""

    row: dict[str, Any]
    outcome: Outcome
    ready: Draft

    def over(self, refused: OverQuota) -> _Made:
        """The message failed by a quota instead of going out."""
        assert isinstance(self.outcome, SendEmail | SendSms)  # only those cost anything
        return replace(self, outcome=Failed(refused.detail, self.outcome.channel))

    @property
    def stored(self) -> dict[str, Any]:
        return self.row | outcome_values(self.outcome, trace_id=self.row["trace_id"])


async def _make(
    cmd: SendMessage,
    uow: UnitOfWork,
    settings: Settings,
    *,
    now: datetime,
    requested_by: str | None,
    reject_invalid: bool,
    sms_ready: bool,
    known: Mapping[uuid.UUID, Addressee | None] | None = None,
    languages: Mapping[uuid.UUID, str | None] | None = None,
) -> _Made:
    """Render and decide a new message (its quota not counted yet). ``known`` and
    ``languages``: the customers a batch read at once, and their languages."""
    too_big = quotas.request_size(cmd, settings)
    if too_big is not None and reject_invalid:
        raise _refusal(too_big)
    ready = await draft(cmd, uow, settings, strict=reject_invalid, languages=languages)
    outcome: Outcome
    if too_big is not None:
        outcome = Failed(too_big.detail)
    elif ready.failure is not None:
        outcome = ready.failure
    else:
        outcome = await decide_outcome(
            cmd,
            uow,
            ready.rendered,
            settings,
            sms_ready=sms_ready,
            report=any(f.is_report for f in ready.files),
            known=known,
        )
    row = new_message(
        cmd,
        message_id=uuid.uuid4(),
        now=now,
        requested_by=requested_by,
        rendered=ready.rendered,
        template_id=ready.template_id,
        language=ready.language,
        trace_id=current_trace_id(),
    )
    return _Made(row, outcome, ready)


async def _follow(uow: UnitOfWork, made: _Made, row: dict[str, Any], *, now: datetime) -> None:
    """What follows from a stored message: its files, its event or delivery command, its
    place in the print queue."""
    await templates.store_files(uow, row["id"], made.ready.files, now=now)
    outcomes.emit(uow, row, made.outcome)
    await print_queue.follow(uow, row, made.outcome, now=now)


async def request_message(
    cmd: SendMessage,
    uow: UnitOfWork,
    *,
    now: datetime,
    requested_by: str | None = None,
    reject_invalid: bool = False,
    sms_ready: bool = False,
    settings: Settings | None = None,
) -> tuple[MessageOut, bool]:
    """Store, decide and queue one message, and commit; returns it and whether it is new.

    A repeated ``(requester, idempotency_key)`` returns the first message untouched.
    An invalid request (a placeholder without a value, a bad template reference or
    attachment) or one over a send quota (``quotas``) fails the message, or, with
    ``reject_invalid`` (HTTP), is refused before anything is stored (422, or 429 with
    Retry-After for a day's quota).

    The key is looked up only when the insert finds it taken, or the request is refused
    (a repeat is rare; a lookup before every request cost a round trip each): a repeat
    is decided again and dropped, and what its decision did is rolled back.
    """
    settings = settings or Settings.model_construct()
    try:
        made = await _make(
            cmd,
            uow,
            settings,
            now=now,
            requested_by=requested_by,
            reject_invalid=reject_invalid,
            sms_ready=sms_ready,
        )
    except Problem:
        # Refused as it is now, but a repeat answers with its first message.
        first = await messages.find_by_key(uow, cmd.requester, cmd.idempotency_key)
        if first is None:
            raise
        return MessageOut.from_row(first), False
    if not reject_invalid:
        over = await _over_quota(cmd, uow, made, settings, now=now)
        if over is not None:
            made = made.over(over)
    row = made.stored
    if not await messages.insert_new(uow, row):
        # A repeat, or the same key won a race with us in another transaction: its
        # message stands.
        first = await messages.find_by_key(uow, cmd.requester, cmd.idempotency_key)
        assert first is not None
        return MessageOut.from_row(first), False
    await _follow(uow, made, row, now=now)
    if reject_invalid:
        # Refused over quota, nothing stays (the caller's transaction is rolled back).
        # Counted last: the requester's quota row stays locked from here to the commit,
        # and every request of the requester waits for it; counted before the message's
        # own statements, it was held across them and the API's requests queued behind
        # each other (bench/README.md, HTTP end to end).
        over = await _over_quota(cmd, uow, made, settings, now=now)
        if over is not None:
            raise _refusal(over)
    await uow.commit()
    return MessageOut.from_row(row), True


# What a request of a batch gets: its message and whether it is new, or its refusal.
Answer = tuple[MessageOut, bool] | Problem


async def request_messages(
    commands: Sequence[SendMessage],
    uow: UnitOfWork,
    *,
    now: datetime,
    sms_ready: bool,
    settings: Settings,
    each: Callable[[int], AbstractContextManager[None]],
    requested_by: Sequence[str | None] | None = None,
    reject_invalid: bool = False,
) -> list[Answer]:
    """``request_message`` for a batch of send requests in the caller's transaction (the
    caller commits), each as if it came alone, in the fewest round trips: the keys looked
    up in one query, the customers locked and read in one statement each
    (``customers.addressees``), each requester's quota counted once for the batch
    (``quotas.count_batch``), the new messages stored in one ``executemany``. ``each(i)``:
    the context of request ``i`` (its trace, what follows from it). A key repeated in the
    batch is its first request's message. With ``reject_invalid`` (HTTP) a request that
    is invalid or over a quota is refused (its answer is the problem; nothing of it is
    stored), else its message fails. Raises ``RaceLost`` when another transaction stored
    one of the keys meanwhile (the caller rolls back)."""
    stored = await messages.find_by_keys(
        uow, {(cmd.requester, cmd.idempotency_key) for cmd in commands}
    )
    # The customers of the new ones locked and read at once, not one by one.
    known = await customers.addressees(
        uow,
        (
            c.recipient.customer_id
            for c in commands
            if c.recipient.customer_id is not None
            and (c.requester, c.idempotency_key) not in stored
        ),
    )
    languages = {customer_id: a.language if a else None for customer_id, a in known.items()}
    answers: dict[int, Answer] = {}
    first: dict[tuple[str, str], int] = {}
    made: list[tuple[int, _Made]] = []
    for index, cmd in enumerate(commands):
        key = (cmd.requester, cmd.idempotency_key)
        if key in stored:
            answers[index] = MessageOut.from_row(stored[key]), False
            continue
        if key in first:
            continue  # answered with its first request's message, below
        first[key] = index
        with each(index):
            try:
                new = await _make(
                    cmd,
                    uow,
                    settings,
                    now=now,
                    requested_by=requested_by[index] if requested_by is not None else None,
                    reject_invalid=reject_invalid,
                    sms_ready=sms_ready,
                    known=known,
                    languages=languages,
                )
            except Problem as refused:
                answers[index] = refused
                continue
        made.append((index, new))
    made = await _counted(
        commands, made, uow, settings, answers, now=now, reject_invalid=reject_invalid
    )
    rows = [m.stored for _, m in made]
    if not await messages.insert_many(uow, rows):
        raise RaceLost("a key of the batch was stored by another transaction")
    for (index, m), row in zip(made, rows, strict=True):
        with each(index):
            await _follow(uow, m, row, now=now)
        answers[index] = MessageOut.from_row(row), True
    for index, cmd in enumerate(commands):
        if index not in answers:  # a repeat in the batch: its first request's message
            answer = answers[first[(cmd.requester, cmd.idempotency_key)]]
            answers[index] = (answer[0], False) if isinstance(answer, tuple) else answer
    return [answers[index] for index in range(len(commands))]


async def _counted(
    commands: Sequence[SendMessage],
    made: list[tuple[int, _Made]],
    uow: UnitOfWork,
    settings: Settings,
    refusals: dict[int, Answer],
    *,
    now: datetime,
    reject_invalid: bool,
) -> list[tuple[int, _Made]]:
    """The batch's messages with their quotas counted: each one over a quota failed, or
    refused (when ``refusals`` takes it, HTTP) and left out."""
    costs = [_cost(commands[index], m, settings) for index, m in made]
    verdicts = iter(
        await quotas.count_batch(
            uow, [c for c in costs if isinstance(c, quotas.Cost)], settings, now=now
        )
    )
    counted: list[tuple[int, _Made]] = []
    for (index, m), cost in zip(made, costs, strict=True):
        over = next(verdicts) if isinstance(cost, quotas.Cost) else cost
        if over is None:
            counted.append((index, m))
        elif reject_invalid:
            refusals[index] = _refusal(over)
        else:
            counted.append((index, m.over(over)))
    return counted


async def get_message(
    uow: UnitOfWork, message_id: uuid.UUID, visible: visibility.Visible = None
) -> MessageOut:
    """One message; 404 when it is not there or the caller may not see it."""
    row = await messages.load(uow, message_id)
    not_found = f"no message with id {message_id}"
    if row is None:
        raise NotFound(not_found)
    visibility.require_seen(visible, row["org_unit_id"], not_found)
    return MessageOut.from_row(row, await attempts.of_message(uow, row["id"]))
