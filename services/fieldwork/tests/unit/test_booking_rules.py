"""The booking rules of ``fieldwork.planning.domain``: local times as instants (DST days
included), overlaps (touching intervals do not), working hours (a day off, split days)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldwork.planning import domain
from fieldwork.planning.domain import InvalidBooking, StandingBooking

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = date(2026, 11, 30)
HOURS = {
    str(d): [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    for d in range(1, 6)
}


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_local_times_become_instants_in_the_zone() -> None:
    booked = domain.localize(MONDAY, time(9), time(11), STOCKHOLM)
    assert booked.starts_at == _utc(2026, 11, 30, 8)
    assert booked.ends_at == _utc(2026, 11, 30, 10)
    summer = domain.localize(date(2026, 7, 1), time(9), time(11), STOCKHOLM)
    assert summer.starts_at == _utc(2026, 7, 1, 7)


def test_dst_days() -> None:
    # 29 March 2026: Stockholm's clocks go from 02:00 to 03:00.
    spring = date(2026, 3, 29)
    across = domain.localize(spring, time(1, 30), time(3, 30), STOCKHOLM)
    assert across.ends_at - across.starts_at == timedelta(hours=1)
    with pytest.raises(InvalidBooking) as skipped:
        domain.localize(spring, time(2, 30), time(4), STOCKHOLM, field_prefix="booking.")
    assert skipped.value.field == "booking.start"
    with pytest.raises(InvalidBooking) as skipped_end:
        domain.localize(spring, time(1), time(2, 15), STOCKHOLM)
    assert skipped_end.value.field == "end"
    # 25 October 2026: 03:00 goes back to 02:00; 01:30-03:30 lasts three hours.
    autumn = domain.localize(date(2026, 10, 25), time(1, 30), time(3, 30), STOCKHOLM)
    assert autumn.starts_at == _utc(2026, 10, 24, 23, 30)
    assert autumn.ends_at == _utc(2026, 10, 25, 2, 30)
    # A repeated wall time is its first occurrence (summer time).
    repeated = domain.localize(date(2026, 10, 25), time(2, 30), time(2, 45), STOCKHOLM)
    assert repeated.starts_at == _utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(("start", "end"), [(time(10), time(10)), (time(11), time(10))])
def test_end_after_start(start: time, end: time) -> None:
    with pytest.raises(InvalidBooking) as bad:
        domain.localize(MONDAY, start, end, STOCKHOLM)
    assert bad.value.field == "end"


def _other(start_hour: int, end_hour: int, minute: int = 0) -> StandingBooking:
    return StandingBooking(
        uuid.uuid4(),
        uuid.uuid4(),
        "SO-000001",
        _utc(2026, 11, 30, start_hour, minute),
        _utc(2026, 11, 30, end_hour),
    )


@pytest.mark.parametrize(
    ("other", "overlaps"),
    [
        ((6, 8), False),  # ends exactly when ours starts: touching
        ((10, 12), False),  # starts exactly when ours ends
        ((7, 9), True),
        ((9, 10), True),
        ((8, 10), True),  # the same interval
        ((7, 11), True),  # around ours
        ((8, 9), True),  # inside ours
        ((11, 12), False),
    ],
)
def test_overlap_edges(other: tuple[int, int], overlaps: bool) -> None:
    ours = (_utc(2026, 11, 30, 8), _utc(2026, 11, 30, 10))
    assert domain.overlaps(*ours, _other(*other)) is overlaps
    found = domain.overlap_clashes(*ours, [_other(*other)])
    assert bool(found) is overlaps


def test_overlap_clash_names_the_other_booking() -> None:
    other = _other(9, 11)
    (clash,) = domain.overlap_clashes(_utc(2026, 11, 30, 8), _utc(2026, 11, 30, 10), [other])
    assert clash.kind == "overlap"
    assert clash.member == {
        "kind": "overlap",
        "booking_id": str(other.booking_id),
        "order_id": str(other.order_id),
        "order_number": "SO-000001",
        "starts_at": other.starts_at.isoformat(),
        "ends_at": other.ends_at.isoformat(),
    }
    assert "SO-000001" in clash.detail


@pytest.mark.parametrize(
    ("day", "start", "end", "fits"),
    [
        (MONDAY, time(8), time(12), True),  # exactly a span
        (MONDAY, time(9), time(11), True),
        (MONDAY, time(13), time(17), True),
        (MONDAY, time(7, 30), time(9), False),  # starts before work
        (MONDAY, time(16), time(17, 30), False),  # ends after work
        (MONDAY, time(11), time(14), False),  # across the lunch gap
        (date(2026, 12, 5), time(9), time(10), False),  # Saturday: a day off
    ],
)
def test_working_hours(day: date, start: time, end: time, fits: bool) -> None:
    clash = domain.working_hours_clash(day, start, end, HOURS)
    assert (clash is None) is fits
    if clash is not None:
        assert clash.member["kind"] == "working_hours"
        assert clash.member["weekday"] == day.isoweekday()


def test_a_day_off_says_so() -> None:
    clash = domain.working_hours_clash(date(2026, 12, 6), time(9), time(10), HOURS)
    assert clash is not None
    assert clash.member == {"kind": "working_hours", "weekday": 7, "working_hours": []}
    assert "a day off" in clash.detail


def test_malformed_working_hours_let_nothing_through() -> None:
    broken = {"1": [{"start": "late", "end": "17:00"}, {"start": "12:00", "end": "08:00"}, 7]}
    assert domain.spans_of(broken, 1) == []
    assert domain.working_hours_clash(MONDAY, time(9), time(10), broken) is not None
    assert domain.spans_of({"1": "08:00-16:00"}, 1) == []


def test_clashes_list_overlaps_then_working_hours() -> None:
    booked = domain.localize(MONDAY, time(7), time(10), STOCKHOLM)  # 06:00-09:00 UTC
    found = domain.clashes(booked, [_other(8, 9), _other(5, 6)], HOURS)
    assert [c.kind for c in found] == ["overlap", "working_hours"]
    assert domain.clashes(domain.localize(MONDAY, time(9), time(10), STOCKHOLM), [], HOURS) == []
