"""The schedule engine's rules, by example and by property."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aftersales_contracts.servicetypes import (
    Anchor,
    MessageSet,
    Period,
    ScheduleKind,
    StepDefinition,
    StepSchedule,
)
from aftersales_schedule import add_months, occurrences


def step(position: int = 0, **schedule: object) -> StepDefinition:
    return StepDefinition(
        step_id=uuid.uuid4(),
        position=position,
        description=f"step {position}",
        schedule=StepSchedule.model_validate(schedule),
        initial=MessageSet(),
        on_completion=MessageSet(),
    )


HORIZON = date(2030, 12, 31)


def test_after_zero_days_from_startup_is_the_startup_date() -> None:
    s = step(kind="after", span=0, period="days")
    assert [o.on for o in occurrences([s], date(2026, 11, 23), HORIZON)] == [date(2026, 11, 23)]


def test_month_end_clamps_and_recovers() -> None:
    s = step(
        kind="after",
        span=1,
        period="months",
        repeat_every=1,
        repeat_period="months",
        limit_repetitions=3,
    )
    dates = [o.on for o in occurrences([s], date(2027, 12, 31), HORIZON)]
    assert dates == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]


def test_yearly_on_feb_29_falls_on_feb_28_in_common_years() -> None:
    s = step(kind="yearly", day=29, month=2, limit_repetitions=2)
    assert [o.on for o in occurrences([s], date(2027, 1, 1), HORIZON)] == [
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_monthly_on_the_31st_in_a_30_day_month() -> None:
    s = step(kind="monthly", day=31, limit_repetitions=2)
    assert [o.on for o in occurrences([s], date(2026, 4, 1), HORIZON)] == [
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]


def test_after_another_step_follows_each_of_its_occurrences() -> None:
    first = step(
        0,
        kind="after",
        span=1,
        period="years",
        repeat_every=1,
        repeat_period="years",
        limit_repetitions=2,
    )
    second = step(
        1, kind="after", span=14, period="days", anchor="step", anchor_step_id=first.step_id
    )
    found = occurrences([first, second], date(2026, 1, 10), HORIZON)
    assert [(o.on, o.step_id) for o in found] == [
        (date(2027, 1, 10), first.step_id),
        (date(2027, 1, 24), second.step_id),
        (date(2028, 1, 10), first.step_id),
        (date(2028, 1, 24), second.step_id),
    ]


def test_never_and_missing_startup_yield_nothing() -> None:
    assert occurrences([step(kind="never")], date(2026, 1, 1), HORIZON) == []
    assert occurrences([step(kind="after", span=1, period="days")], None, HORIZON) == []


def test_exact_date() -> None:
    s = step(kind="exact_date", exact_date=date(2027, 5, 1))
    assert [o.on for o in occurrences([s], None, HORIZON)] == [date(2027, 5, 1)]


schedules = st.one_of(
    st.builds(
        dict,
        kind=st.just(ScheduleKind.AFTER),
        span=st.integers(0, 400),
        period=st.sampled_from(Period),
        anchor=st.just(Anchor.STARTUP),
        repeat_every=st.one_of(st.none(), st.integers(1, 24)),
        repeat_period=st.sampled_from(Period),
        limit_repetitions=st.one_of(st.none(), st.integers(1, 20)),
    ),
    st.builds(
        dict,
        kind=st.just(ScheduleKind.MONTHLY),
        day=st.integers(1, 31),
        limit_repetitions=st.one_of(st.none(), st.integers(1, 20)),
    ),
    st.builds(
        dict,
        kind=st.just(ScheduleKind.YEARLY),
        day=st.integers(1, 31),
        month=st.integers(1, 12),
        limit_repetitions=st.one_of(st.none(), st.integers(1, 20)),
    ),
)


@given(
    schedule=schedules,
    startup=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    years=st.integers(0, 15),
)
def test_properties(schedule: dict[str, object], startup: date, years: int) -> None:
    s = step(**schedule)
    horizon = startup + timedelta(days=365 * years)
    found = occurrences([s], startup, horizon)
    dates = [o.on for o in found]
    assert dates == sorted(dates)
    assert all(startup <= d <= horizon for d in dates)
    limit = s.schedule.limit_repetitions
    assert limit is None or len(dates) <= limit
    assert occurrences([s], startup, horizon) == found


@given(st.dates(date(2000, 1, 1), date(2040, 1, 1)), st.integers(-240, 240))
def test_add_months_stays_in_the_target_month(start: date, months: int) -> None:
    shifted = add_months(start, months)
    assert (shifted.year * 12 + shifted.month) - (start.year * 12 + start.month) == months
    assert shifted.day <= start.day
