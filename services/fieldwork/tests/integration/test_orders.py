"""Creating and changing service orders over HTTP: numbers, cases, locations, every 422,
If-Match, and the events left in the outbox."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from aftersales_kit.clock import FixedClock
from fieldwork.context import Context
from fieldwork.orders import handlers
from fieldwork.orders.schemas import OrderDraft
from tests.integration.seed import World, as_user, runtime_of, seed_world
from tests.integration.test_orders_support import (
    add_kind,
    add_technician,
    add_vehicle,
    event_types,
    events_of,
    if_match,
    new_order,
    planned_order,
)


async def test_create_an_order_at_a_serial_item(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    kind_id = await add_kind(client, world.org_unit_id)
    vehicle_id = await add_vehicle(client, world)
    order = await new_order(
        client,
        world,
        kind_id=str(kind_id),
        contact_id=str(world.contact_id),
        service_object_ids=[str(world.other_item_id)],
        priority="high",
        vehicle_id=str(vehicle_id),
        customer_order_number="PO-77",
        facility_name="Bageriet Söder",
        service_type_id=str(world.service_type_id),
    )
    assert order["number"].startswith("SO-")
    assert len(order["number"]) >= 9
    assert order["case_number"].startswith("SC-")
    assert order["stage"] == "new"
    assert order["status"] is None
    assert order["version"] == 1
    assert order["org_unit_id"] == str(world.org_unit_id)  # the serial item's
    assert order["location"]["street"] == "Drottninggatan 1"
    assert order["location"]["latitude"] == pytest.approx(59.3326)
    # The location's item joins the service objects, first.
    assert order["service_object_ids"] == [str(world.item_id), str(world.other_item_id)]
    assert order["kind_name"] == "Repair"
    assert order["priority"] == "high"
    assert order["contact"]["email"] == "sven@example.com"
    assert order["customer_name"] == "Bageriet AB"
    assert order["created_by"] == "planner"
    assert order["time_spent"] == {
        "travel_seconds": 0,
        "on_site_seconds": 0,
        "working_seconds": 0,
        "break_seconds": 0,
    }
    assert order["confirmation_offer"]["can_offer"] is False

    case = (await client.get(f"/service-cases/{order['case_id']}")).json()
    assert case["name"] == "Oven does not heat"
    assert [o["number"] for o in case["orders"]] == [order["number"]]

    fetched = await client.get(f"/service-orders/{order['id']}")
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json()["number"] == order["number"]

    events = await events_of(client, order["id"])
    assert [e["type"] for e in events] == ["fieldwork.order.created"]
    snapshot = events[0]["payload"]["order"]
    assert snapshot["service_type_id"] == str(world.service_type_id)
    assert snapshot["service_object_ids"] == order["service_object_ids"]
    assert events[0]["payload"]["changed_by"] == "planner"

    history = (await client.get(f"/service-orders/{order['id']}/history")).json()
    assert [e["kind"] for e in history["items"]] == ["created"]
    assert history["items"][0]["to"] == "new"


async def test_numbers_are_distinct_and_a_case_can_hold_several_orders(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    first = await new_order(client, world)
    second = await new_order(client, world, case_id=first["case_id"], description="")
    assert first["number"] != second["number"]
    assert second["case_id"] == first["case_id"]
    case = (await client.get(f"/service-cases/{first['case_id']}")).json()
    assert {o["number"] for o in case["orders"]} == {first["number"], second["number"]}


async def test_a_free_location_and_the_customers_org_unit(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await new_order(
        client,
        world,
        serial_item_id=None,
        location={
            "street": "Storgatan 5",
            "postal_code": "111 22",
            "city": "Stockholm",
            "country": "SE",
            "latitude": 59.33,
            "longitude": 18.07,
        },
        description="",
    )
    assert order["serial_item_id"] is None
    assert order["location"]["street"] == "Storgatan 5"
    assert order["service_object_ids"] == []
    assert order["org_unit_id"] == str(world.org_unit_id)  # the customer's
    case = (await client.get(f"/service-cases/{order['case_id']}")).json()
    assert case["name"] == f"Service order {order['number']}"


async def test_create_booked_with_a_technician_is_planned(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    assert order["status"] == "planned"
    assert order["version"] == 1
    assert order["technician_id"] == str(technician_id)
    (booking,) = order["bookings"]
    assert booking["local_start"] == "09:00:00"
    assert booking["state"] == "standing"
    # 09:00 in Stockholm (UTC+1 in November).
    assert booking["starts_at"].startswith("2026-11-30T08:00:00")
    assert order["booked_from"] == booking["starts_at"]
    assert order["confirmation_offer"] == {
        "can_offer": False,
        "reason": "the order has no contact person",
        "contact": None,
    }
    assert await event_types(client, order["id"]) == [
        "fieldwork.order.created",
        "fieldwork.order.booked",
    ]
    kinds = [
        e["kind"]
        for e in (await client.get(f"/service-orders/{order['id']}/history")).json()["items"]
    ]
    assert kinds == ["created", "booking", "status", "stage"]


async def test_a_booking_without_technician_gives_its_technician_to_the_order(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await new_order(
        client,
        world,
        contact_id=str(world.contact_id),
        booking={
            "date": "2026-11-30",
            "start": "13:00",
            "end": "14:00",
            "technician_id": str(technician_id),
        },
    )
    assert order["technician_id"] == str(technician_id)
    assert order["stage"] == "planned"
    assert order["confirmation_offer"]["can_offer"] is True
    assert order["confirmation_offer"]["contact"]["email"] == "sven@example.com"


def _bad_bodies(world: World, ids: dict[str, uuid.UUID]) -> list[tuple[dict[str, Any], str]]:
    unknown = str(uuid.uuid4())
    return [
        ({"customer_id": unknown}, "customer_id"),
        ({"contact_id": unknown}, "contact_id"),
        ({"kind_id": unknown}, "kind_id"),
        ({"kind_id": str(ids["inactive_kind"])}, "kind_id"),
        ({"kind_id": str(ids["other_unit_kind"])}, "kind_id"),
        ({"serial_item_id": unknown}, "serial_item_id"),
        ({"service_object_ids": [str(world.other_item_id), unknown]}, "service_object_ids.1"),
        ({"technician_id": unknown}, "technician_id"),
        ({"technician_id": str(ids["inactive_technician"])}, "technician_id"),
        ({"vehicle_id": unknown}, "vehicle_id"),
        ({"vehicle_id": str(ids["inactive_vehicle"])}, "vehicle_id"),
        ({"org_unit_id": unknown}, "org_unit_id"),
        ({"service_type_id": unknown}, "service_type_id"),
        ({"case_id": unknown}, "case_id"),
        ({"priority": "whenever"}, "priority"),
        ({"location": {"street": "x", "latitude": 91, "longitude": 18}}, "location.latitude"),
        ({"location": {"street": "x", "latitude": 59, "longitude": 181}}, "location.longitude"),
        ({"location": {"street": "x", "latitude": 59}}, "location"),
        (
            {"serial_item_id": str(world.item_id), "location": {"street": "Storgatan 5"}},
            "location",
        ),
        (
            {"booking": {"date": "2026-11-30", "start": "09:00", "end": "10:00"}},
            "booking.technician_id",
        ),
        (
            {
                "booking": {
                    "date": "2026-11-30",
                    "start": "10:00",
                    "end": "09:00",
                    "technician_id": str(ids["technician"]),
                }
            },
            "booking.end",
        ),
        (
            {
                "booking": {
                    "date": "2026-11-30",
                    "start": "09:00",
                    "end": "10:00",
                    "technician_id": unknown,
                }
            },
            "booking.technician_id",
        ),
        ({"number": "SO-1"}, "number"),
    ]


async def test_every_bad_reference_is_422_naming_the_field(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    ids = {
        "inactive_kind": await add_kind(client, None, active=False),
        "other_unit_kind": await add_kind(client, other.org_unit_id),
        "inactive_technician": await add_technician(client, world, active=False),
        "inactive_vehicle": await add_vehicle(client, world, active=False),
        "technician": await add_technician(client, world),
    }
    base = {"customer_id": str(world.customer_id), "serial_item_id": str(world.item_id)}
    for fields, field in _bad_bodies(world, ids):
        body = {**base, **fields}
        answer = await client.post("/service-orders", json=body)
        assert answer.status_code == 422, (fields, answer.text)
        problem = answer.json()
        named = {problem.get("field")} | {e["field"] for e in problem.get("errors", [])}
        assert field in named, (fields, problem)
    # A case of another customer.
    foreign = await new_order(client, other)
    answer = await client.post("/service-orders", json={**base, "case_id": foreign["case_id"]})
    assert answer.status_code == 422
    assert answer.json()["field"] == "case_id"
    # The unknown customer's message says why it may be unknown.
    answer = await client.post("/service-orders", json={"customer_id": str(uuid.uuid4())})
    assert "catalog" in answer.json()["detail"]


async def test_a_kind_for_every_org_unit_is_offered_everywhere(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    kind_id = await add_kind(client, None, name="Maintenance")
    order = await new_order(client, world, kind_id=str(kind_id), description="")
    assert order["kind_name"] == "Maintenance"
    case = (await client.get(f"/service-cases/{order['case_id']}")).json()
    assert case["name"] == "Maintenance"


async def test_create_outside_http_with_a_callout_opens_one_order(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    app = client.app  # type: ignore[attr-defined]
    ctx: Context = app.state.context
    callout_id = uuid.uuid4()
    draft = OrderDraft(
        customer_id=world.customer_id,
        serial_item_id=world.item_id,
        service_type_id=world.service_type_id,
        callout_id=callout_id,
    )
    async with runtime_of(client).uow() as uow:
        first = await handlers.create_order(uow, ctx, draft, by="scheduling", scope=None)
    async with runtime_of(client).uow() as uow:
        again = await handlers.create_order(uow, ctx, draft, by="scheduling", scope=None)
    assert again.id == first.id
    assert again.version == first.version
    assert first.callout_id == callout_id
    assert first.org_unit_id == world.org_unit_id
    events = await events_of(client, first.id)
    assert [e["type"] for e in events] == ["fieldwork.order.created"]
    assert events[0]["payload"]["order"]["callout_id"] == str(callout_id)


async def test_two_opens_of_one_callout_at_once_make_one_order(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    ctx: Context = client.app.state.context  # type: ignore[attr-defined]
    draft = OrderDraft(
        customer_id=world.customer_id, serial_item_id=world.item_id, callout_id=uuid.uuid4()
    )

    async def open_once() -> uuid.UUID:
        async with runtime_of(client).uow() as uow:
            return (await handlers.create_order(uow, ctx, draft, by="scheduling", scope=None)).id

    first, second = await asyncio.gather(open_once(), open_once())
    assert first == second


async def test_roles_and_org_units_on_create(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    body = {"customer_id": str(world.customer_id), "serial_item_id": str(world.item_id)}
    for headers in (as_user("tess", "technician"), as_user("vera", "viewer")):
        answer = await client.post("/service-orders", json=body, headers=headers)
        assert answer.status_code == 403, answer.text
    restricted = as_user("olle", "operator", org_units=[other.org_unit_code])
    answer = await client.post("/service-orders", json=body, headers=restricted)
    assert answer.status_code == 403
    assert answer.json()["field"] == "org_unit_id"
    own = await new_order(
        client,
        world,
        headers=as_user("olle", "operator", org_units=[world.org_unit_code]),
    )
    # Outside the caller's org units an order is not found.
    answer = await client.get(f"/service-orders/{own['id']}", headers=restricted)
    assert answer.status_code == 404
    answer = await client.get(f"/service-cases/{own['case_id']}", headers=restricted)
    assert answer.status_code == 404
    answer = await client.get(f"/service-orders/{own['id']}/history", headers=restricted)
    assert answer.status_code == 404
    answer = await client.patch(
        f"/service-orders/{own['id']}",
        json={"priority": "low"},
        headers={**restricted, **if_match(own)},
    )
    assert answer.status_code == 404


async def test_get_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    answer = await client.get(f"/service-orders/{uuid.uuid4()}")
    assert answer.status_code == 404
    answer = await client.get(f"/service-cases/{uuid.uuid4()}")
    assert answer.status_code == 404


async def test_a_restricted_planner_cannot_move_an_order_out_of_sight(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    headers = as_user("olle", "operator", org_units=[world.org_unit_code])
    order = await new_order(client, world, headers=headers)
    url = f"/service-orders/{order['id']}"
    away = {"org_unit_id": str(other.org_unit_id)}
    answer = await client.patch(url, json=away, headers={**headers, **if_match(order)})
    assert answer.status_code == 403
    assert answer.json()["field"] == "org_unit_id"
    # An unrestricted planner may; the order then leaves the restricted planner's sight.
    moved = await client.patch(url, json=away, headers=if_match(order))
    assert moved.status_code == 200, moved.text
    assert (await client.get(url, headers=headers)).status_code == 404


async def test_the_routes_are_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    assert "post" in paths["/service-orders"]
    assert {"get", "patch"} <= set(paths["/service-orders/{order_id}"])
    assert "post" in paths["/service-orders/{order_id}/actions/{action}"]
    assert {"patch", "delete"} <= set(paths["/service-orders/{order_id}/bookings/{booking_id}"])
    assert "get" in paths["/service-cases/{case_id}"]
