"""Send quotas: what one request may cost (addresses, SMS segments) and what one requester
may queue per channel and UTC day (messages, SMS segments).

The per-request limits are pure checks. The daily counts are one conditional upsert per
request in the request's own transaction (``send_quota``; a batch of commands: one per
requester and channel when its messages all fit, ``count_batch``): a refused or
rolled-back request counts nothing, and concurrent requests of one requester and channel
queue on the row's lock, so every replica sees the same count and no two pass the last
slot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, bindparam
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.notifications import Channel, SendMessage
from aftersales_kit.db import compiled_once
from aftersales_kit.uow import UnitOfWork
from notifications.sending.domain import SendEmail, SendSms
from notifications.sending.rendering import Rendered
from notifications.settings import Settings
from notifications.tables import send_quota


@dataclass(frozen=True)
class OverQuota:
    """Why a request is refused. ``retry_after`` None: the request itself is too big (it
    will never pass: 422); seconds: the day's quota is used up (429 until UTC midnight)."""

    detail: str
    field: str
    retry_after: int | None = None


def request_size(cmd: SendMessage, settings: Settings) -> OverQuota | None:
    """The addresses the request names itself, each list against its limit."""
    emails, mobiles = len(cmd.recipient.emails), len(cmd.recipient.mobiles)
    if emails > settings.max_emails_per_request:
        return OverQuota(
            f"{emails} e-mail addresses in one request; at most {settings.max_emails_per_request}",
            "recipient.emails",
        )
    if mobiles > settings.max_mobiles_per_request:
        return OverQuota(
            f"{mobiles} mobile numbers in one request; at most {settings.max_mobiles_per_request}",
            "recipient.mobiles",
        )
    return None


def sms_segments(decision: SendEmail | SendSms, rendered: Rendered) -> int:
    """What an SMS bills: every number gets every segment of the rendered text."""
    length = rendered.sms_length
    if not isinstance(decision, SendSms) or length is None:
        return 0
    return len(decision.to) * length.segments


def request_cost(segments: int, settings: Settings) -> OverQuota | None:
    if segments > settings.max_sms_segments_per_request:
        return OverQuota(
            f"this SMS bills {segments} segments (numbers x segments of the text); at most "
            f"{settings.max_sms_segments_per_request} per request: shorten the text or "
            "send to fewer numbers",
            "recipient.mobiles",
        )
    return None


def seconds_to_midnight(now: datetime) -> int:
    """Whole seconds from ``now`` to the next UTC midnight, at least 1."""
    now = now.astimezone(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return max(1, int((midnight - now).total_seconds() + 0.999))


def _daily_limits(channel: Channel, settings: Settings) -> tuple[int, int | None]:
    if channel is Channel.SMS:
        return settings.daily_sms_per_requester, settings.daily_sms_segments_per_requester
    return settings.daily_emails_per_requester, None


async def count(
    uow: UnitOfWork,
    requester: str,
    channel: Channel,
    segments: int,
    settings: Settings,
    *,
    now: datetime,
    messages: int = 1,
) -> OverQuota | None:
    """Count ``messages`` queued messages (and their ``segments`` together) against the
    requester's day, all or none; refused, nothing is counted."""
    max_messages, max_segments = _daily_limits(channel, settings)
    day = now.astimezone(UTC).date()
    refused = OverQuota(
        f"requester {requester!r} has used its {channel.value} quota for today "
        f"(UTC {day.isoformat()}): at most {max_messages} messages"
        + (f" and {max_segments} SMS segments" if max_segments is not None else "")
        + " a day",
        "requester",
        seconds_to_midnight(now),
    )
    if messages > max_messages or (max_segments is not None and segments > max_segments):
        return refused  # would not fit even as the day's first (an insert is not checked)
    counted = await uow.session.scalar(
        _COUNT,
        {
            "requester": requester,
            "channel": channel.value,
            "day": day,
            "messages": messages,
            "segments": segments,
            "max_messages": max_messages,
            "max_segments": max_segments if max_segments is not None else _NO_LIMIT,
        },
    )
    return None if counted is not None else refused


@dataclass(frozen=True)
class Cost:
    """What one message of a batch would count: its requester, channel and segments."""

    requester: str
    channel: Channel
    segments: int


async def count_batch(
    uow: UnitOfWork, costs: Sequence[Cost], settings: Settings, *, now: datetime
) -> list[OverQuota | None]:
    """``count`` for a batch's messages, in order, as if counted one after another: each
    requester and channel's messages counted in one statement when they all fit (the
    usual case), else one by one (the first ones pass, as they would have alone). The
    refusal of each message, or None."""
    groups: dict[tuple[str, Channel], list[int]] = {}
    for index, cost in enumerate(costs):
        groups.setdefault((cost.requester, cost.channel), []).append(index)
    verdicts: list[OverQuota | None] = [None] * len(costs)
    # One order for the quota rows' locks in every batch: no two batches wait in a cycle.
    for (requester, channel), indexes in sorted(groups.items(), key=lambda g: g[0]):
        together = await count(
            uow,
            requester,
            channel,
            sum(costs[i].segments for i in indexes),
            settings,
            now=now,
            messages=len(indexes),
        )
        if together is None:
            continue
        for i in indexes:
            verdicts[i] = await count(uow, requester, channel, costs[i].segments, settings, now=now)
    return verdicts


_NO_LIMIT = 2**31 - 1  # an integer column's largest: no sum of segments passes it

# Every send request runs it: compiled once (``aftersales_kit.db.compiled_once``).
_COUNT = compiled_once(
    insert(send_quota)
    .values(
        requester=bindparam("requester", type_=send_quota.c.requester.type),
        channel=bindparam("channel", type_=send_quota.c.channel.type),
        day=bindparam("day", type_=send_quota.c.day.type),
        messages=bindparam("messages", type_=Integer()),
        sms_segments=bindparam("segments", type_=Integer()),
    )
    .on_conflict_do_update(
        index_elements=[send_quota.c.requester, send_quota.c.channel, send_quota.c.day],
        set_={
            "messages": send_quota.c.messages + bindparam("messages", type_=Integer()),
            "sms_segments": send_quota.c.sms_segments + bindparam("segments", type_=Integer()),
        },
        where=(
            send_quota.c.messages + bindparam("messages", type_=Integer())
            <= bindparam("max_messages", type_=Integer())
        )
        & (
            send_quota.c.sms_segments + bindparam("segments", type_=Integer())
            <= bindparam("max_segments", type_=Integer())
        ),
    )
    .returning(send_quota.c.messages)
)
