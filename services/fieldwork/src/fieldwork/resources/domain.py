"""The rules of field work's resources, free of I/O: a technician's working hours and
sign-in name, a vehicle's registration, an order kind's code, and the location an order
takes from its serial item's installation address.

Working hours are kept per ISO weekday (``"1"`` Monday .. ``"7"`` Sunday) as sorted,
non-overlapping ``{"start": "HH:MM", "end": "HH:MM"}`` intervals in the technician's org
unit's local time; a weekday that is absent is a day off. Planning (overlap and
working-hour checks) reads them with ``intervals_on``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

WEEKDAYS = tuple(str(day) for day in range(1, 8))
# When an admin names no working hours: Monday to Friday, 08:00-16:00.
DEFAULT_WORKING_HOURS: dict[str, list[dict[str, str]]] = {
    day: [{"start": "08:00", "end": "16:00"}] for day in WEEKDAYS[:5]
}
# At most this many intervals a day (a split shift, a long lunch): more is a typing error.
MAX_INTERVALS_A_DAY = 6

_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
# The gateway's usernames (gateway README): 1-150 of a-z 0-9 . _ @ -; the column holds 100.
_USERNAME = re.compile(r"^[a-z0-9._@-]{1,100}$")
_KIND_CODE = re.compile(r"^[a-z0-9_-]{1,50}$")
E164 = r"^\+[1-9][0-9]{6,14}$"


class InvalidValue(ValueError):
    """A value breaks a rule; ``field`` is where, relative to the value checked (empty:
    the value itself), so a schema can name the whole path."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def parse_clock(text: str) -> time:
    """``"HH:MM"`` (00:00-23:59) as a time; ``InvalidValue`` otherwise."""
    match = _CLOCK.match(text)
    if match is None:
        raise InvalidValue(f"{text!r} is not a time of day HH:MM (00:00-23:59)")
    return time(int(match.group(1)), int(match.group(2)))


def check_working_hours(hours: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """Working hours as stored: weekdays ``"1"``-``"7"`` only, each interval's end after
    its start, a day's intervals sorted and not overlapping (touching is fine: 08:00-12:00
    and 12:00-16:00), empty days left out (a day off). ``InvalidValue.field`` names the
    weekday and interval at fault (``"3.1.end"``)."""
    checked: dict[str, list[dict[str, str]]] = {}
    for day, intervals in hours.items():
        if day not in WEEKDAYS:
            raise InvalidValue(f"{day!r} is not an ISO weekday ('1' Monday .. '7' Sunday)", day)
        if len(intervals) > MAX_INTERVALS_A_DAY:
            raise InvalidValue(f"at most {MAX_INTERVALS_A_DAY} intervals a day", day)
        parsed: list[tuple[time, time, int]] = []
        for i, interval in enumerate(intervals):
            bounds = []
            for end in ("start", "end"):
                value = interval.get(end)
                if not isinstance(value, str):
                    raise InvalidValue("a time of day HH:MM is required", f"{day}.{i}.{end}")
                try:
                    bounds.append(parse_clock(value))
                except InvalidValue as error:
                    raise InvalidValue(str(error), f"{day}.{i}.{end}") from None
            start, finish = bounds
            if finish <= start:
                raise InvalidValue(
                    f"the interval ends ({finish:%H:%M}) before or when it starts ({start:%H:%M})",
                    f"{day}.{i}.end",
                )
            parsed.append((start, finish, i))
        parsed.sort()
        for (_, previous_end, j), (start, _, i) in itertools.pairwise(parsed):
            if start < previous_end:
                raise InvalidValue(
                    f"the interval overlaps interval {j} of the same day", f"{day}.{i}.start"
                )
        if parsed:
            checked[day] = [{"start": f"{s:%H:%M}", "end": f"{e:%H:%M}"} for s, e, _ in parsed]
    return {day: checked[day] for day in WEEKDAYS if day in checked}


def intervals_on(hours: Mapping[str, Any], iso_weekday: int) -> list[tuple[time, time]]:
    """A technician's working intervals on a weekday (1 Monday .. 7 Sunday), in order;
    empty on a day off. ``hours`` as stored (``check_working_hours``)."""
    return [
        (parse_clock(i["start"]), parse_clock(i["end"])) for i in hours.get(str(iso_weekday), [])
    ]


def normalize_username(username: str) -> str:
    """The gateway compares usernames case-insensitively: stored trimmed, lower case."""
    normalized = username.strip().lower()
    if not _USERNAME.match(normalized):
        raise InvalidValue("a username is 1-100 of a-z 0-9 . _ @ -")
    return normalized


def normalize_registration(registration: str) -> str:
    """A registration as printed on the plate, compared without spaces in upper case
    ("abc 123" and "ABC123" are one vehicle): letters (any alphabet), digits and '-'."""
    normalized = "".join(registration.split()).upper()
    if not 1 <= len(normalized) <= 20:
        raise InvalidValue("a registration has 1-20 characters besides spaces")
    if not all(c.isalnum() or c == "-" for c in normalized):
        raise InvalidValue("a registration has only letters, digits and '-'")
    return normalized


def normalize_kind_code(code: str) -> str:
    """An order kind's code, the key templates and order snapshots use: lower case
    a-z 0-9 _ -, 1-50 characters."""
    normalized = code.strip().lower()
    if not _KIND_CODE.match(normalized):
        raise InvalidValue("a code is 1-50 of a-z 0-9 _ -")
    return normalized


def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    """Both coordinates or neither (ranges are the schema's): half a position is no place."""
    if (latitude is None) != (longitude is None):
        raise InvalidValue("give both latitude and longitude, or neither")


ADDRESS_FIELDS = ("street", "postal_code", "city", "country", "latitude", "longitude")


def location_of(installation_address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The order's ``location`` (``aftersales_contracts.fieldwork.Address`` fields) for a
    serial item's installation address as catalog sent it; None when it has none."""
    if installation_address is None:
        return None
    return {name: installation_address.get(name) for name in ADDRESS_FIELDS}
