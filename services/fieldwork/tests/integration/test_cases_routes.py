"""Service cases over HTTP: create, read, list, change, and their refusals."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from aftersales_kit.clock import FixedClock
from tests.integration.seed import as_user, seed_world
from tests.integration.test_cases_support import case_events, fetch_case, new_case, new_trip
from tests.integration.test_orders_support import add_technician, if_match, new_order


async def test_create_and_read_a_case(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    case = await new_case(client, world)
    assert case["number"].startswith("SC-")
    assert case["status"] == "planned"
    assert case["version"] == 1
    assert case["org_unit_id"] == str(world.org_unit_id)  # the customer's
    assert case["contact"]["name"] == "Sven Svensson"
    assert case["customer_name"] == "Bageriet AB"
    assert case["serial_item_ids"] == [str(world.item_id), str(world.other_item_id)]
    assert case["planned_start"].startswith("2026-12-01T07:00:00")
    assert case["orders"] == []
    assert case["protocols"] == []
    assert case["created_by"] == "planner"
    assert [f["code"] for f in case["review"]["missing"]] == [
        "no_completed_protocol",
        "no_materials",
        "no_work_time",
    ]
    assert case["review"]["can_close"] is False
    fetched = await client.get(f"/service-cases/{case['id']}")
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json()["number"] == case["number"]
    events = await case_events(client, case["id"])
    assert [e["type"] for e in events] == ["fieldwork.case.changed"]
    assert events[0]["payload"]["serial_item_ids"] == case["serial_item_ids"]
    assert events[0]["payload"]["changed_by"] == "planner"


async def test_the_case_shows_its_trips(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world, name="Tekla")
    case = await new_case(client, world)
    trip = await new_trip(
        client,
        case,
        technician_ids=[str(technician_id)],
        trip_type="customer_visit",
        booking={"date": "2026-12-01", "start": "09:00", "end": "10:00"},
        customer_order_number="PO-1",
    )
    case = await fetch_case(client, case["id"])
    [shown] = case["orders"]
    assert shown["number"] == trip["number"]
    assert shown["trip_type"] == "customer_visit"
    assert shown["stage"] == "planned"
    assert shown["status"] == "planned"
    assert shown["technicians"] == [{"id": str(technician_id), "name": "Tekla"}]
    assert shown["booked_from"] == trip["booked_from"]
    assert shown["distance_km"] == trip["distance_km"]
    assert shown["customer_order_number"] == "PO-1"
    assert case["review"]["missing"][-1]["code"] == "open_orders"


async def test_refusals_on_create(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    base: dict[str, object] = {"name": "A case", "customer_id": str(world.customer_id)}
    cases: list[tuple[dict[str, object], str]] = [
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
        ({"contact_id": str(uuid.uuid4())}, "contact_id"),
        ({"serial_item_ids": [str(world.item_id), str(uuid.uuid4())]}, "serial_item_ids.1"),
        ({"org_unit_id": str(uuid.uuid4())}, "org_unit_id"),
        ({"name": "  "}, "name"),
        ({"planned_start": "2026-12-01T08:00:00"}, "planned_start"),
    ]
    for change, field in cases:
        answer = await client.post("/service-cases", json=base | change)
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["field"].endswith(field), answer.json()
    for headers in (as_user("tess", "technician"), as_user("vera", "viewer")):
        answer = await client.post("/service-cases", json=base, headers=headers)
        assert answer.status_code == 403
    restricted = as_user("olle", "operator", org_units=[other.org_unit_code])
    answer = await client.post("/service-cases", json=base, headers=restricted)
    assert answer.status_code == 403
    assert answer.json()["field"] == "org_unit_id"
    # Placed in its own org unit, a restricted operator may open a case for the customer.
    answer = await client.post(
        "/service-cases", json=base | {"org_unit_id": str(other.org_unit_id)}, headers=restricted
    )
    assert answer.status_code == 201, answer.text


async def test_a_case_out_of_sight_is_not_found(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    case = await new_case(client, world)
    restricted = as_user("olle", "operator", org_units=[other.org_unit_code])
    assert (await client.get(f"/service-cases/{case['id']}", headers=restricted)).status_code == 404
    answer = await client.patch(
        f"/service-cases/{case['id']}",
        json={"name": "x"},
        headers={**restricted, **if_match(case)},
    )
    assert answer.status_code == 404
    assert (await client.get(f"/service-cases/{uuid.uuid4()}")).status_code == 404
    # A viewer reads.
    viewer = as_user("vera", "viewer")
    assert (await client.get(f"/service-cases/{case['id']}", headers=viewer)).status_code == 200


async def test_change_a_case(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    case = await new_case(client, world)
    url = f"/service-cases/{case['id']}"
    answer = await client.patch(url, json={"name": "x"})
    assert answer.status_code == 428
    answer = await client.patch(
        url,
        json={
            "name": "Oven and fridge",
            "contact_id": str(world.other_contact_id),
            "serial_item_ids": [str(world.other_item_id)],
            "planned_start": None,
        },
        headers=if_match(case),
    )
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert answer.headers["ETag"] == '"2"'
    assert changed["name"] == "Oven and fridge"
    assert changed["contact"]["name"] == "Anna Andersson"
    assert changed["serial_item_ids"] == [str(world.other_item_id)]
    assert changed["planned_start"] is None
    stale = await client.patch(url, json={"name": "y"}, headers=if_match(case))
    assert stale.status_code == 412
    # The same values again: nothing changes.
    same = await client.patch(url, json={"name": "Oven and fridge"}, headers=if_match(changed))
    assert same.json()["version"] == 2
    for body, field in (
        ({"contact_id": str(uuid.uuid4())}, "contact_id"),
        ({"serial_item_ids": [str(uuid.uuid4())]}, "serial_item_ids.0"),
        ({"name": None}, "name"),
        ({"status": "completed"}, "status"),
    ):
        answer = await client.patch(url, json=body, headers=if_match(changed))
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"].endswith(field)
    answer = await client.patch(
        url, json={"name": "z"}, headers={**as_user("tess", "technician"), **if_match(changed)}
    )
    assert answer.status_code == 403
    events = await case_events(client, case["id"])
    assert [e["payload"]["version"] for e in events] == [1, 2]


async def test_list_cases(client: httpx.AsyncClient, clock: FixedClock) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    # A minute apart: "newest first" is decided by the creation time, not the random id.
    first = await new_case(client, world, name="Oven alpha")
    clock.advance(timedelta(minutes=1))
    second = await new_case(client, world, name="Fridge beta")
    clock.advance(timedelta(minutes=1))
    third = await new_case(client, other, name="Oven gamma")
    # The world's cases, newest first, in pages of one.
    answer = await client.get(
        "/service-cases", params={"customer_id": str(world.customer_id), "limit": 1}
    )
    page = answer.json()
    assert [c["id"] for c in page["items"]] == [second["id"]]
    assert 'rel="next"' in answer.headers["Link"]
    answer = await client.get(
        "/service-cases",
        params={"customer_id": str(world.customer_id), "limit": 1, "cursor": page["next_cursor"]},
    )
    assert [c["id"] for c in answer.json()["items"]] == [first["id"]]
    assert answer.json()["next_cursor"] is None
    answer = await client.get(
        "/service-cases",
        params={"q": "oven", "org_unit_id": [str(world.org_unit_id), str(other.org_unit_id)]},
    )
    assert {c["id"] for c in answer.json()["items"]} == {first["id"], third["id"]}
    answer = await client.get("/service-cases", params={"q": third["number"], "status": "planned"})
    assert [c["id"] for c in answer.json()["items"]] == [third["id"]]
    answer = await client.get(
        "/service-cases", params={"customer_id": str(world.customer_id), "status": "cancelled"}
    )
    assert answer.json()["items"] == []
    assert (await client.get("/service-cases", params={"status": "open"})).status_code == 422
    bad = await client.get("/service-cases", params={"cursor": "nonsense"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "query.cursor"
    restricted = as_user("olle", "operator", org_units=[other.org_unit_code])
    answer = await client.get("/service-cases", params={"q": "oven"}, headers=restricted)
    assert {c["id"] for c in answer.json()["items"]} >= {third["id"]}
    assert first["id"] not in {c["id"] for c in answer.json()["items"]}


async def test_an_order_made_on_its_own_gets_a_case_in_the_list(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    order = await new_order(client, world)
    answer = await client.get("/service-cases", params={"customer_id": str(world.customer_id)})
    assert [c["id"] for c in answer.json()["items"]] == [order["case_id"]]
    events = await case_events(client, order["case_id"])
    assert [e["payload"]["order_ids"] for e in events] == [[order["id"]]]


async def test_the_routes_are_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"get", "post"} <= set(paths["/service-cases"])
    assert {"get", "patch"} <= set(paths["/service-cases/{case_id}"])
    for action in ("trips", "cancel", "close", "send-back", "ready-for-invoicing"):
        assert "post" in paths[f"/service-cases/{{case_id}}/{action}"]
    assert "get" in paths["/service-cases/{case_id}/review"]
    close = paths["/service-cases/{case_id}/close"]["post"]["responses"]
    assert {"403", "409", "412", "428"} <= set(close)
