"""Status actions, board moves, changes and who may do them, over HTTP: the status and
stage each leads to, every refusal as 409 with its reason, time spent from the history's
stamps, customer absent, If-Match, technicians' and org units' sight, and the events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aftersales_kit.clock import FixedClock
from tests.integration.seed import as_user, seed_world
from tests.integration.test_orders_support import (
    add_technician,
    event_types,
    events_of,
    if_match,
    new_order,
    planned_order,
)

VISIT = {"date": "2026-12-02", "start": "10:00", "end": "12:00"}


async def _act(
    client: httpx.AsyncClient,
    order: dict[str, Any],
    action: str,
    expect: int = 200,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    answer = await client.post(
        f"/service-orders/{order['id']}/actions/{action}",
        headers={**(headers or {}), **if_match(order)},
    )
    assert answer.status_code == expect, answer.text
    body: dict[str, Any] = answer.json()
    if expect == 200:
        assert answer.headers["ETag"] == f'"{body["version"]}"'
    return body


async def _history(client: httpx.AsyncClient, order: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await client.get(f"/service-orders/{order['id']}/history")
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def test_a_visit_from_depart_to_complete_with_time_spent(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    steps = [
        ("depart", "en_route", 20),
        ("arrive", "on_site", 5),
        ("start_work", "working", 60),
        ("break", "break", 15),
        ("resume", "working", 30),
    ]
    for action, status, minutes in steps:
        order = await _act(client, order, action)
        assert (order["stage"], order["status"]) == ("planned", status)
        clock.advance(timedelta(minutes=minutes))
    # The answer to resume was computed at resume's stamp.
    assert order["time_spent"] == {
        "travel_seconds": 20 * 60,
        "on_site_seconds": 5 * 60,
        "working_seconds": 60 * 60,
        "break_seconds": 15 * 60,
    }
    # Read now: the last status (working) runs until the clock.
    running = (await client.get(f"/service-orders/{order['id']}")).json()
    assert running["time_spent"] == {
        "travel_seconds": 20 * 60,
        "on_site_seconds": 5 * 60,
        "working_seconds": 90 * 60,
        "break_seconds": 15 * 60,
    }
    completed_at = clock.now()
    order = await _act(client, order, "complete")
    assert (order["stage"], order["status"]) == ("completed", "done")
    assert order["completed_at"] is not None
    clock.advance(timedelta(hours=3))
    done = (await client.get(f"/service-orders/{order['id']}")).json()
    assert done["time_spent"]["working_seconds"] == 90 * 60  # stopped at done

    history = await _history(client, order)
    statuses = [(h["from"], h["to"]) for h in history if h["kind"] == "status"]
    assert statuses == [
        (None, "planned"),
        ("planned", "en_route"),
        ("en_route", "on_site"),
        ("on_site", "working"),
        ("working", "break"),
        ("break", "working"),
        ("working", "done"),
    ]
    assert [(h["from"], h["to"]) for h in history if h["kind"] == "stage"][-1] == (
        "planned",
        "completed",
    )
    assert history[-1]["by"] == "planner"
    assert [h["at"] for h in history] == sorted(h["at"] for h in history)

    events = await events_of(client, order["id"])
    types = [e["type"] for e in events]
    assert types[:2] == ["fieldwork.order.created", "fieldwork.order.booked"]
    assert types.count("fieldwork.order.changed") == len(steps)
    assert types[-2:] == ["fieldwork.order.stage_changed", "fieldwork.order.completed"]
    completed = events[-1]["payload"]
    assert completed["completed_at"].startswith(completed_at.date().isoformat())
    snapshot = completed["order"]
    assert snapshot["stage"] == "completed"
    assert snapshot["service_object_ids"] == [str(world.item_id)]
    assert events[-2]["payload"]["previous_stage"] == "planned"


@pytest.mark.parametrize(
    ("setup", "action", "reason"),
    [
        ([], "depart", "new"),
        (["start_work"], "depart", "working"),
        ([], "arrive", "planned"),
        ([], "break", "planned"),
        (["depart"], "resume", "en_route"),
        (["depart", "arrive"], "depart", "on_site"),
        ([], "customer_absent", "planned"),
        (["complete"], "cancel", "completed"),
        (["cancel"], "complete", "cancelled"),
    ],
)
async def test_an_action_that_does_not_apply_is_409_with_the_reason(
    client: httpx.AsyncClient, setup: list[str], action: str, reason: str
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    if setup == ["start_work"]:
        order = await planned_order(client, world, technician_id)
        order = await _act(client, order, "depart")
        order = await _act(client, order, "start_work")
    elif reason == "new":
        order = await new_order(client, world)
    else:
        order = await planned_order(client, world, technician_id)
        for step in setup:
            order = await _act(client, order, step)
    before = order["version"]
    problem = await _act(client, order, action, expect=409)
    assert reason in problem["detail"]
    after = (await client.get(f"/service-orders/{order['id']}")).json()
    assert after["version"] == before  # nothing written


async def test_customer_absent_with_another_booking_stays_planned(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    answer = await client.post(
        f"/service-orders/{order['id']}/bookings",
        json={"date": "2026-12-01", "start": "09:00", "end": "10:00"},
        headers=if_match(order),
    )
    assert answer.status_code == 201, answer.text
    order = answer.json()
    first = order["bookings"][0]["id"]
    order = await _act(client, order, "depart")
    order = await _act(client, order, "customer_absent")
    assert (order["stage"], order["status"]) == ("planned", "planned")
    states = {b["id"]: b["state"] for b in order["bookings"]}
    assert states[first] == "missed"
    assert sorted(states.values()) == ["missed", "standing"]
    assert order["booked_from"].startswith("2026-12-01")
    absence = [h for h in await _history(client, order) if h["kind"] == "absence"]
    assert absence[0]["detail"] == {"booking_id": first}


async def test_customer_absent_on_the_only_booking_goes_back_to_new(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    order = await _act(client, order, "depart")
    order = await _act(client, order, "arrive")
    order = await _act(client, order, "customer_absent")
    assert (order["stage"], order["status"]) == ("new", None)
    assert order["technician_id"] == str(technician_id)  # kept, to be booked again
    assert [b["state"] for b in order["bookings"]] == ["missed"]
    assert order["booked_from"] is None
    types = await event_types(client, order["id"])
    assert types[-2:] == ["fieldwork.order.changed", "fieldwork.order.stage_changed"]
    # The missed visit no longer holds the technician's time: the slot can be booked.
    again = await planned_order(client, world, technician_id)
    assert again["stage"] == "planned"


async def test_cancel_releases_the_bookings_and_closes_the_order(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    order = await _act(client, order, "cancel")
    assert (order["stage"], order["status"]) == ("cancelled", "cancelled")
    assert order["cancelled_at"] is not None
    assert [b["state"] for b in order["bookings"]] == ["released"]
    events = await events_of(client, order["id"])
    assert [e["type"] for e in events][-2:] == [
        "fieldwork.order.stage_changed",
        "fieldwork.order.cancelled",
    ]
    assert events[-1]["payload"]["order"]["bookings"] == []
    # A closed order refuses every change.
    answer = await client.patch(
        f"/service-orders/{order['id']}", json={"priority": "low"}, headers=if_match(order)
    )
    assert answer.status_code == 409
    assert "cancelled" in answer.json()["detail"]
    answer = await client.post(
        f"/service-orders/{order['id']}/bookings",
        json={"date": "2026-12-01", "start": "09:00", "end": "10:00"},
        headers=if_match(order),
    )
    assert answer.status_code == 409


async def test_complete_releases_the_visits_still_ahead_and_keeps_the_one_begun(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    answer = await client.post(
        f"/service-orders/{order['id']}/bookings",
        json={"date": "2026-12-03", "start": "09:00", "end": "10:00"},
        headers=if_match(order),
    )
    assert answer.status_code == 201, answer.text
    order = answer.json()
    # 30 November, 10:30 in Stockholm: the first visit has begun, the second is ahead.
    clock.set(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    order = await _act(client, order, "complete")
    states = {b["local_date"]: b["state"] for b in order["bookings"]}
    assert states == {"2026-11-30": "standing", "2026-12-03": "released"}
    released = [
        e
        for e in await _history(client, order)
        if e["kind"] == "booking" and e["detail"].get("why") == "completed"
    ]
    assert len(released) == 1


async def test_if_match_is_required_and_checked(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await new_order(client, world)
    url = f"/service-orders/{order['id']}"
    for method, path, body in (
        ("PATCH", url, {"priority": "low"}),
        ("POST", url + "/actions/cancel", None),
        ("POST", url + "/move", {"stage": "cancelled"}),
        ("POST", url + "/bookings", {"date": "2026-12-01", "start": "09:00", "end": "10:00"}),
    ):
        missing = await client.request(method, path, json=body)
        assert missing.status_code == 428, (path, missing.text)
        assert missing.json()["field"] == "If-Match"
        stale = await client.request(method, path, json=body, headers={"If-Match": '"7"'})
        assert stale.status_code == 412, (path, stale.text)
        assert stale.json()["current_version"] == 1
        malformed = await client.request(method, path, json=body, headers={"If-Match": "x"})
        assert malformed.status_code == 400


async def test_unknown_action_and_order(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await new_order(client, world)
    answer = await client.post(
        f"/service-orders/{order['id']}/actions/teleport", headers=if_match(order)
    )
    assert answer.status_code == 422
    answer = await client.post(
        "/service-orders/00000000-0000-0000-0000-000000000000/actions/cancel",
        headers=if_match(order),
    )
    assert answer.status_code == 404


async def test_change_assigns_a_technician_and_replans(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    other_technician = await add_technician(client, world, name="Other")
    order = await new_order(client, world)
    booked = await client.post(
        f"/service-orders/{order['id']}/bookings",
        json={
            "date": "2026-12-01",
            "start": "09:00",
            "end": "10:00",
            "technician_id": str(other_technician),
        },
        headers=if_match(order),
    )
    assert booked.status_code == 201, booked.text
    order = booked.json()
    assert order["technician_id"] == str(other_technician)
    answer = await client.patch(
        f"/service-orders/{order['id']}",
        json={"technician_id": str(technician_id), "priority": "urgent", "facility_name": "Söder"},
        headers=if_match(order),
    )
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert changed["version"] == order["version"] + 1
    assert (changed["technician_id"], changed["priority"]) == (str(technician_id), "urgent")
    assert changed["stage"] == "planned"
    events = await events_of(client, order["id"])
    last = events[-1]
    assert last["type"] == "fieldwork.order.changed"
    assert last["payload"]["changed_fields"] == ["facility_name", "priority", "technician_id"]
    assert last["payload"]["assigned_technician_id"] == str(technician_id)
    # Clearing the technician sends the order back to New.
    cleared = await client.patch(
        f"/service-orders/{order['id']}", json={"technician_id": None}, headers=if_match(changed)
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["stage"], cleared.json()["status"]) == ("new", None)
    events = await events_of(client, order["id"])
    assert events[-2]["payload"]["assigned_technician_id"] is None
    assert events[-1]["type"] == "fieldwork.order.stage_changed"
    kinds = [h["kind"] for h in await _history(client, order)]
    assert kinds.count("technician") == 3  # set by the booking, changed, cleared
    # Nothing changed: no new version, no event.
    same = await client.patch(
        f"/service-orders/{order['id']}",
        json={"priority": "urgent"},
        headers=if_match(cleared.json()),
    )
    assert same.json()["version"] == cleared.json()["version"]
    assert len(await events_of(client, order["id"])) == len(events)


async def test_change_fields_and_their_checks(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await new_order(client, world, contact_id=str(world.contact_id))
    url = f"/service-orders/{order['id']}"
    moved = await client.patch(
        url,
        json={"location": {"street": "Ny gata 2", "latitude": 59.1, "longitude": 18.1}},
        headers=if_match(order),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["serial_item_id"] is None
    assert moved.json()["location"]["street"] == "Ny gata 2"
    order = moved.json()
    for body, field in (
        ({"contact_id": "00000000-0000-0000-0000-000000000001"}, "contact_id"),
        ({"customer_id": None}, "customer_id"),
        ({"serial_item_id": "00000000-0000-0000-0000-000000000001"}, "serial_item_id"),
        ({"service_object_ids": ["00000000-0000-0000-0000-000000000001"]}, "service_object_ids.0"),
        ({"number": "SO-1"}, "number"),
        ({"case_id": order["case_id"]}, "case_id"),
    ):
        answer = await client.patch(url, json=body, headers=if_match(order))
        assert answer.status_code == 422, (body, answer.text)
        problem = answer.json()
        named = {problem.get("field")} | {e["field"] for e in problem.get("errors", [])}
        assert field in named, (body, problem)
    back = await client.patch(
        url, json={"serial_item_id": str(world.item_id)}, headers=if_match(order)
    )
    assert back.status_code == 200, back.text
    assert back.json()["location"]["street"] == "Drottninggatan 1"
    assert back.json()["service_object_ids"] == [str(world.item_id)]


async def test_moves_on_the_board(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await new_order(client, world, technician_id=str(technician_id))
    url = f"/service-orders/{order['id']}/move"
    refused = await client.post(url, json={"stage": "planned"}, headers=if_match(order))
    assert refused.status_code == 409
    assert "needs a technician and a booked date" in refused.json()["detail"]
    planned = await client.post(
        url,
        json={
            "stage": "planned",
            "booking": {"date": "2026-12-02", "start": "10:00", "end": "12:00"},
        },
        headers=if_match(order),
    )
    assert planned.status_code == 200, planned.text
    order = planned.json()
    assert (order["stage"], order["status"]) == ("planned", "planned")
    back = await client.post(url, json={"stage": "new"}, headers=if_match(order))
    assert back.status_code == 200, back.text
    order = back.json()
    assert (order["stage"], order["status"]) == ("new", None)
    assert [b["state"] for b in order["bookings"]] == ["released"]
    assert order["technician_id"] == str(technician_id)
    types = await event_types(client, order["id"])
    assert types[-2:] == ["fieldwork.order.booked", "fieldwork.order.stage_changed"]
    # Under way, a card cannot go back to new.
    order = (
        await client.post(
            url,
            json={
                "stage": "planned",
                "booking": {"date": "2026-12-02", "start": "10:00", "end": "12:00"},
            },
            headers=if_match(order),
        )
    ).json()
    order = await _act(client, order, "depart")
    refused = await client.post(url, json={"stage": "new"}, headers=if_match(order))
    assert refused.status_code == 409
    assert "under way" in refused.json()["detail"]
    done = await client.post(url, json={"stage": "completed"}, headers=if_match(order))
    assert done.status_code == 200, done.text
    assert (done.json()["stage"], done.json()["status"]) == ("completed", "done")
    assert (await event_types(client, order["id"]))[-1] == "fieldwork.order.completed"
    final = await client.post(url, json={"stage": "new"}, headers=if_match(done.json()))
    assert final.status_code == 409
    bad = await client.post(url, json={"stage": "archived"}, headers=if_match(done.json()))
    assert bad.status_code == 422


async def test_move_to_cancelled(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    order = await new_order(client, world)
    answer = await client.post(
        f"/service-orders/{order['id']}/move", json={"stage": "cancelled"}, headers=if_match(order)
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["stage"], answer.json()["status"]) == ("cancelled", "cancelled")
    assert (await event_types(client, order["id"]))[-2:] == [
        "fieldwork.order.stage_changed",
        "fieldwork.order.cancelled",
    ]


async def test_a_technician_sees_and_acts_only_on_their_own_orders(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    tess_id = await add_technician(client, world, username="tess")
    other_id = await add_technician(client, world, username="tom")
    mine = await planned_order(client, world, tess_id)
    theirs = await planned_order(client, world, other_id)
    tess = as_user("tess", "technician")
    assert (await client.get(f"/service-orders/{mine['id']}", headers=tess)).status_code == 200
    assert (await client.get(f"/service-orders/{theirs['id']}", headers=tess)).status_code == 404
    history = await client.get(f"/service-orders/{theirs['id']}/history", headers=tess)
    assert history.status_code == 404
    departed = await _act(client, mine, "depart", headers=tess)
    assert departed["status"] == "en_route"
    assert (await events_of(client, mine["id"]))[-1]["payload"]["changed_by"] == "tess"
    await _act(client, theirs, "depart", expect=404, headers=tess)
    # Planning is not theirs: 403 whatever the order.
    for order in (departed, theirs):
        url = f"/service-orders/{order['id']}"
        for method, path, body in (
            ("PATCH", url, {"priority": "low"}),
            ("POST", url + "/move", {"stage": "cancelled"}),
            ("POST", url + "/bookings", {"date": "2026-12-01", "start": "09:00", "end": "10:00"}),
        ):
            answer = await client.request(
                method, path, json=body, headers={**tess, **if_match(order)}
            )
            assert answer.status_code == 403, (path, answer.text)
    # A viewer reads but does not act.
    viewer = as_user("vera", "viewer")
    assert (await client.get(f"/service-orders/{theirs['id']}", headers=viewer)).status_code == 200
    await _act(client, theirs, "depart", expect=403, headers=viewer)
    # A technician without a technician record sees nothing.
    nobody = as_user("nobody", "technician")
    assert (await client.get(f"/service-orders/{mine['id']}", headers=nobody)).status_code == 404


async def test_org_unit_scope_on_actions(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    outsider = as_user("olle", "operator", org_units=[other.org_unit_code])
    await _act(client, order, "depart", expect=404, headers=outsider)
    answer = await client.post(
        f"/service-orders/{order['id']}/move",
        json={"stage": "new"},
        headers={**outsider, **if_match(order)},
    )
    assert answer.status_code == 404
    insider = as_user("ines", "operator", org_units=[world.org_unit_code])
    assert (await _act(client, order, "depart", headers=insider))["status"] == "en_route"
