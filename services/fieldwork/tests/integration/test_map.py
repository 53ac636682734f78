"""GET /map: the day's visits as GeoJSON (RFC 7946), per technician in visiting order with
straight-line distances, the unlocated listed apart, and who sees which visits."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from fieldwork.views.domain import Point, distance_km
from tests.integration.rows import HOME, add_booking, add_order, add_technician, located
from tests.integration.seed import World, as_user, seed_world

TUESDAY = date(2026, 12, 1)
A = (59.3326, 18.0649)
B = (59.3500, 18.0700)
D = (59.4000, 17.9500)


@dataclass
class Day:
    world: World
    tina: uuid.UUID
    tina_username: str
    tom: uuid.UUID
    a: str
    b: str
    c: str
    d: str


async def day(client: httpx.AsyncClient) -> Day:
    """Tina: A at 09:00, C (no coordinates) at 11:00, B at 13:00, from her home base;
    Tom, without a home base: D at 10:00."""
    world = await seed_world(client)
    username = "tina-" + uuid.uuid4().hex[:8]
    tina = await add_technician(client, world.org_unit_id, "Tina", username=username)
    tom = await add_technician(client, world.org_unit_id, "Tom", home_base=None)
    made = {}
    for name, where, who, start in (
        ("b", located(*B), tina, "13:00"),
        ("a", located(*A), tina, "09:00"),
        ("c", located(None, None, "Okänd väg 3"), tina, "11:00"),
        ("d", located(*D), tom, "10:00"),
    ):
        order_id, number = await add_order(client, world, location=where)
        end = f"{int(start[:2]) + 1:02d}:00"
        await add_booking(client, order_id, who, TUESDAY, start, end)
        made[name] = number
    # Not on the map: a released booking, another day's booking.
    other_id, _ = await add_order(client, world, location=located(*A))
    await add_booking(client, other_id, tina, TUESDAY, "15:00", "16:00", state="released")
    await add_booking(client, other_id, tina, TUESDAY + timedelta(days=1), "09:00", "10:00")
    return Day(world, tina, username, tom, made["a"], made["b"], made["c"], made["d"])


async def get_map(client: httpx.AsyncClient, query: str, **kw: Any) -> dict[str, Any]:
    answer = await client.get("/map?" + query, **kw)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def check_geojson(body: dict[str, Any]) -> None:
    """The structure RFC 7946 asks for, checked by hand."""
    assert body["type"] == "FeatureCollection"
    assert isinstance(body["features"], list)
    for feature in body["features"]:
        assert feature["type"] == "Feature"
        assert isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        positions = (
            [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"]
        )
        assert geometry["type"] in ("Point", "LineString")
        if geometry["type"] == "LineString":
            assert len(positions) >= 2
        for position in positions:
            assert len(position) == 2
            longitude, latitude = position
            assert -180 <= longitude <= 180
            assert -90 <= latitude <= 90
            assert all(isinstance(v, float) and math.isfinite(v) for v in position)


def stops(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["properties"]["number"]: f for f in body["features"] if f["geometry"]["type"] == "Point"
    }


def routes(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["properties"]["technician"]["name"]: f
        for f in body["features"]
        if f["geometry"]["type"] == "LineString"
    }


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return distance_km(Point(*a), Point(*b))


HOME_AT = (float(HOME["latitude"]), float(HOME["longitude"]))


async def test_the_days_visits_as_geojson(client: httpx.AsyncClient) -> None:
    planned = await day(client)
    body = await get_map(client, f"date={TUESDAY}&org_unit_id={planned.world.org_unit_id}")
    check_geojson(body)

    points = stops(body)
    assert set(points) == {planned.a, planned.b, planned.d}
    a = points[planned.a]
    # [longitude, latitude]
    assert a["geometry"]["coordinates"] == [A[1], A[0]]
    props = a["properties"]
    assert props["kind"] == "stop"
    assert props["stop"] == 1
    assert props["technician"] == {"id": str(planned.tina), "name": "Tina"}
    assert props["customer"]["name"] == "Bageriet AB"
    assert props["customer"]["id"] == str(planned.world.customer_id)
    assert props["starts_at"] == "2026-12-01T08:00:00+00:00"
    assert props["ends_at"] == "2026-12-01T09:00:00+00:00"
    assert props["local_start"] == "09:00"
    assert props["stage"] == "planned"
    assert props["status"] == "planned"
    assert props["distance_km_from_previous"] == pytest.approx(km(HOME_AT, A), abs=0.001)
    assert uuid.UUID(props["order_id"])
    assert uuid.UUID(props["booking_id"])

    # C, between A and B, has no coordinates: listed apart with its stop number.
    (unlocated,) = body["unlocated"]
    assert unlocated["number"] == planned.c
    assert unlocated["stop"] == 2
    assert unlocated["technician"]["name"] == "Tina"
    b = points[planned.b]["properties"]
    assert b["stop"] == 3
    assert b["distance_km_from_previous"] is None  # the stop before it is not located

    # Tom has no home base: his first stop has no distance, his route no line.
    d = points[planned.d]["properties"]
    assert d["stop"] == 1
    assert d["technician"]["name"] == "Tom"
    assert d["distance_km_from_previous"] is None

    lines = routes(body)
    assert set(lines) == {"Tina"}
    tina_route = lines["Tina"]
    assert tina_route["geometry"]["coordinates"] == [
        [HOME_AT[1], HOME_AT[0]],
        [A[1], A[0]],
        [B[1], B[0]],
    ]
    assert tina_route["properties"]["kind"] == "route"
    assert tina_route["properties"]["stops"] == 2
    assert tina_route["properties"]["distance_km"] == pytest.approx(
        km(HOME_AT, A) + km(A, B), abs=0.002
    )


async def test_consecutive_located_stops_have_their_distance(client: httpx.AsyncClient) -> None:
    planned = await day(client)
    body = await get_map(client, f"date={TUESDAY}&technician_id={planned.tom}")
    # Only Tom's; add a second located stop for him to see the distance between stops.
    order_id, number = await add_order(client, planned.world, location=located(*A))
    await add_booking(client, order_id, planned.tom, TUESDAY, "12:00", "12:30")
    body = await get_map(client, f"date={TUESDAY}&technician_id={planned.tom}")
    check_geojson(body)
    points = stops(body)
    assert set(points) == {planned.d, number}
    assert points[number]["properties"]["stop"] == 2
    assert points[number]["properties"]["distance_km_from_previous"] == pytest.approx(
        km(D, A), abs=0.001
    )
    assert routes(body)["Tom"]["properties"]["from_home_base"] is False


async def test_a_technician_sees_only_their_own_visits(client: httpx.AsyncClient) -> None:
    planned = await day(client)
    body = await get_map(
        client, f"date={TUESDAY}", headers=as_user(planned.tina_username, "technician")
    )
    check_geojson(body)
    assert set(stops(body)) == {planned.a, planned.b}
    assert [u["number"] for u in body["unlocated"]] == [planned.c]
    assert set(routes(body)) == {"Tina"}
    tom_asked = await get_map(
        client,
        f"date={TUESDAY}&technician_id={planned.tom}",
        headers=as_user(planned.tina_username, "technician"),
    )
    assert tom_asked["features"] == []
    assert tom_asked["unlocated"] == []


async def test_a_restricted_caller_sees_its_units_visits(client: httpx.AsyncClient) -> None:
    planned = await day(client)
    own = await get_map(
        client,
        f"date={TUESDAY}",
        headers=as_user("v", "viewer", org_units=[planned.world.org_unit_code]),
    )
    assert set(stops(own)) == {planned.a, planned.b, planned.d}
    none = await get_map(
        client, f"date={TUESDAY}", headers=as_user("v", "viewer", org_units=["no-such-unit"])
    )
    assert none == {"type": "FeatureCollection", "features": [], "unlocated": []}


async def test_another_day_and_bad_input(client: httpx.AsyncClient) -> None:
    planned = await day(client)
    wednesday = await get_map(
        client, f"date={TUESDAY + timedelta(days=1)}&org_unit_id={planned.world.org_unit_id}"
    )
    assert [
        f["properties"]["stop"] for f in wednesday["features"] if f["geometry"]["type"] == "Point"
    ] == [1]
    for query, field in (
        ("date=tomorrow", "query.date"),
        ("org_unit_id=x", "query.org_unit_id.0"),
        ("technician_id=1", "query.technician_id.0"),
    ):
        answer = await client.get("/map?" + query)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
