"""A technician's day (working hours, free gaps), weeks and card excerpts
(fieldwork.views.domain)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from fieldwork.views.domain import excerpt, free_gaps, instants, week_days, working_hours_on

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY = date(2026, 11, 30)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC)


def test_working_hours_of_the_weekday_in_start_order() -> None:
    hours = {
        "1": [{"start": "13:00", "end": "17:00"}, {"start": "08:00", "end": "12:00"}],
        "2": [{"start": "07:00", "end": "15:00"}],
    }
    assert working_hours_on(hours, MONDAY) == [(time(8), time(12)), (time(13), time(17))]
    assert working_hours_on(hours, date(2026, 12, 1)) == [(time(7), time(15))]


def test_a_missing_weekday_is_a_day_off_and_nonsense_is_left_out() -> None:
    hours = {
        "1": [
            {"start": "nine", "end": "17:00"},
            {"start": "17:00", "end": "08:00"},
            {"start": "10:00"},
            "08:00-16:00",
            {"start": "08:00", "end": "16:00"},
        ]
    }
    assert working_hours_on(hours, MONDAY) == [(time(8), time(16))]
    assert working_hours_on(hours, date(2026, 12, 6)) == []
    assert working_hours_on({}, MONDAY) == []


def test_local_hours_become_instants_in_the_zone() -> None:
    assert instants(MONDAY, [(time(8), time(16))], STOCKHOLM) == [(at(7), at(15))]
    # Until midnight.
    (until_midnight,) = instants(MONDAY, [(time(20), time.max)], STOCKHOLM)
    assert until_midnight[1] == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def test_local_hours_follow_a_daylight_saving_change() -> None:
    # 29 March 2026: Stockholm moves from UTC+1 to UTC+2.
    (interval,) = instants(date(2026, 3, 29), [(time(8), time(16))], STOCKHOLM)
    assert interval == (
        datetime(2026, 3, 29, 6, tzinfo=UTC),
        datetime(2026, 3, 29, 14, tzinfo=UTC),
    )


def test_gaps_are_the_working_time_no_booking_covers() -> None:
    working = [(at(7), at(11)), (at(12), at(16))]
    busy = [(at(8), at(9)), (at(10), at(12, 30)), (at(15), at(17))]
    assert free_gaps(working, busy) == [
        (at(7), at(8)),
        (at(9), at(10)),
        (at(12, 30), at(15)),
    ]


def test_overlapping_and_unsorted_bookings_make_one_busy_stretch() -> None:
    working = [(at(7), at(15))]
    busy = [(at(10), at(12)), (at(8), at(11)), (at(9), at(9, 30))]
    assert free_gaps(working, busy) == [(at(7), at(8)), (at(12), at(15))]


def test_a_fully_booked_day_has_no_gap_and_a_free_day_one_gap_per_interval() -> None:
    working = [(at(7), at(15))]
    assert free_gaps(working, [(at(6), at(16))]) == []
    assert free_gaps(working, []) == working
    assert free_gaps([], [(at(8), at(9))]) == []


def test_bookings_outside_working_hours_take_nothing_from_them() -> None:
    assert free_gaps([(at(7), at(15))], [(at(16), at(17)), (at(5), at(6))]) == [(at(7), at(15))]


def test_a_week_is_seven_days_from_its_start() -> None:
    days = week_days(MONDAY)
    assert days[0] == MONDAY
    assert days[-1] == date(2026, 12, 6)
    assert len(days) == 7


def test_an_excerpt_is_one_line_cut_with_an_ellipsis() -> None:
    assert excerpt(None) == ""
    assert excerpt("  Oven\n  door   sticks ") == "Oven door sticks"
    text = "word " * 100
    cut = excerpt(text, 20)
    assert len(cut) <= 20
    assert cut.endswith("…")
    assert excerpt("x" * 140) == "x" * 140
