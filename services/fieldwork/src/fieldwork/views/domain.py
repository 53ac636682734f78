"""The read side's pure rules: straight-line distances, a technician's day (working hours,
free gaps) and the day's routes as GeoJSON (RFC 7946). Dates and instants in, plain data
out; no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# The mean Earth radius (IUGG): a straight line on the sphere is good to ~0.5 %.
EARTH_RADIUS_KM = 6371.0088
# A card's description is cut to this many characters.
EXCERPT_LENGTH = 140


def excerpt(text: str | None, length: int = EXCERPT_LENGTH) -> str:
    """The start of ``text`` on one line, cut at ``length`` characters with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= length:
        return flat
    return flat[: length - 1].rstrip() + "…"


# --- geometry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """WGS 84 coordinates in degrees."""

    latitude: float
    longitude: float

    def coordinates(self) -> list[float]:
        """GeoJSON's position: longitude first (RFC 7946, 3.1.1)."""
        return [self.longitude, self.latitude]


def point_of(address: Mapping[str, Any] | None) -> Point | None:
    """The coordinates an address carries, or None when it has none (or nonsense ones:
    a map must not draw a stop in the wrong hemisphere)."""
    if not address:
        return None
    lat, lon = address.get("latitude"), address.get("longitude")
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return Point(float(lat), float(lon))


def distance_km(a: Point, b: Point) -> float:
    """The great-circle (haversine) distance between two points, in kilometres."""
    phi1, phi2 = math.radians(a.latitude), math.radians(b.latitude)
    d_phi = phi2 - phi1
    d_lambda = math.radians(b.longitude - a.longitude)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# --- a technician's day ------------------------------------------------------------------

Interval = tuple[datetime, datetime]


def _clock_time(text: object) -> time | None:
    if not isinstance(text, str):
        return None
    if text in ("24:00", "24:00:00"):
        return time.max
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def working_hours_on(working_hours: Mapping[str, Any], day: date) -> list[tuple[time, time]]:
    """The technician's working intervals on ``day`` as typed (``{"1": [{"start": "08:00",
    "end": "16:00"}], ...}``, ISO weekdays), in start order; a missing weekday is a day
    off, and an interval that does not parse or ends before it starts is left out."""
    intervals: list[tuple[time, time]] = []
    for entry in working_hours.get(str(day.isoweekday())) or []:
        if not isinstance(entry, Mapping):
            continue
        start, end = _clock_time(entry.get("start")), _clock_time(entry.get("end"))
        if start is not None and end is not None and start < end:
            intervals.append((start, end))
    return sorted(intervals)


def instants(day: date, intervals: Sequence[tuple[time, time]], zone: ZoneInfo) -> list[Interval]:
    """Local working intervals of ``day`` as instants in ``zone`` (a DST change moves them
    as the wall clock does); ``time.max`` as an end means midnight after ``day``."""
    result: list[Interval] = []
    for start, end in intervals:
        begins = datetime.combine(day, start, zone)
        if end == time.max:
            ends = datetime.combine(day + timedelta(days=1), time(), zone)
        else:
            ends = datetime.combine(day, end, zone)
        result.append((begins, ends))
    return result


def free_gaps(working: Sequence[Interval], busy: Sequence[Interval]) -> list[Interval]:
    """The parts of the working intervals no busy interval covers, in time order (busy
    intervals may overlap each other or reach outside the working hours)."""
    ordered_busy = sorted(busy)
    gaps: list[Interval] = []
    for start, end in sorted(working):
        cursor = start
        for b_start, b_end in ordered_busy:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                gaps.append((cursor, b_start))
            cursor = max(cursor, b_end)
            if cursor >= end:
                break
        if cursor < end:
            gaps.append((cursor, end))
    return gaps


def week_days(week_start: date) -> list[date]:
    """The seven days of the week that starts on ``week_start``."""
    return [week_start + timedelta(days=n) for n in range(7)]


# --- the day's routes as GeoJSON ---------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """One standing booking of the day, as the map shows it."""

    booking_id: str
    order_id: str
    number: str
    customer: Mapping[str, Any] | None
    technician_id: str
    technician_name: str
    starts_at: datetime
    ends_at: datetime
    local_start: time
    local_end: time
    stage: str
    status: str | None
    point: Point | None


@dataclass(frozen=True)
class Round:
    """One technician's visits of the day and where their day starts."""

    technician_id: str
    technician_name: str
    home_base: Point | None
    visits: Sequence[Visit]


def _rounded(km: float) -> float:
    return round(km, 3)


def _properties(visit: Visit, stop: int) -> dict[str, Any]:
    return {
        "kind": "stop",
        "booking_id": visit.booking_id,
        "order_id": visit.order_id,
        "number": visit.number,
        "customer": dict(visit.customer) if visit.customer is not None else None,
        "technician": {"id": visit.technician_id, "name": visit.technician_name},
        "starts_at": visit.starts_at.isoformat(),
        "ends_at": visit.ends_at.isoformat(),
        "local_start": visit.local_start.isoformat(timespec="minutes"),
        "local_end": visit.local_end.isoformat(timespec="minutes"),
        "stage": visit.stage,
        "status": visit.status,
        "stop": stop,
    }


def day_map(rounds: Sequence[Round]) -> dict[str, Any]:
    """The day as a GeoJSON FeatureCollection: a Point per visit with coordinates, in each
    technician's visiting order (by start time; ``stop`` counts every visit, located or
    not, so the numbers are the real order), with the straight-line distance from the
    previous stop (the first from the home base), null when that place has no coordinates;
    and per technician a LineString from the home base through the located stops, when it
    has two points or more, with its length. Visits without coordinates are listed in
    ``unlocated`` (a foreign member, RFC 7946 6.1), never dropped."""
    features: list[dict[str, Any]] = []
    unlocated: list[dict[str, Any]] = []
    for route in rounds:
        previous: Point | None = route.home_base
        line: list[Point] = [route.home_base] if route.home_base is not None else []
        visits = sorted(route.visits, key=lambda v: (v.starts_at, v.ends_at, v.booking_id))
        for stop, visit in enumerate(visits, start=1):
            properties = _properties(visit, stop)
            if visit.point is None:
                properties["distance_km_from_previous"] = None
                unlocated.append(properties)
                previous = None
                continue
            properties["distance_km_from_previous"] = (
                _rounded(distance_km(previous, visit.point)) if previous is not None else None
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": visit.point.coordinates()},
                    "properties": properties,
                }
            )
            line.append(visit.point)
            previous = visit.point
        if len(line) >= 2:
            length = sum(distance_km(a, b) for a, b in itertools.pairwise(line))
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [p.coordinates() for p in line],
                    },
                    "properties": {
                        "kind": "route",
                        "technician": {"id": route.technician_id, "name": route.technician_name},
                        "from_home_base": route.home_base is not None,
                        "stops": sum(1 for v in visits if v.point is not None),
                        "distance_km": _rounded(length),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features, "unlocated": unlocated}
