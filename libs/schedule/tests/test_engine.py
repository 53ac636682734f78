"""The schedule engine's rules, by example and by property."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
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
from aftersales_schedule import add_months, calendar_interval, local_date, occurrences


def step(position: int = 0, /, **schedule: object) -> StepDefinition:
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


schedules: st.SearchStrategy[dict[str, object]] = st.one_of(
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
        repeat_every=st.one_of(st.none(), st.integers(1, 24)),
        repeat_period=st.sampled_from([Period.MONTHS, Period.YEARS]),
        limit_repetitions=st.one_of(st.none(), st.integers(1, 20)),
    ),
    st.builds(
        dict,
        kind=st.just(ScheduleKind.YEARLY),
        day=st.integers(1, 31),
        month=st.integers(1, 12),
        repeat_every=st.one_of(st.none(), st.integers(1, 5)),
        repeat_period=st.just(Period.YEARS),
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


# --- month ends, leap years, horizons and overflow ---------------------------------------


def test_monthly_on_the_31st_across_a_year_clamps_each_short_month() -> None:
    s = step(kind="monthly", day=31)
    dates = [o.on for o in occurrences([s], date(2027, 1, 1), date(2027, 12, 31))]
    assert [d.day for d in dates] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def test_monthly_on_the_29th_in_february_of_a_leap_year() -> None:
    s = step(kind="monthly", day=30)
    dates = [o.on for o in occurrences([s], date(2028, 2, 1), date(2028, 3, 31))]
    assert dates == [date(2028, 2, 29), date(2028, 3, 30)]


def test_monthly_starts_with_the_first_day_x_not_before_startup() -> None:
    s = step(kind="monthly", day=10, limit_repetitions=2)
    dates = [o.on for o in occurrences([s], date(2026, 3, 11), HORIZON)]
    assert dates == [date(2026, 4, 10), date(2026, 5, 10)]


def test_yearly_skips_this_year_when_day_x_has_passed() -> None:
    s = step(kind="yearly", day=1, month=3, limit_repetitions=1)
    assert [o.on for o in occurrences([s], date(2026, 3, 2), HORIZON)] == [date(2027, 3, 1)]


def test_after_one_year_from_feb_29_is_feb_28() -> None:
    s = step(kind="after", span=1, period="years")
    assert [o.on for o in occurrences([s], date(2028, 2, 29), HORIZON)] == [date(2029, 2, 28)]


def test_yearly_repeats_count_from_the_first_occurrence_so_feb_29_recovers() -> None:
    s = step(
        kind="after", span=0, period="days", repeat_every=1, repeat_period="years",
        limit_repetitions=5,
    )  # fmt: skip
    dates = [o.on for o in occurrences([s], date(2028, 2, 29), date(2040, 1, 1))]
    assert dates == [
        date(2028, 2, 29),
        date(2029, 2, 28),
        date(2030, 2, 28),
        date(2031, 2, 28),
        date(2032, 2, 29),
    ]


def test_repeat_every_n_days_without_a_limit_stops_at_the_horizon() -> None:
    s = step(kind="after", span=0, period="days", repeat_every=10, repeat_period="days")
    dates = [o.on for o in occurrences([s], date(2026, 1, 1), date(2026, 1, 31))]
    assert dates == [date(2026, 1, 1), date(2026, 1, 11), date(2026, 1, 21), date(2026, 1, 31)]


def test_exact_date_with_repeats_and_a_limit() -> None:
    s = step(
        kind="exact_date", exact_date=date(2026, 6, 30), repeat_every=6, repeat_period="months",
        limit_repetitions=3,
    )  # fmt: skip
    assert [o.on for o in occurrences([s], None, HORIZON)] == [
        date(2026, 6, 30),
        date(2026, 12, 30),
        date(2027, 6, 30),
    ]


def test_nothing_past_the_horizon() -> None:
    s = step(kind="exact_date", exact_date=date(2031, 1, 1))
    assert occurrences([s], None, HORIZON) == []


def test_dates_past_year_9999_end_the_series_instead_of_failing() -> None:
    far = step(kind="after", span=9000, period="years")
    repeating = step(
        1, kind="after", span=0, period="days", repeat_every=8000, repeat_period="years"
    )
    found = occurrences([far, repeating], date(2026, 1, 1), date.max)
    assert [(o.on, o.step_id) for o in found] == [(date(2026, 1, 1), repeating.step_id)]
    monthly = step(kind="monthly", day=31, limit_repetitions=3)
    assert [o.on for o in occurrences([monthly], date(9999, 11, 15), date.max)] == [
        date(9999, 11, 30),
        date(9999, 12, 31),
    ]


def test_a_step_anchored_to_a_never_step_has_no_occurrences() -> None:
    never = step(kind="never")
    after = step(
        1, kind="after", span=1, period="days", anchor="step", anchor_step_id=never.step_id
    )
    assert occurrences([never, after], date(2026, 1, 1), HORIZON) == []


def test_after_step_chains_resolve_through_several_steps_in_any_order() -> None:
    a = step(0, kind="after", span=1, period="months")
    b = step(2, kind="after", span=1, period="months", anchor="step", anchor_step_id=a.step_id)
    c = step(1, kind="after", span=10, period="days", anchor="step", anchor_step_id=b.step_id)
    found = occurrences([c, b, a], date(2026, 1, 31), HORIZON)
    assert [(o.on, o.step_id) for o in found] == [
        (date(2026, 2, 28), a.step_id),
        (date(2026, 3, 28), b.step_id),
        (date(2026, 4, 7), c.step_id),
    ]


def test_a_limit_caps_the_occurrences_of_an_anchored_step() -> None:
    first = step(
        0, kind="monthly", day=1, limit_repetitions=6,
    )  # fmt: skip
    second = step(
        1, kind="after", span=7, period="days", anchor="step", anchor_step_id=first.step_id,
        limit_repetitions=2,
    )  # fmt: skip
    found = occurrences([first, second], date(2026, 1, 1), HORIZON)
    assert [o.on for o in found if o.step_id == second.step_id] == [
        date(2026, 1, 8),
        date(2026, 2, 8),
    ]


def test_a_cycle_is_refused() -> None:
    a = step(0, kind="never")
    b = step(1, kind="after", span=1, period="days", anchor="step", anchor_step_id=a.step_id)
    looped = a.model_copy(
        update={
            "schedule": StepSchedule(
                kind=ScheduleKind.AFTER,
                span=1,
                period=Period.DAYS,
                anchor=Anchor.STEP,
                anchor_step_id=b.step_id,
            )
        }
    )
    with pytest.raises(ValueError, match="cycle"):
        occurrences([looped, b], date(2026, 1, 1), HORIZON)


# --- the org unit's time zone -------------------------------------------------------------


def test_the_startup_instant_counts_in_the_org_units_zone() -> None:
    late_evening = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)  # 00:30 on April 1 in Stockholm
    assert local_date(late_evening, "Europe/Stockholm") == date(2026, 4, 1)
    assert local_date(late_evening, ZoneInfo("America/New_York")) == date(2026, 3, 31)
    s = step(kind="monthly", day=31, limit_repetitions=1)
    stockholm = occurrences([s], local_date(late_evening, "Europe/Stockholm"), HORIZON)
    assert [o.on for o in stockholm] == [date(2026, 4, 30)]


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 1, 1, 12, 0), "Europe/Stockholm")  # noqa: DTZ001 - naive on purpose


# --- properties of whole types: chains of anchored steps -----------------------------------


@st.composite
def service_types(draw: st.DrawFn) -> list[StepDefinition]:
    """1-5 steps; each may be anchored to an earlier one (so never a cycle)."""
    steps: list[StepDefinition] = []
    for position in range(draw(st.integers(1, 5))):
        if len(steps) > 0 and draw(st.booleans()):
            anchor = draw(st.sampled_from(steps))
            schedule: dict[str, object] = {
                "kind": ScheduleKind.AFTER,
                "span": draw(st.integers(0, 400)),
                "period": draw(st.sampled_from(Period)),
                "anchor": Anchor.STEP,
                "anchor_step_id": anchor.step_id,
                "repeat_every": draw(st.one_of(st.none(), st.integers(1, 24))),
                "repeat_period": draw(st.sampled_from(Period)),
                "limit_repetitions": draw(st.one_of(st.none(), st.integers(1, 10))),
            }
        else:
            schedule = draw(schedules)
        steps.append(step(position, **schedule))
    return draw(st.permutations(steps))


@given(
    steps=service_types(),
    startup=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    years=st.integers(0, 12),
)
def test_type_properties(steps: list[StepDefinition], startup: date, years: int) -> None:
    horizon = startup + timedelta(days=365 * years)
    found = occurrences(steps, startup, horizon)
    by_id = {s.step_id: s for s in steps}
    keys = [(o.on, by_id[o.step_id].position, o.index) for o in found]
    assert keys == sorted(keys)
    assert all(startup <= o.on <= horizon for o in found)
    for s in steps:
        mine = [o for o in found if o.step_id == s.step_id]
        assert [o.index for o in mine] == list(range(len(mine)))
        limit = s.schedule.limit_repetitions
        assert limit is None or len(mine) <= limit
        anchor_id = s.schedule.anchor_step_id
        if anchor_id is not None and mine:
            # Never before the anchor: each occurrence follows one of the anchor step's.
            first_anchor = min(o.on for o in found if o.step_id == anchor_id)
            assert mine[0].on >= first_anchor
    # Deterministic, and independent of the order the steps are given in.
    assert occurrences(steps, startup, horizon) == found
    assert occurrences(list(reversed(steps)), startup, horizon) == found


# --- repeat every: monthly, yearly and after another step (issue 17, item 7) ---------------


def test_monthly_repeats_every_n_months_on_its_day_with_the_limit() -> None:
    s = step(kind="monthly", day=31, repeat_every=3, repeat_period="months", limit_repetitions=4)
    assert [o.on for o in occurrences([s], date(2027, 1, 15), HORIZON)] == [
        date(2027, 1, 31),
        date(2027, 4, 30),
        date(2027, 7, 31),
        date(2027, 10, 31),
    ]


def test_monthly_repeating_every_year_is_once_a_year() -> None:
    s = step(kind="monthly", day=5, repeat_every=1, repeat_period="years")
    assert [o.on for o in occurrences([s], date(2027, 3, 6), date(2029, 12, 31))] == [
        date(2027, 4, 5),
        date(2028, 4, 5),
        date(2029, 4, 5),
    ]


def test_yearly_repeats_every_n_years_and_feb_29_recovers() -> None:
    s = step(kind="yearly", day=29, month=2, repeat_every=2, repeat_period="years")
    assert [o.on for o in occurrences([s], date(2027, 3, 1), date(2034, 12, 31))] == [
        date(2028, 2, 29),
        date(2030, 2, 28),
        date(2032, 2, 29),
        date(2034, 2, 28),
    ]


def test_yearly_repeat_with_a_limit_counts_the_first() -> None:
    s = step(kind="yearly", day=1, month=6, repeat_every=3, repeat_period="years",
             limit_repetitions=2)  # fmt: skip
    assert [o.on for o in occurrences([s], date(2026, 6, 1), HORIZON)] == [
        date(2026, 6, 1),
        date(2029, 6, 1),
    ]


def test_after_a_step_repeats_until_that_step_comes_again() -> None:
    inspection = step(0, kind="yearly", day=1, month=3)
    reminder = step(
        1, kind="after", span=1, period="months", anchor="step",
        anchor_step_id=inspection.step_id, repeat_every=4, repeat_period="months",
    )  # fmt: skip
    found = occurrences([inspection, reminder], date(2027, 1, 1), date(2028, 12, 31))
    assert [o.on for o in found if o.step_id == reminder.step_id] == [
        # after March 1 2027: April, August, December; the next series starts April 2028
        date(2027, 4, 1),
        date(2027, 8, 1),
        date(2027, 12, 1),
        date(2028, 4, 1),
        date(2028, 8, 1),
        date(2028, 12, 1),
    ]
    assert [o.index for o in found if o.step_id == reminder.step_id] == list(range(6))


def test_after_a_step_with_a_repeat_and_a_limit_caps_all_its_occurrences() -> None:
    first = step(0, kind="after", span=0, period="days")
    second = step(
        1, kind="after", span=10, period="days", anchor="step", anchor_step_id=first.step_id,
        repeat_every=1, repeat_period="years", limit_repetitions=3,
    )  # fmt: skip
    found = occurrences([first, second], date(2026, 1, 1), HORIZON)
    assert [o.on for o in found if o.step_id == second.step_id] == [
        date(2026, 1, 11),
        date(2027, 1, 11),
        date(2028, 1, 11),
    ]


@given(
    schedule=st.builds(
        dict,
        kind=st.sampled_from([ScheduleKind.MONTHLY, ScheduleKind.YEARLY]),
        day=st.integers(1, 31),
        month=st.integers(1, 12),
        repeat_every=st.integers(1, 24),
        repeat_period=st.sampled_from([Period.MONTHS, Period.YEARS]),
        limit_repetitions=st.one_of(st.none(), st.integers(1, 20)),
    ),
    startup=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    years=st.integers(0, 30),
)
def test_calendar_repeats_keep_their_interval_and_day(
    schedule: dict[str, object], startup: date, years: int
) -> None:
    s = step(**schedule)
    interval = calendar_interval(s.schedule)
    every = s.schedule.repeat_every or 1
    if s.schedule.repeat_period is Period.YEARS:
        assert interval == 12 * every
    elif s.schedule.kind is ScheduleKind.MONTHLY:
        assert interval == every
    else:
        assert interval == 12  # a yearly repeat in months is refused; ignored here
    dates = [o.on for o in occurrences([s], startup, startup + timedelta(days=365 * years))]
    day = s.schedule.day
    assert day is not None
    for d in dates:
        # Day X, or the month's last day when it has no day X.
        assert d.day == day or (d.day < day and (d + timedelta(days=1)).day == 1)
        if s.schedule.kind is ScheduleKind.YEARLY:
            assert d.month == s.schedule.month
    months = [d.year * 12 + d.month for d in dates]
    assert all(b - a == interval for a, b in itertools.pairwise(months))
    assert all(d >= startup for d in dates)
    limit = s.schedule.limit_repetitions
    assert limit is None or len(dates) <= limit


@given(
    span=st.integers(0, 60),
    every=st.integers(1, 12),
    period=st.sampled_from(Period),
    limit=st.one_of(st.none(), st.integers(1, 30)),
    startup=st.dates(date(2000, 1, 1), date(2040, 1, 1)),
)
def test_a_repeating_anchored_step_stays_between_its_anchors(
    span: int, every: int, period: Period, limit: int | None, startup: date
) -> None:
    anchor = step(0, kind="monthly", day=1, repeat_every=6, repeat_period="months")
    follower = step(
        1, kind="after", span=span, period="days", anchor="step", anchor_step_id=anchor.step_id,
        repeat_every=every, repeat_period=period, limit_repetitions=limit,
    )  # fmt: skip
    horizon = startup + timedelta(days=365 * 4)
    found = occurrences([anchor, follower], startup, horizon)
    anchors = [o.on for o in found if o.step_id == anchor.step_id]
    mine = [o.on for o in found if o.step_id == follower.step_id]
    firsts = [a + timedelta(days=span) for a in anchors]
    assert mine == sorted(set(mine))
    assert limit is None or len(mine) <= limit
    for d in mine:
        # Each date belongs to the series of the last anchor whose first date it reached.
        assert d >= firsts[0]
    for first in firsts:
        if first <= horizon and (limit is None or len(mine) < limit):
            assert first in mine
