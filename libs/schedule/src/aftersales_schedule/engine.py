"""Occurrences of service-type steps for one serial item.

Rules (documented here because users depend on them):
- Month arithmetic clamps to the month's end: Jan 31 + 1 month is Feb 28 (Feb 29 in a
  leap year); a repeat is always counted from the first occurrence, so the day
  recovers afterwards (Jan 31, Feb 28, Mar 31 ...), never drifting to the 28th.
- "Monthly on day X" and "yearly on day X of month Y" clamp the same way: the 31st in a
  30-day month is the 30th; Feb 29 in a common year is Feb 28.
- "After N units from startup" needs a startup date (scheduling passes the item's, or the
  day its workflow began); without one the step has no occurrences. "After another step"
  yields one occurrence per occurrence of that step.
- "Repeat every N units" works for every kind but "never", always counted from the
  series' first date: "after" (from startup) and "exact date" repeat from their first
  date; "monthly" repeats every N months (or N years) on its day, "yearly" every N years
  on its day and month (without a repeat they recur every month / every year); "after
  another step" starts a series at each occurrence of that step, which runs until the
  next one starts (a reminder every month after each annual inspection, say).
- ``limit_repetitions`` caps the number of occurrences of a step, the first included,
  whatever its kind (for a step after another step, over all of its series).
- Occurrences are dates in the org unit's time zone: a startup known as an instant is
  first turned into the org unit's local date (``local_date``), so an item started at
  23:30 in Stockholm counts from that day, not from the UTC date. The scheduler turns
  each date into the instant its sending window opens in the same zone.
- Only dates up to ``horizon`` are computed; a date past year 9999 ends its series.
- The result is ordered by date, then step position, then occurrence index, and is the
  same every time for the same input (no clock, no randomness).
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from aftersales_contracts.servicetypes import (
    Anchor,
    Period,
    ScheduleKind,
    StepDefinition,
    StepSchedule,
)


@dataclass(frozen=True, order=True)
class Occurrence:
    on: date
    step_id: uuid.UUID
    index: int  # 0 for the first occurrence of the step, 1 for its first repeat, ...


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def shift(start: date, amount: int, period: Period) -> date:
    if period is Period.DAYS:
        return start + timedelta(days=amount)
    if period is Period.MONTHS:
        return add_months(start, amount)
    return add_months(start, 12 * amount)


def _shift_or_none(start: date, amount: int, period: Period) -> date | None:
    """``shift``, or None past the last representable date (year 9999)."""
    try:
        return shift(start, amount, period)
    except (OverflowError, ValueError):
        return None


def local_date(moment: datetime, zone: str | ZoneInfo) -> date:
    """The calendar date of an aware instant in a time zone (the org unit's)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime")
    return moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()


def _series(
    first: date, step: StepDefinition, horizon: date, *, before: date | None = None
) -> Iterator[date]:
    """The first date and its repeats, up to the horizon and the repetition limit (and
    before ``before``, where the next series of an anchored step begins)."""
    schedule = step.schedule
    limit = schedule.limit_repetitions
    every, unit = schedule.repeat_every, schedule.repeat_period
    count = 0
    current: date | None = first
    while (
        current is not None
        and current <= horizon
        and (before is None or current < before)
        and (limit is None or count < limit)
    ):
        yield current
        count += 1
        if not every or unit is None:
            return
        current = _shift_or_none(first, every * count, unit)


def calendar_interval(schedule: StepSchedule) -> int:
    """Months between two occurrences of a monthly or yearly schedule: 1 or 12 by
    itself; "repeat every N months" (monthly only) is N, "every N years" 12 N. A repeat
    validation refuses (in days; a yearly one in months) is ignored."""
    monthly = schedule.kind is ScheduleKind.MONTHLY
    every, unit = schedule.repeat_every, schedule.repeat_period
    if every and unit is Period.YEARS:
        return 12 * every
    if every and unit is Period.MONTHS and monthly:
        return every
    return 1 if monthly else 12


def _calendar_series(step: StepDefinition, start: date, horizon: date) -> Iterator[date]:
    """Day X of the month (monthly) or of month Y (yearly): the first such date on or
    after ``start``, then every ``calendar_interval`` months counted from it."""
    schedule = step.schedule
    limit = schedule.limit_repetitions
    day = schedule.day or 1
    every = calendar_interval(schedule)
    if schedule.kind is ScheduleKind.MONTHLY:
        first = start.year * 12 + start.month - 1
        if _clamped(start.year, start.month, day) < start:
            first += 1
    else:
        first = start.year * 12 + (schedule.month or 1) - 1
        if _clamped(start.year, (schedule.month or 1), day) < start:
            first += 12
    count = 0
    while limit is None or count < limit:
        year, month = divmod(first + every * count, 12)
        if year > date.max.year:
            return
        candidate = _clamped(year, month + 1, day)
        if candidate > horizon:
            return
        yield candidate
        count += 1


def _after_step(step: StepDefinition, anchors: Sequence[date], horizon: date) -> list[date]:
    """One series per anchor occurrence (a single date without a repeat), each running
    until the next begins; the repetition limit caps them all together."""
    schedule = step.schedule
    assert schedule.period is not None
    shifted = (_shift_or_none(a, schedule.span or 0, schedule.period) for a in anchors)
    firsts = sorted({d for d in shifted if d is not None and d <= horizon})
    found: set[date] = set()
    for i, first in enumerate(firsts):
        before = firsts[i + 1] if i + 1 < len(firsts) else None
        found.update(_series(first, step, horizon, before=before))
    return sorted(found)[: schedule.limit_repetitions]


def occurrences(
    steps: Sequence[StepDefinition], startup: date | None, horizon: date
) -> list[Occurrence]:
    """Every step's occurrences up to ``horizon``, ordered by date then step position."""
    by_id = {step.step_id: step for step in steps}
    resolved: dict[uuid.UUID, list[date]] = {}
    resolving: set[uuid.UUID] = set()

    def dates_of(step: StepDefinition) -> list[date]:
        if step.step_id in resolved:
            return resolved[step.step_id]
        if step.step_id in resolving:
            raise ValueError(f"step {step.step_id} is part of a cycle of 'after step' anchors")
        resolving.add(step.step_id)
        schedule = step.schedule
        found: list[date] = []
        if schedule.kind is ScheduleKind.AFTER and schedule.period is not None:
            span = schedule.span or 0
            if schedule.anchor is Anchor.STEP:
                anchor = by_id.get(schedule.anchor_step_id) if schedule.anchor_step_id else None
                found = _after_step(step, dates_of(anchor) if anchor else [], horizon)
            elif startup is not None:
                first = _shift_or_none(startup, span, schedule.period)
                found = list(_series(first, step, horizon)) if first is not None else []
        elif schedule.kind is ScheduleKind.EXACT_DATE and schedule.exact_date is not None:
            found = list(_series(schedule.exact_date, step, horizon))
        elif schedule.kind in (ScheduleKind.MONTHLY, ScheduleKind.YEARLY) and startup is not None:
            found = list(_calendar_series(step, startup, horizon))
        resolving.discard(step.step_id)
        resolved[step.step_id] = found
        return found

    position = {step.step_id: step.position for step in steps}
    result = [
        Occurrence(on=d, step_id=step.step_id, index=i)
        for step in steps
        for i, d in enumerate(dates_of(step))
    ]
    return sorted(result, key=lambda o: (o.on, position[o.step_id], o.index))
