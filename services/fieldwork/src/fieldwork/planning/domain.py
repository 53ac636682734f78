"""The booking rules, free of I/O: a booking's local times as instants, overlaps with a
technician's other standing bookings, and the technician's working hours (decision 72).

Intervals are half open, ``[starts_at, ends_at)``: a booking that ends at 10:00 and one
that starts at 10:00 touch and do not overlap. Working hours are per ISO weekday ("1"
Monday .. "7" Sunday) in the org unit's local time, ``[{"start": "08:00", "end":
"16:00"}, ...]``; a weekday without spans is a day off. A booking fits when it lies
within one span of its weekday (a booking may not straddle a lunch gap).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

OVERLAP = "overlap"
WORKING_HOURS = "working_hours"


class InvalidBooking(ValueError):
    """A booking's own fields do not make an interval; ``field`` names the one at fault."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class LocalBooking:
    """What the planner typed, and the instants it means in the order's time zone."""

    local_date: date
    local_start: time
    local_end: time
    starts_at: datetime
    ends_at: datetime


def _instant(day: date, at: time, zone: ZoneInfo, field: str) -> datetime:
    """``day`` at ``at`` in ``zone`` as a UTC instant. A wall time skipped by a DST change
    (02:30 on the spring-forward night) does not exist: refused, naming ``field``. A wall
    time that happens twice (the autumn night) is its first occurrence (fold 0)."""
    local = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidBooking(
            f"{at.isoformat('minutes')} does not exist on {day.isoformat()} in {zone.key}"
            " (the clocks skip it)",
            field,
        )
    return instant


def localize(
    day: date, start: time, end: time, zone: ZoneInfo, *, field_prefix: str = ""
) -> LocalBooking:
    """The booking ``day`` from ``start`` to ``end`` (same day, end after start) in
    ``zone``; DST-safe: the instants come from the zone's rules for that very day."""
    if end <= start:
        raise InvalidBooking("end must be after start, on the same day", f"{field_prefix}end")
    starts_at = _instant(day, start, zone, f"{field_prefix}start")
    ends_at = _instant(day, end, zone, f"{field_prefix}end")
    if ends_at <= starts_at:  # an end in the repeated hour before a start after it
        raise InvalidBooking("end must be after start, on the same day", f"{field_prefix}end")
    return LocalBooking(day, start, end, starts_at, ends_at)


@dataclass(frozen=True)
class StandingBooking:
    """Another standing booking of the same technician."""

    booking_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Clash:
    """One reason a booking is refused unless overridden: an ``overlap`` with another
    booking, or lying outside the technician's ``working_hours``."""

    kind: str
    detail: str
    member: dict[str, Any]


def overlaps(starts_at: datetime, ends_at: datetime, other: StandingBooking) -> bool:
    """Half-open intervals: touching ones do not overlap."""
    return starts_at < other.ends_at and other.starts_at < ends_at


def overlap_clashes(
    starts_at: datetime, ends_at: datetime, others: Iterable[StandingBooking]
) -> list[Clash]:
    found = sorted(
        (o for o in others if overlaps(starts_at, ends_at, o)), key=lambda o: o.starts_at
    )
    return [
        Clash(
            OVERLAP,
            f"overlaps booking {o.booking_id} of order {o.order_number}"
            f" ({o.starts_at.isoformat()} to {o.ends_at.isoformat()})",
            {
                "kind": OVERLAP,
                "booking_id": str(o.booking_id),
                "order_id": str(o.order_id),
                "order_number": o.order_number,
                "starts_at": o.starts_at.isoformat(),
                "ends_at": o.ends_at.isoformat(),
            },
        )
        for o in found
    ]


def _span(raw: Any) -> tuple[time, time] | None:
    """A working-hours span ``{"start": "08:00", "end": "16:00"}``; None when malformed
    (it then offers no time: a broken span never lets a booking through)."""
    if not isinstance(raw, Mapping):
        return None
    try:
        start = time.fromisoformat(str(raw.get("start")))
        end = time.fromisoformat(str(raw.get("end")))
    except ValueError:
        return None
    return (start, end) if end > start else None


def spans_of(working_hours: Mapping[str, Any], weekday: int) -> list[tuple[time, time]]:
    """The spans of ISO ``weekday`` (1 Monday .. 7 Sunday); empty: a day off."""
    raw = working_hours.get(str(weekday)) or []
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return []
    return [span for span in (_span(item) for item in raw) if span is not None]


def working_hours_clash(
    local_date: date, start: time, end: time, working_hours: Mapping[str, Any]
) -> Clash | None:
    """None when ``start``-``end`` lies within one of the technician's spans that weekday."""
    weekday = local_date.isoweekday()
    spans = spans_of(working_hours, weekday)
    if any(s <= start and end <= e for s, e in spans):
        return None
    shown = [{"start": s.isoformat("minutes"), "end": e.isoformat("minutes")} for s, e in spans]
    hours = ", ".join(f"{x['start']}-{x['end']}" for x in shown) or "a day off"
    return Clash(
        WORKING_HOURS,
        f"{start.isoformat('minutes')}-{end.isoformat('minutes')} on {local_date.isoformat()}"
        f" is outside the technician's working hours ({hours})",
        {"kind": WORKING_HOURS, "weekday": weekday, "working_hours": shown},
    )


def clashes(
    booking: LocalBooking,
    others: Iterable[StandingBooking],
    working_hours: Mapping[str, Any],
) -> list[Clash]:
    """Every reason the booking is refused unless the planner overrides: overlaps first
    (in time order), then the working hours."""
    found = overlap_clashes(booking.starts_at, booking.ends_at, others)
    outside = working_hours_clash(
        booking.local_date, booking.local_start, booking.local_end, working_hours
    )
    if outside is not None:
        found.append(outside)
    return found
