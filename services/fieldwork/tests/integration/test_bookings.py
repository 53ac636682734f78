"""Bookings over HTTP: adding, moving and removing visits; overlaps (409 naming the other
booking), working hours (409 naming the hours), overrides recorded, concurrent bookings of
one technician, DST-safe local times, the confirmation offer and the Booked events."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.integration.seed import seed_world
from tests.integration.test_orders_support import (
    add_technician,
    event_types,
    events_of,
    if_match,
    new_order,
    planned_order,
)


async def _book(
    client: httpx.AsyncClient, order: dict[str, Any], expect: int = 201, **body: Any
) -> dict[str, Any]:
    answer = await client.post(
        f"/service-orders/{order['id']}/bookings", json=body, headers=if_match(order)
    )
    assert answer.status_code == expect, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_booking_a_new_order_plans_it(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await new_order(
        client, world, technician_id=str(technician_id), contact_id=str(world.contact_id)
    )
    assert order["stage"] == "new"
    booked = await _book(client, order, date="2026-12-01", start="08:00", end="10:30")
    assert booked["version"] == order["version"] + 1
    assert (booked["stage"], booked["status"]) == ("planned", "planned")
    (booking,) = booked["bookings"]
    assert booking["technician_id"] == str(technician_id)
    assert (booking["local_date"], booking["local_start"], booking["local_end"]) == (
        "2026-12-01",
        "08:00:00",
        "10:30:00",
    )
    assert booking["starts_at"].startswith("2026-12-01T07:00:00")
    assert booking["created_by"] == "planner"
    assert booked["confirmation_offer"] == {
        "can_offer": True,
        "reason": None,
        "contact": {
            "contact_id": str(world.contact_id),
            "name": "Sven Svensson",
            "email": "sven@example.com",
            "mobile": "+46701234567",
        },
    }
    events = await events_of(client, order["id"])
    assert [e["type"] for e in events] == [
        "fieldwork.order.created",
        "fieldwork.order.booked",
        "fieldwork.order.stage_changed",
    ]
    snapshot = events[1]["payload"]["order"]
    assert [b["booking_id"] for b in snapshot["bookings"]] == [booking["id"]]
    assert snapshot["bookings"][0]["local_start"] == "08:00:00"


async def test_the_offer_says_why_not(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    # The second contact has an e-mail too; without a contact there is no one to send to.
    order = await planned_order(client, world, technician_id)
    assert order["confirmation_offer"]["can_offer"] is False
    assert "contact" in order["confirmation_offer"]["reason"]
    plain = await new_order(client, world, contact_id=str(world.contact_id))
    assert plain["confirmation_offer"]["reason"] == "the order has no booking to confirm"


async def test_a_booking_without_any_technician_is_422(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await new_order(client, world)
    problem = await _book(client, order, 422, date="2026-12-01", start="09:00", end="10:00")
    assert problem["field"] == "technician_id"
    technician_id = await add_technician(client, world)
    for body, field in (
        ({"technician_id": str(uuid.uuid4())}, "technician_id"),
        ({"start": "10:00", "end": "09:00"}, "end"),
        ({"date": "2026-12-40"}, "date"),
        ({"override": {"reason": ""}}, "override.reason"),
        ({"colour": "red"}, "colour"),
    ):
        full = {
            "date": "2026-12-01",
            "start": "09:00",
            "end": "10:00",
            "technician_id": str(technician_id),
        } | body
        problem = await _book(client, order, 422, **full)
        named = {problem.get("field")} | {e["field"] for e in problem.get("errors", [])}
        assert field in named, (body, problem)


async def test_an_overlap_is_409_naming_the_other_booking(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    first = await planned_order(client, world, technician_id, start="09:00", end="11:00")
    second = await new_order(client, world, technician_id=str(technician_id))
    problem = await _book(client, second, 409, date="2026-11-30", start="10:00", end="12:00")
    (conflict,) = problem["conflicts"]
    assert conflict == {
        "kind": "overlap",
        "booking_id": first["bookings"][0]["id"],
        "order_id": first["id"],
        "order_number": first["number"],
        "starts_at": conflict["starts_at"],
        "ends_at": conflict["ends_at"],
    }
    assert conflict["starts_at"].startswith("2026-11-30T08:00:00")
    assert first["number"] in problem["detail"]
    unchanged = (await client.get(f"/service-orders/{second['id']}")).json()
    assert (unchanged["version"], unchanged["bookings"]) == (second["version"], [])
    # Touching intervals do not overlap: 11:00-12:00 right after 09:00-11:00.
    touching = await _book(client, second, date="2026-11-30", start="11:00", end="12:00")
    assert touching["stage"] == "planned"
    # Another technician is free then.
    other_technician = await add_technician(client, world, name="Other")
    third = await new_order(client, world)
    await _book(
        client,
        third,
        date="2026-11-30",
        start="09:00",
        end="11:00",
        technician_id=str(other_technician),
    )


async def test_working_hours_are_409_naming_them(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await new_order(client, world, technician_id=str(technician_id))
    early = await _book(client, order, 409, date="2026-11-30", start="06:00", end="08:00")
    assert early["conflicts"] == [
        {
            "kind": "working_hours",
            "weekday": 1,
            "working_hours": [{"start": "07:00", "end": "17:00"}],
        }
    ]
    saturday = await _book(client, order, 409, date="2026-12-05", start="09:00", end="10:00")
    assert saturday["conflicts"] == [{"kind": "working_hours", "weekday": 6, "working_hours": []}]
    assert "day off" in saturday["detail"]


async def test_an_override_books_anyway_and_is_recorded(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    first = await planned_order(client, world, technician_id, start="09:00", end="11:00")
    second = await new_order(client, world, technician_id=str(technician_id))
    booked = await _book(
        client,
        second,
        date="2026-11-30",
        start="10:00",
        end="17:30",
        override={"reason": "customer insists, overtime agreed"},
    )
    (booking,) = booked["bookings"]
    assert booking["overrides"] == ["overlap", "working_hours"]
    assert booking["override_reason"] == "customer insists, overtime agreed"
    history = (await client.get(f"/service-orders/{second['id']}/history")).json()["items"]
    (entry,) = [h for h in history if h["kind"] == "booking"]
    assert entry["detail"]["overrides"] == ["overlap", "working_hours"]
    assert entry["detail"]["override_reason"] == "customer insists, overtime agreed"
    assert entry["detail"]["conflicts"][0]["order_number"] == first["number"]
    assert entry["by"] == "planner"
    # An override with nothing to override records nothing.
    third = await new_order(client, world, technician_id=str(technician_id))
    plain = await _book(
        client, third, date="2026-12-01", start="09:00", end="10:00", override={"reason": "x"}
    )
    assert (plain["bookings"][0]["overrides"], plain["bookings"][0]["override_reason"]) == (
        [],
        None,
    )


async def test_move_and_remove_a_booking(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    blocker = await planned_order(client, world, technician_id, day="2026-12-02")
    order = await planned_order(client, world, technician_id)
    booking_id = order["bookings"][0]["id"]
    url = f"/service-orders/{order['id']}/bookings/{booking_id}"
    # Moving onto its own old interval is no overlap.
    moved = await client.patch(url, json={"start": "10:00"}, headers=if_match(order))
    assert moved.status_code == 200, moved.text
    order = moved.json()
    assert (order["bookings"][0]["local_start"], order["bookings"][0]["local_end"]) == (
        "10:00:00",
        "11:00:00",
    )
    assert order["booked_from"].startswith("2026-11-30T09:00:00")
    # Onto the other order's visit: 409 naming it.
    clash = await client.patch(url, json={"date": "2026-12-02"}, headers=if_match(order))
    assert clash.status_code == 409, clash.text
    assert clash.json()["conflicts"][0]["order_number"] == blocker["number"]
    # A booking of another order is not found under this one.
    other_url = f"/service-orders/{order['id']}/bookings/{blocker['bookings'][0]['id']}"
    assert (await client.patch(other_url, json={}, headers=if_match(order))).status_code == 404
    removed = await client.delete(url, headers=if_match(order))
    assert removed.status_code == 200, removed.text
    order = removed.json()
    assert (order["stage"], order["status"], order["booked_from"]) == ("new", None, None)
    assert [b["state"] for b in order["bookings"]] == ["released"]
    # A released booking is history.
    again = await client.delete(url, headers=if_match(order))
    assert again.status_code == 409
    assert (await event_types(client, order["id"]))[-2:] == [
        "fieldwork.order.booked",
        "fieldwork.order.stage_changed",
    ]


async def test_concurrent_bookings_of_one_technician_cannot_both_pass(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    orders = [await new_order(client, world, technician_id=str(technician_id)) for _ in range(4)]
    answers = await asyncio.gather(
        *(
            client.post(
                f"/service-orders/{order['id']}/bookings",
                json={"date": "2026-12-03", "start": "09:00", "end": "10:00"},
                headers=if_match(order),
            )
            for order in orders
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]


async def test_local_times_on_a_dst_day(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    always = {str(d): [{"start": "00:00", "end": "23:59"}] for d in range(1, 8)}
    technician_id = await add_technician(client, world, working_hours=always)
    order = await new_order(client, world, technician_id=str(technician_id))
    # 29 March 2027 is a Monday; Stockholm springs forward on Sunday 28 March 2027.
    skipped = await _book(client, order, 422, date="2027-03-28", start="02:30", end="04:00")
    assert skipped["field"] == "start"
    booked = await _book(client, order, date="2027-03-28", start="01:00", end="04:00")
    (booking,) = booked["bookings"]
    assert booking["starts_at"].startswith("2027-03-28T00:00:00")
    assert booking["ends_at"].startswith("2027-03-28T02:00:00")  # two hours, not three
