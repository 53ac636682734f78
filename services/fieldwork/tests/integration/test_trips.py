"""Orders as trips of their case: trip type, assigned technicians (the first responsible),
the distance pre-filled or set, and what an assigned technician sees."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update

from fieldwork import tables
from fieldwork.views.domain import Point, distance_km
from tests.integration.seed import World, as_user, runtime_of, seed_world
from tests.integration.test_cases_support import act, fetch_case, new_case, new_trip
from tests.integration.test_orders_support import add_technician, if_match, new_order

# The test technicians' home base and the world's first serial item.
HOME = Point(59.30, 18.00)
ITEM = Point(59.3326, 18.0649)
OTHER_ITEM = Point(59.3500, 18.0700)
BOOKING = {"date": "2026-12-01", "start": "09:00", "end": "10:00"}


def _km(to: Point) -> float:
    return round(distance_km(HOME, to), 1)


async def _team(client: httpx.AsyncClient, world: World) -> tuple[uuid.UUID, uuid.UUID]:
    first = await add_technician(client, world, username=f"t-{uuid.uuid4().hex[:8]}", name="Ada")
    second = await add_technician(client, world, username=f"t-{uuid.uuid4().hex[:8]}", name="Bo")
    return first, second


async def test_a_trip_in_a_case(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    first, second = await _team(client, world)
    case = await new_case(client, world)
    trip = await new_trip(
        client,
        case,
        trip_type="customer_visit",
        technician_ids=[str(first), str(second)],
        booking=BOOKING,
        description="Bring the thermostat",
    )
    assert trip["case_id"] == case["id"]
    assert trip["customer_id"] == str(world.customer_id)
    assert trip["contact_id"] == str(world.contact_id)
    assert trip["serial_item_id"] == str(world.item_id)  # the case's first
    assert trip["trip_type"] == "customer_visit"
    assert trip["technician_id"] == str(first)
    assert trip["technician_ids"] == [str(first), str(second)]
    assert [t["name"] for t in trip["technicians"]] == ["Ada", "Bo"]
    assert trip["distance_km"] == _km(ITEM)
    assert trip["stage"] == "planned"
    fetched = (await client.get(f"/service-orders/{trip['id']}")).json()
    assert fetched["technician_ids"] == trip["technician_ids"]


async def test_a_trip_with_its_own_place_and_distance(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    first, _ = await _team(client, world)
    case = await new_case(client, world)
    trip = await new_trip(
        client, case, technician_ids=[str(first)], serial_item_id=str(world.other_item_id)
    )
    assert trip["distance_km"] == _km(OTHER_ITEM)
    assert trip["trip_type"] == "field_trip"
    set_by_hand = await new_trip(client, case, technician_ids=[str(first)], distance_km=12.34)
    assert set_by_hand["distance_km"] == 12.3
    none = await new_trip(client, case, technician_ids=[str(first)], distance_km=None)
    assert none["distance_km"] is None
    # No coordinates at the place: no distance.
    free = await new_trip(
        client, case, technician_ids=[str(first)], location={"street": "Storgatan 5"}
    )
    assert free["distance_km"] is None
    # No technician: no distance either.
    assert (await new_trip(client, case))["distance_km"] is None
    case = await fetch_case(client, case["id"])
    assert len(case["orders"]) == 5


async def test_an_order_with_a_case_id_and_technicians(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    first, second = await _team(client, world)
    case = await new_case(client, world)
    order = await new_order(
        client,
        world,
        case_id=case["id"],
        technician_ids=[str(second), str(first)],
        technician_id=str(second),
        trip_type="customer_visit",
    )
    assert order["technician_id"] == str(second)
    assert order["technician_ids"] == [str(second), str(first)]
    assert order["distance_km"] == _km(ITEM)
    # A technician alone is the trip's only one.
    alone = await new_order(client, world, technician_id=str(first))
    assert alone["technician_ids"] == [str(first)]


async def test_refused_technicians(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    first, second = await _team(client, world)
    inactive = await add_technician(client, world, active=False)
    case = await new_case(client, world)
    url = f"/service-cases/{case['id']}/trips"
    bodies: list[tuple[dict[str, Any], str]] = [
        ({"technician_ids": [str(first), str(uuid.uuid4())]}, "technician_ids.1"),
        ({"technician_ids": [str(inactive)]}, "technician_ids.0"),
        ({"technician_ids": [str(first), str(first)]}, "technician_ids.1"),
        ({"technician_ids": []}, "technician_ids"),
        ({"trip_type": "bicycle"}, "trip_type"),
        ({"distance_km": -1}, "distance_km"),
    ]
    for body, field in bodies:
        answer = await client.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["field"].endswith(field), answer.json()
    answer = await client.post(
        "/service-orders",
        json={
            "customer_id": str(world.customer_id),
            "technician_ids": [str(first)],
            "technician_id": str(second),
        },
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "technician_id"
    for headers in (as_user("tess", "technician"), as_user("vera", "viewer")):
        assert (await client.post(url, json={}, headers=headers)).status_code == 403
    assert (await client.post(f"/service-cases/{uuid.uuid4()}/trips", json={})).status_code == 404


async def test_change_a_trip(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    first, second = await _team(client, world)
    case = await new_case(client, world)
    trip = await new_trip(client, case, technician_ids=[str(first)])
    url = f"/service-orders/{trip['id']}"
    # The whole team replaced; the responsible one is the first.
    answer = await client.patch(
        url, json={"technician_ids": [str(second), str(first)]}, headers=if_match(trip)
    )
    assert answer.status_code == 200, answer.text
    trip = answer.json()
    assert trip["technician_id"] == str(second)
    assert trip["technician_ids"] == [str(second), str(first)]
    # Only the team's membership: still a change.
    answer = await client.patch(url, json={"technician_ids": [str(second)]}, headers=if_match(trip))
    trip = answer.json()
    assert trip["technician_ids"] == [str(second)]
    # The responsible technician handed over alone takes the place of the one before.
    answer = await client.patch(url, json={"technician_id": str(first)}, headers=if_match(trip))
    trip = answer.json()
    assert trip["technician_ids"] == [str(first)]
    # The planner's distance stays while neither technician nor place changes...
    answer = await client.patch(url, json={"distance_km": 40}, headers=if_match(trip))
    trip = answer.json()
    assert trip["distance_km"] == 40.0
    answer = await client.patch(url, json={"description": "x"}, headers=if_match(trip))
    trip = answer.json()
    assert trip["distance_km"] == 40.0
    # ... and is filled again when the place changes.
    answer = await client.patch(
        url, json={"serial_item_id": str(world.other_item_id)}, headers=if_match(trip)
    )
    trip = answer.json()
    assert trip["distance_km"] == _km(OTHER_ITEM)
    answer = await client.patch(url, json={"trip_type": "customer_visit"}, headers=if_match(trip))
    trip = answer.json()
    assert trip["trip_type"] == "customer_visit"
    for body, field in (
        ({"trip_type": None}, "trip_type"),
        ({"technician_ids": [str(uuid.uuid4())]}, "technician_ids.0"),
    ):
        answer = await client.patch(url, json=body, headers=if_match(trip))
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
    # Clearing the team clears the responsible technician.
    answer = await client.patch(url, json={"technician_ids": None}, headers=if_match(trip))
    trip = answer.json()
    assert trip["technician_id"] is None
    assert trip["technician_ids"] == []


async def test_an_assigned_technician_sees_and_acts_on_the_trip(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    lead = await add_technician(client, world, username="lead-" + uuid.uuid4().hex[:6])
    helper_name = "help-" + uuid.uuid4().hex[:6]
    helper = await add_technician(client, world, username=helper_name, name="Helper")
    stranger_name = "away-" + uuid.uuid4().hex[:6]
    await add_technician(client, world, username=stranger_name)
    case = await new_case(client, world)
    trip = await new_trip(client, case, technician_ids=[str(lead), str(helper)], booking=BOOKING)
    other_trip = await new_trip(
        client,
        case,
        technician_ids=[str(lead)],
        booking=BOOKING | {"start": "11:00", "end": "12:00"},
    )
    as_helper = as_user(helper_name, "technician")
    as_stranger = as_user(stranger_name, "technician")
    assert (await client.get(f"/service-orders/{trip['id']}", headers=as_helper)).status_code == 200
    assert (
        await client.get(f"/service-orders/{other_trip['id']}", headers=as_helper)
    ).status_code == 404
    assert (
        await client.get(f"/service-orders/{trip['id']}", headers=as_stranger)
    ).status_code == 404
    listed = await client.get("/service-orders", headers=as_helper)
    assert [o["id"] for o in listed.json()["items"]] == [trip["id"]]
    # The case through their own trip, and only that trip.
    seen = await client.get(f"/service-cases/{case['id']}", headers=as_helper)
    assert seen.status_code == 200
    assert [o["id"] for o in seen.json()["orders"]] == [trip["id"]]
    assert (
        await client.get(f"/service-cases/{case['id']}", headers=as_stranger)
    ).status_code == 404
    cases = await client.get("/service-cases", headers=as_helper)
    assert [c["id"] for c in cases.json()["items"]] == [case["id"]]
    assert (await client.get("/service-cases", headers=as_stranger)).json()["items"] == []
    # The assigned technician acts on it.
    departed = await act(client, trip, "depart", headers=as_helper)
    assert departed["status"] == "en_route"
    assert (await fetch_case(client, case["id"]))["status"] == "in_progress"


async def test_a_technician_dropped_from_the_team_loses_sight(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    lead = await add_technician(client, world)
    name = "help-" + uuid.uuid4().hex[:6]
    helper = await add_technician(client, world, username=name)
    case = await new_case(client, world)
    trip = await new_trip(client, case, technician_ids=[str(lead), str(helper)])
    answer = await client.patch(
        f"/service-orders/{trip['id']}",
        json={"technician_ids": [str(lead)]},
        headers=if_match(trip),
    )
    assert answer.status_code == 200
    seen = await client.get(f"/service-orders/{trip['id']}", headers=as_user(name, "technician"))
    assert seen.status_code == 404


async def test_orders_from_before_trips_stay_visible_to_their_technician(
    client: httpx.AsyncClient,
) -> None:
    # An order whose responsible technician is not in order_technician (made before
    # trips had teams) is still theirs.
    world = await seed_world(client)
    name = "old-" + uuid.uuid4().hex[:6]
    technician_id = await add_technician(client, world, username=name)
    order = await new_order(client, world)
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.service_order)
            .where(tables.service_order.c.id == uuid.UUID(order["id"]))
            .values(technician_id=technician_id)
        )
        await uow.commit()
    seen = await client.get(f"/service-orders/{order['id']}", headers=as_user(name, "technician"))
    assert seen.status_code == 200
    assert seen.json()["technician_ids"] == [str(technician_id)]
