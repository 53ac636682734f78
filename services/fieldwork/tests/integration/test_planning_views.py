"""GET /planning/day, /planning/week and /my-day: technicians' working hours, standing
bookings and free gaps, the unbooked orders beside them, and who sees whose day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from tests.conftest import NOW
from tests.integration.rows import add_booking, add_order, add_org_unit, add_technician
from tests.integration.seed import World, as_user, seed_world

MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
SPLIT_SHIFT = {"2": [{"start": "13:00", "end": "17:00"}, {"start": "08:00", "end": "12:00"}]}


@dataclass
class Planned:
    world: World
    tina: uuid.UUID
    tina_username: str
    tom: uuid.UUID
    first: str  # Tina's 09:00-10:00 on Tuesday
    second: str  # Tina's 13:00-14:00 on Tuesday, booked over her hours on purpose
    second_booking: uuid.UUID
    urgent: str
    normal: str
    low: str
    hidden_booking: uuid.UUID  # Tina's 15:00-15:30 on an order of another org unit
    foreign: str  # that order


async def plan(client: httpx.AsyncClient) -> Planned:
    world = await seed_world(client)
    username = "tina-" + uuid.uuid4().hex[:8]
    tina = await add_technician(client, world.org_unit_id, "Tina", username=username)
    tom = await add_technician(client, world.org_unit_id, "Tom", working_hours=SPLIT_SHIFT)
    await add_technician(client, world.org_unit_id, "Ivar (inactive)", active=False)
    elsewhere, _ = await add_org_unit(client)
    await add_technician(client, elsewhere, "Elsa elsewhere")

    second_id, second = await add_order(client, world)
    second_booking = await add_booking(
        client, second_id, tina, TUESDAY, "13:00", "14:00", overrides=["overlap"]
    )
    first_id, first = await add_order(client, world)
    await add_booking(client, first_id, tina, TUESDAY, "09:00", "10:00")
    # Neither a released booking nor one on another day is part of Tuesday.
    await add_booking(client, first_id, tina, TUESDAY, "11:00", "12:00", state="released")
    await add_booking(client, first_id, tina, TUESDAY + timedelta(days=1), "09:00", "10:00")
    foreign_id, foreign = await add_order(client, world, org_unit_id=elsewhere)
    hidden_booking = await add_booking(client, foreign_id, tina, TUESDAY, "15:00", "15:30")

    _, normal = await add_order(client, world, created_at=NOW - timedelta(days=2))
    _, urgent = await add_order(client, world, priority="urgent")
    _, low = await add_order(client, world, priority="low", created_at=NOW - timedelta(days=9))
    return Planned(
        world,
        tina,
        username,
        tom,
        first,
        second,
        second_booking,
        urgent,
        normal,
        low,
        hidden_booking,
        foreign,
    )


async def get(client: httpx.AsyncClient, url: str, **kw: Any) -> dict[str, Any]:
    answer = await client.get(url, **kw)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["technician"]["name"]: t for t in body["technicians"]}


def gaps(day: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(g["local_start"], g["local_end"], g["minutes"]) for g in day["gaps"]]


async def test_a_day_per_technician_with_bookings_gaps_and_the_unbooked(
    client: httpx.AsyncClient,
) -> None:
    planned = await plan(client)
    body = await get(
        client, f"/planning/day?date={TUESDAY}&org_unit_id={planned.world.org_unit_id}"
    )
    assert body["date"] == str(TUESDAY)
    # Active technicians of the org unit, by name.
    assert list(by_name(body)) == ["Tina", "Tom"]

    tina = by_name(body)["Tina"]
    assert tina["technician"]["id"] == str(planned.tina)
    assert tina["technician"]["time_zone"] == "Europe/Stockholm"
    (day,) = tina["days"]
    assert day["date"] == str(TUESDAY)
    assert day["working_hours"] == [{"start": "08:00:00", "end": "16:00:00"}]
    bookings = day["bookings"]
    assert [b["order"]["number"] for b in bookings[:2]] == [planned.first, planned.second]
    assert [(b["local_start"], b["local_end"]) for b in bookings] == [
        ("09:00:00", "10:00:00"),
        ("13:00:00", "14:00:00"),
        ("15:00:00", "15:30:00"),
    ]
    assert bookings[0]["starts_at"] == "2026-12-01T08:00:00Z"
    assert bookings[0]["ends_at"] == "2026-12-01T09:00:00Z"
    assert bookings[0]["overrides"] == []
    assert bookings[1]["booking_id"] == str(planned.second_booking)
    assert bookings[1]["overrides"] == ["overlap"]
    assert bookings[1]["override_reason"] == "planner said so"
    # An unrestricted planner sees the other unit's order too.
    assert bookings[2]["order"] is not None
    assert gaps(day) == [
        ("08:00:00", "09:00:00", 60),
        ("10:00:00", "13:00:00", 180),
        ("14:00:00", "15:00:00", 60),
        ("15:30:00", "16:00:00", 30),
    ]
    assert day["gaps"][0]["starts_at"] == "2026-12-01T07:00:00Z"

    (tom_day,) = by_name(body)["Tom"]["days"]
    assert tom_day["bookings"] == []
    assert tom_day["working_hours"] == [
        {"start": "08:00:00", "end": "12:00:00"},
        {"start": "13:00:00", "end": "17:00:00"},
    ]
    assert gaps(tom_day) == [("08:00:00", "12:00:00", 240), ("13:00:00", "17:00:00", 240)]

    unbooked = body["unbooked"]
    assert unbooked["count"] == 3
    assert [o["number"] for o in unbooked["items"]] == [planned.urgent, planned.normal, planned.low]
    assert all(o["stage"] == "new" for o in unbooked["items"])
    assert unbooked["next_cursor"] is None


async def test_the_unbooked_orders_page_on(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    url = f"/planning/day?date={TUESDAY}&org_unit_id={planned.world.org_unit_id}&unbooked_limit=2"
    first = (await get(client, url))["unbooked"]
    assert first["count"] == 3
    assert [o["number"] for o in first["items"]] == [planned.urgent, planned.normal]
    rest = (await get(client, f"{url}&unbooked_cursor={first['next_cursor']}"))["unbooked"]
    assert [o["number"] for o in rest["items"]] == [planned.low]
    assert rest["next_cursor"] is None
    bad = await client.get(f"{url}&unbooked_cursor=nonsense")
    assert bad.status_code == 422
    assert bad.json()["field"] == "query.unbooked_cursor" or bad.json()["field"] == "query.cursor"


async def test_a_restricted_planner_sees_busy_time_on_orders_it_may_not_see(
    client: httpx.AsyncClient,
) -> None:
    planned = await plan(client)
    restricted = as_user("rita", "operator", org_units=[planned.world.org_unit_code])
    body = await get(client, f"/planning/day?date={TUESDAY}", headers=restricted)
    assert list(by_name(body)) == ["Tina", "Tom"]  # not Elsa of the other unit
    (day,) = by_name(body)["Tina"]["days"]
    hidden = [b for b in day["bookings"] if b["booking_id"] == str(planned.hidden_booking)]
    assert hidden[0]["order"] is None
    # The hidden order's time is still not free.
    assert ("14:00:00", "15:00:00", 60) in gaps(day)
    assert body["unbooked"]["count"] == 3


async def test_one_technician_and_the_unbooked_of_their_unit(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    body = await get(client, f"/planning/day?date={TUESDAY}&technician_id={planned.tom}")
    assert list(by_name(body)) == ["Tom"]
    assert body["unbooked"]["count"] == 3


async def test_a_technician_plans_only_their_own_day(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    me = as_user(planned.tina_username, "technician")
    body = await get(client, f"/planning/day?date={TUESDAY}", headers=me)
    assert list(by_name(body)) == ["Tina"]
    (day,) = by_name(body)["Tina"]["days"]
    # Their own orders only: the ones assigned to them, whatever their org unit.
    assert [b["order"]["number"] for b in day["bookings"]] == [
        planned.first,
        planned.second,
        planned.foreign,
    ]
    assert body["unbooked"]["count"] == 0


async def test_the_day_defaults_to_today(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    body = await get(client, f"/planning/day?org_unit_id={planned.world.org_unit_id}")
    assert body["date"] == str(MONDAY)
    assert all(t["days"][0]["bookings"] == [] for t in body["technicians"])


async def test_a_week_per_technician_per_day(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    body = await get(
        client, f"/planning/week?week_start={MONDAY}&org_unit_id={planned.world.org_unit_id}"
    )
    assert body["week_start"] == str(MONDAY)
    assert body["days"] == [str(MONDAY + timedelta(days=n)) for n in range(7)]
    tina = by_name(body)["Tina"]
    assert [d["date"] for d in tina["days"]] == body["days"]
    assert [len(d["bookings"]) for d in tina["days"]] == [0, 3, 1, 0, 0, 0, 0]
    saturday = tina["days"][5]
    assert saturday["working_hours"] == []
    assert saturday["gaps"] == []
    assert gaps(tina["days"][0]) == [("08:00:00", "16:00:00", 480)]
    tom = by_name(body)["Tom"]
    assert [len(d["working_hours"]) for d in tom["days"]] == [0, 2, 0, 0, 0, 0, 0]
    assert body["unbooked"]["count"] == 3


async def test_a_week_starts_on_a_monday(client: httpx.AsyncClient) -> None:
    for query in ("week_start=2026-12-01", "week_start=2026-12-06", "week_start=monday", ""):
        answer = await client.get(f"/planning/week?{query}")
        assert answer.status_code == 422, (query, answer.text)
        assert answer.json()["field"] == "query.week_start"
    bad_day = await client.get("/planning/day?date=2026-02-30")
    assert bad_day.status_code == 422
    assert bad_day.json()["field"] == "query.date"


# --- my day --------------------------------------------------------------------------------


async def test_my_day_is_my_bookings_in_time_order(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    me = as_user(planned.tina_username, "technician")
    body = await get(client, f"/my-day?date={TUESDAY}", headers=me)
    assert body["date"] == str(TUESDAY)
    assert body["technician"]["id"] == str(planned.tina)
    assert body["working_hours"] == [{"start": "08:00:00", "end": "16:00:00"}]
    numbers = [b["order"]["number"] for b in body["bookings"]]
    assert numbers == [planned.first, planned.second, planned.foreign]
    assert body["bookings"][0]["order"]["customer"]["name"] == "Bageriet AB"
    today = await get(client, "/my-day", headers=me)
    assert today["date"] == str(MONDAY)
    assert today["bookings"] == []


async def test_a_planner_looks_at_a_technicians_day(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    body = await get(client, f"/my-day?date={TUESDAY}&technician_id={planned.tina}")
    assert [b["order"]["number"] for b in body["bookings"][:2]] == [planned.first, planned.second]
    restricted = as_user("rita", "viewer", org_units=[planned.world.org_unit_code])
    seen = await get(
        client, f"/my-day?date={TUESDAY}&technician_id={planned.tina}", headers=restricted
    )
    # The other unit's order: its time shows, not the order.
    assert [b["order"]["number"] if b["order"] else None for b in seen["bookings"]] == [
        planned.first,
        planned.second,
        None,
    ]


async def test_whose_day_cannot_be_seen_is_404(client: httpx.AsyncClient) -> None:
    planned = await plan(client)
    cases = [
        # No technician record for this caller.
        ("/my-day", as_user("nobody-" + uuid.uuid4().hex[:6], "technician")),
        ("/my-day", as_user("planner", "admin")),
        # Unknown technician.
        (f"/my-day?technician_id={uuid.uuid4()}", as_user("planner", "admin")),
        # Another technician's day, asked for by a technician.
        (f"/my-day?technician_id={planned.tom}", as_user(planned.tina_username, "technician")),
        # A technician of an org unit the planner may not see.
        (
            f"/my-day?technician_id={planned.tina}",
            as_user("olle", "operator", org_units=["no-such-unit"]),
        ),
    ]
    for url, headers in cases:
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 404, (url, headers, answer.text)
    own = await client.get(
        f"/my-day?technician_id={planned.tina}",
        headers=as_user(planned.tina_username, "technician"),
    )
    assert own.status_code == 200, own.text
