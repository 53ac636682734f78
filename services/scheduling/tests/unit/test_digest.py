"""When an org unit's daily digest is due (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from scheduling.digest import due_day

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_due_from_the_local_digest_time_on_that_local_day() -> None:
    at = time(7, 0)
    # 05:59 UTC is 06:59 in Stockholm in winter: not yet.
    assert due_day(datetime(2026, 1, 10, 5, 59, tzinfo=UTC), STOCKHOLM, at) is None
    assert due_day(datetime(2026, 1, 10, 6, 0, tzinfo=UTC), STOCKHOLM, at) == date(2026, 1, 10)
    # 23:30 UTC is 00:30 of the next day in Stockholm: before 07:00 there, after 00:15.
    late = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)
    assert due_day(late, STOCKHOLM, at) is None
    assert due_day(late, STOCKHOLM, time(0, 15)) == date(2026, 1, 11)
    # Summer time: 07:00 local is 05:00 UTC.
    assert due_day(datetime(2026, 7, 10, 5, 0, tzinfo=UTC), STOCKHOLM, at) == date(2026, 7, 10)
