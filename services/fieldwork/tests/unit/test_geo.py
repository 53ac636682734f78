"""Straight-line distances and the day's map as GeoJSON (fieldwork.views.domain)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from typing import Any

import pytest

from fieldwork.views.domain import Point, Round, Visit, day_map, distance_km, point_of

STOCKHOLM = Point(59.3293, 18.0686)
GOTHENBURG = Point(57.7089, 11.9746)
MALMO = Point(55.6050, 13.0038)


def test_stockholm_to_gothenburg_is_about_397_km() -> None:
    assert 395.0 < distance_km(STOCKHOLM, GOTHENBURG) < 399.0


def test_one_degree_of_longitude_on_the_equator_is_111_km() -> None:
    assert distance_km(Point(0, 0), Point(0, 1)) == pytest.approx(111.195, abs=0.01)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert distance_km(STOCKHOLM, STOCKHOLM) == 0.0
    assert distance_km(STOCKHOLM, MALMO) == pytest.approx(distance_km(MALMO, STOCKHOLM))


def test_the_date_line_is_crossed_the_short_way() -> None:
    assert distance_km(Point(0, 179.5), Point(0, -179.5)) == pytest.approx(111.195, abs=0.01)


def test_pole_to_pole_is_half_the_circumference() -> None:
    assert distance_km(Point(90, 0), Point(-90, 0)) == pytest.approx(math.pi * 6371.0088)


@pytest.mark.parametrize(
    "address",
    [
        None,
        {},
        {"street": "Storgatan 1"},
        {"latitude": 59.3, "longitude": None},
        {"latitude": "59.3", "longitude": "18.0"},
        {"latitude": True, "longitude": 18.0},
        {"latitude": 91.0, "longitude": 18.0},
        {"latitude": 59.3, "longitude": -180.5},
        {"latitude": float("nan"), "longitude": 18.0},
    ],
)
def test_an_address_without_sound_coordinates_has_no_point(address: dict[str, Any] | None) -> None:
    assert point_of(address) is None


def test_an_address_with_coordinates_has_its_point() -> None:
    assert point_of({"latitude": 59, "longitude": 18.5, "city": "x"}) == Point(59.0, 18.5)


# --- the day's map ------------------------------------------------------------------------


def visit(n: int, hour: int, point: Point | None, technician: str = "t1") -> Visit:
    return Visit(
        booking_id=f"b{n}",
        order_id=f"o{n}",
        number=f"SO-{n:06d}",
        customer={"id": "c", "name": "Bageriet AB", "customer_number": "C-1"},
        technician_id=technician,
        technician_name="Tina " + technician,
        starts_at=datetime(2026, 12, 1, hour, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, hour + 1, tzinfo=UTC),
        local_start=time(hour + 1),
        local_end=time(hour + 2),
        stage="planned",
        status="planned",
        point=point,
    )


def points(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["features"] if f["geometry"]["type"] == "Point"]


def lines(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["features"] if f["geometry"]["type"] == "LineString"]


def test_stops_in_visiting_order_with_distances_from_home_and_previous() -> None:
    # Given in the wrong order: the map orders by start time.
    result = day_map(
        [Round("t1", "Tina", STOCKHOLM, [visit(2, 12, MALMO), visit(1, 8, GOTHENBURG)])]
    )
    assert result["type"] == "FeatureCollection"
    assert result["unlocated"] == []
    stops = points(result)
    assert [s["properties"]["number"] for s in stops] == ["SO-000001", "SO-000002"]
    assert [s["properties"]["stop"] for s in stops] == [1, 2]
    first, second = (s["properties"]["distance_km_from_previous"] for s in stops)
    assert first == pytest.approx(distance_km(STOCKHOLM, GOTHENBURG), abs=0.001)
    assert second == pytest.approx(distance_km(GOTHENBURG, MALMO), abs=0.001)
    # GeoJSON positions are [longitude, latitude].
    assert stops[0]["geometry"]["coordinates"] == [GOTHENBURG.longitude, GOTHENBURG.latitude]
    assert stops[0]["properties"]["technician"] == {"id": "t1", "name": "Tina t1"}
    assert stops[0]["properties"]["starts_at"] == "2026-12-01T08:00:00+00:00"
    assert stops[0]["properties"]["local_start"] == "09:00"
    (route,) = lines(result)
    assert route["geometry"]["coordinates"] == [
        [STOCKHOLM.longitude, STOCKHOLM.latitude],
        [GOTHENBURG.longitude, GOTHENBURG.latitude],
        [MALMO.longitude, MALMO.latitude],
    ]
    assert route["properties"]["distance_km"] == pytest.approx(first + second, abs=0.002)
    assert route["properties"]["from_home_base"] is True
    assert route["properties"]["stops"] == 2


def test_without_a_home_base_the_first_distance_is_null_and_the_route_starts_at_stop_one() -> None:
    result = day_map([Round("t1", "Tina", None, [visit(1, 8, GOTHENBURG), visit(2, 12, MALMO)])])
    first, second = (s["properties"]["distance_km_from_previous"] for s in points(result))
    assert first is None
    assert second == pytest.approx(distance_km(GOTHENBURG, MALMO), abs=0.001)
    (route,) = lines(result)
    assert len(route["geometry"]["coordinates"]) == 2
    assert route["properties"]["from_home_base"] is False


def test_a_visit_without_coordinates_is_listed_apart_and_keeps_its_stop_number() -> None:
    result = day_map(
        [
            Round(
                "t1",
                "Tina",
                STOCKHOLM,
                [visit(1, 8, GOTHENBURG), visit(2, 10, None), visit(3, 12, MALMO)],
            )
        ]
    )
    (missing,) = result["unlocated"]
    assert missing["number"] == "SO-000002"
    assert missing["stop"] == 2
    assert missing["distance_km_from_previous"] is None
    stops = points(result)
    assert [s["properties"]["stop"] for s in stops] == [1, 3]
    # The stop after an unlocated one has no known previous place.
    assert stops[1]["properties"]["distance_km_from_previous"] is None
    (route,) = lines(result)
    assert len(route["geometry"]["coordinates"]) == 3  # home, Gothenburg, Malmö


def test_one_route_per_technician_and_none_with_a_single_point() -> None:
    result = day_map(
        [
            Round("t1", "Tina", STOCKHOLM, [visit(1, 8, GOTHENBURG)]),
            Round("t2", "Tom", None, [visit(2, 8, MALMO, technician="t2")]),
        ]
    )
    routes = lines(result)
    assert [r["properties"]["technician"]["id"] for r in routes] == ["t1"]
    assert [s["properties"]["stop"] for s in points(result)] == [1, 1]


def test_an_empty_day_is_an_empty_collection() -> None:
    assert day_map([]) == {"type": "FeatureCollection", "features": [], "unlocated": []}
