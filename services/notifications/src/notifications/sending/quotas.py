"""Send quotas: what one request may cost (addresses, SMS segments) and what one requester
may queue per channel and UTC day (messages, SMS segments).

The per-request limits are pure checks. The daily counts are one conditional upsert per
request in the request's own transaction (``send_quota``): a refused or rolled-back
request counts nothing, and concurrent requests of one requester and channel queue on
the row's lock, so every replica sees the same count and no two pass the last slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, bindparam, literal_column
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
    decision: SendEmail | SendSms,
    segments: int,
    settings: Settings,
    *,
    now: datetime,
) -> OverQuota | None:
    """Count one queued message (and its segments) against the requester's day; refused,
    nothing is counted."""
    max_messages, max_segments = _daily_limits(decision.channel, settings)
    day = now.astimezone(UTC).date()
    refused = OverQuota(
        f"requester {requester!r} has used its {decision.channel.value} quota for today "
        f"(UTC {day.isoformat()}): at most {max_messages} messages"
        + (f" and {max_segments} SMS segments" if max_segments is not None else "")
        + " a day",
        "requester",
        seconds_to_midnight(now),
    )
    if max_messages < 1 or (max_segments is not None and segments > max_segments):
        return refused  # even a first request of the day would not fit
    counted = await uow.session.scalar(
        _COUNT,
        {
            "requester": requester,
            "channel": decision.channel.value,
            "day": day,
            "segments": segments,
            "max_messages": max_messages,
            "max_segments": max_segments if max_segments is not None else _NO_LIMIT,
        },
    )
    return None if counted is not None else refused


_ONE = literal_column("1", Integer())  # a literal, not a bind: compiled_once keeps only named binds
_NO_LIMIT = 2**31 - 1  # an integer column's largest: no sum of segments passes it

# Every send request runs it: compiled once (``aftersales_kit.db.compiled_once``).
_COUNT = compiled_once(
    insert(send_quota)
    .values(
        requester=bindparam("requester", type_=send_quota.c.requester.type),
        channel=bindparam("channel", type_=send_quota.c.channel.type),
        day=bindparam("day", type_=send_quota.c.day.type),
        messages=_ONE,
        sms_segments=bindparam("segments", type_=Integer()),
    )
    .on_conflict_do_update(
        index_elements=[send_quota.c.requester, send_quota.c.channel, send_quota.c.day],
        set_={
            "messages": send_quota.c.messages + _ONE,
            "sms_segments": send_quota.c.sms_segments + bindparam("segments", type_=Integer()),
        },
        where=(send_quota.c.messages + _ONE <= bindparam("max_messages", type_=Integer()))
        & (
            send_quota.c.sms_segments + bindparam("segments", type_=Integer())
            <= bindparam("max_segments", type_=Integer())
        ),
    )
    .returning(send_quota.c.messages)
)
