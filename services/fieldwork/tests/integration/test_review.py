"""The dispatcher's review and closure: what is missing, close (refused naming it), send
back, ready for invoicing (the event's content), cancelling a case with its trips."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select, update

from aftersales_kit.clock import FixedClock
from fieldwork import tables
from fieldwork.cases.handlers import refresh_case_status
from fieldwork.context import Context
from tests.integration.seed import World, as_user, runtime_of, seed_world
from tests.integration.test_cases_support import (
    act,
    add_protocol,
    case_events,
    fetch_case,
    new_case,
    new_trip,
)
from tests.integration.test_orders_support import (
    add_kind,
    add_technician,
    event_types,
    if_match,
)

BOOKING = {"date": "2026-12-01", "start": "09:00", "end": "10:00"}


async def _post(
    client: httpx.AsyncClient,
    case: dict[str, Any],
    action: str,
    expect: int = 200,
    headers: dict[str, str] | None = None,
    json: dict[str, Any] | None = None,
) -> dict[str, Any]:
    answer = await client.post(
        f"/service-cases/{case['id']}/{action}",
        json=json,
        headers={**if_match(case), **(headers or {})},
    )
    assert answer.status_code == expect, answer.text
    body: dict[str, Any] = answer.json()
    if expect == 200:
        assert answer.headers["ETag"] == f'"{body["version"]}"'
    return body


async def _photo_kind(client: httpx.AsyncClient, world: World) -> uuid.UUID:
    kind_id = await add_kind(client, world.org_unit_id, name="Installation")
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.order_kind)
            .where(tables.order_kind.c.id == kind_id)
            .values(requires_photos=True)
        )
        await uow.commit()
    return kind_id


async def _done_trip(
    client: httpx.AsyncClient, case: dict[str, Any], technician_id: uuid.UUID, **fields: Any
) -> dict[str, Any]:
    trip = await new_trip(
        client, case, technician_ids=[str(technician_id)], booking=BOOKING, **fields
    )
    return await act(client, trip, "complete")


async def test_the_review_names_each_thing_missing(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    kind_id = await _photo_kind(client, world)
    case = await new_case(client, world)
    done = await _done_trip(client, case, technician_id, kind_id=str(kind_id))
    still_open = await new_trip(client, case)
    cancelled = await act(client, await new_trip(client, case, kind_id=str(kind_id)), "cancel")
    review = (await client.get(f"/service-cases/{case['id']}/review")).json()
    assert [f["code"] for f in review["missing"]] == [
        "no_completed_protocol",
        "no_materials",
        "no_work_time",
        "no_photos",
        "open_orders",
    ]
    by_code = {f["code"]: f for f in review["missing"]}
    # The cancelled trip's kind asks nothing of the case.
    assert by_code["no_photos"]["orders"] == [done["number"]]
    assert by_code["open_orders"]["orders"] == [still_open["number"]]
    assert cancelled["number"] not in by_code["open_orders"]["detail"]
    assert review["can_close"] is False
    # A draft protocol counts for nothing; a completed one with no lines only for itself.
    await add_protocol(
        client,
        case_id=case["id"],
        order_id=done["id"],
        completed_at=None,
        items=[("Thermostat", Decimal("1"), "pcs")],
        works=[("Repair", 60, technician_id)],
        photos=2,
    )
    await add_protocol(
        client, case_id=case["id"], order_id=None, completed_at=clock.now(), works=[("x", 0, None)]
    )
    review = (await client.get(f"/service-cases/{case['id']}/review")).json()
    assert [f["code"] for f in review["missing"]] == [
        "no_materials",
        "no_work_time",
        "no_photos",
        "open_orders",
    ]


async def test_close_refused_naming_what_is_missing_then_closed(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    case = await new_case(client, world)
    trip = await _done_trip(client, case, technician_id)
    case = await fetch_case(client, case["id"])
    refused = await _post(client, case, "close", 409)
    assert [m["code"] for m in refused["missing"]] == [
        "no_completed_protocol",
        "no_materials",
        "no_work_time",
    ]
    assert "no protocol" in refused["detail"]
    await add_protocol(
        client,
        case_id=case["id"],
        order_id=trip["id"],
        completed_at=clock.now(),
        items=[("Thermostat", Decimal("1"), "pcs")],
        works=[("Replaced the thermostat", 45, technician_id)],
    )
    assert (await client.post(f"/service-cases/{case['id']}/close")).status_code == 428
    for headers in (as_user("tess", "technician"), as_user("vera", "viewer")):
        await _post(client, case, "close", 403, headers=headers)
        answer = await client.get(f"/service-cases/{case['id']}/review", headers=headers)
        assert answer.status_code == 403
    review = (await client.get(f"/service-cases/{case['id']}/review")).json()
    assert review["missing"] == []
    assert review["can_close"] is True
    closed = await _post(client, case, "close")
    assert closed["status"] == "completed"
    assert closed["closed_by"] == "planner"
    assert closed["review"]["can_close"] is False
    await _post(client, case, "close", 412)
    # Completed is final: closing, changing, cancelling, sending back, a new trip: 409.
    for action in ("close", "cancel"):
        await _post(client, closed, action, 409)
    await _post(client, closed, "send-back", 409, json={"reason": "again"})
    answer = await client.patch(
        f"/service-cases/{case['id']}", json={"name": "x"}, headers=if_match(closed)
    )
    assert answer.status_code == 409
    assert (await client.post(f"/service-cases/{case['id']}/trips", json={})).status_code == 409
    statuses = [e["payload"]["status"] for e in await case_events(client, case["id"])]
    assert statuses[-1] == "completed"


async def test_photos_where_the_kind_requires_them(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    kind_id = await _photo_kind(client, world)
    case = await new_case(client, world)
    trip = await _done_trip(client, case, technician_id, kind_id=str(kind_id))
    await add_protocol(
        client,
        case_id=case["id"],
        order_id=trip["id"],
        completed_at=clock.now(),
        items=[("Thermostat", Decimal("1"), "pcs")],
        works=[("Repair", 45, technician_id)],
    )
    case = await fetch_case(client, case["id"])
    refused = await _post(client, case, "close", 409)
    assert [m["code"] for m in refused["missing"]] == ["no_photos"]
    await add_protocol(
        client, case_id=case["id"], order_id=None, completed_at=clock.now(), photos=1
    )
    assert (await _post(client, case, "close"))["status"] == "completed"


async def test_send_back_reopens_the_protocols(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    case = await new_case(client, world)
    trip = await new_trip(client, case, technician_ids=[str(technician_id)], booking=BOOKING)
    trip = await act(client, trip, "depart")
    protocol_id = await add_protocol(
        client,
        case_id=case["id"],
        order_id=trip["id"],
        completed_at=clock.now(),
        works=[("Repair", 45, technician_id)],
    )
    case = await fetch_case(client, case["id"])
    assert case["status"] == "in_progress"
    clock.advance(timedelta(minutes=10))
    await _post(client, case, "send-back", 422, json={"reason": "  "})
    await _post(
        client, case, "send-back", 403, json={"reason": "x"}, headers=as_user("v", "viewer")
    )
    sent = await _post(client, case, "send-back", json={"reason": "No materials listed"})
    assert sent["review"]["sent_back_reason"] == "No materials listed"
    assert sent["review"]["sent_back_by"] == "planner"
    assert sent["version"] == case["version"] + 1
    # The trip is still under way: InProgress.
    assert sent["status"] == "in_progress"
    assert [p["status"] for p in sent["protocols"]] == ["draft"]
    async with runtime_of(client).uow() as uow:
        protocol = (
            (
                await uow.session.execute(
                    select(tables.protocol).where(tables.protocol.c.id == protocol_id)
                )
            )
            .mappings()
            .one()
        )
    assert protocol["version"] == 2
    assert protocol["completed_at"] is None
    history = (await client.get(f"/service-orders/{trip['id']}/history")).json()["items"]
    entry = history[-1]
    assert entry["kind"] == "sent_back"
    assert entry["detail"]["reason"] == "No materials listed"
    assert entry["detail"]["protocol_ids"] == [str(protocol_id)]
    events = await case_events(client, case["id"])
    assert events[-1]["payload"]["version"] == sent["version"]


async def test_send_back_out_of_problem(client: httpx.AsyncClient, clock: FixedClock) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    case = await new_case(client, world)
    trip = await _done_trip(client, case, technician_id)
    clock.advance(timedelta(minutes=5))
    await add_protocol(
        client, case_id=case["id"], order_id=trip["id"], completed_at=clock.now(), problem="parts"
    )
    # What the protocols package does when a protocol reporting a problem is completed.
    ctx: Context = client.app.state.context  # type: ignore[attr-defined]
    async with runtime_of(client).uow() as uow:
        await refresh_case_status(uow, ctx, uuid.UUID(case["id"]), by="tess")
        await uow.commit()
    case = await fetch_case(client, case["id"])
    assert case["status"] == "problem"
    assert case["problem_reason"] == "parts"
    sent = await _post(client, case, "send-back", json={"reason": "Order the part first"})
    # The problem protocol is a draft again: the case follows its (done) trips: Planned.
    assert sent["status"] == "planned"
    assert sent["problem_reason"] is None


async def test_ready_for_invoicing_carries_the_lines(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    ada = await add_technician(client, world, name="Ada")
    bo = await add_technician(client, world, name="Bo")
    case = await new_case(client, world)
    first = await _done_trip(client, case, ada, customer_order_number="PO-7")
    trip = await new_trip(client, case, technician_ids=[str(bo), str(ada)], booking=BOOKING)
    second = await act(client, trip, "complete")
    await act(client, await new_trip(client, case, customer_order_number="PO-X"), "cancel")
    await add_protocol(
        client,
        case_id=case["id"],
        order_id=first["id"],
        completed_at=clock.now(),
        items=[("Thermostat", Decimal("1.000"), "pcs"), ("Cable", Decimal("2.500"), "m")],
        works=[("Diagnosis", 30, ada)],
    )
    clock.advance(timedelta(minutes=1))
    await add_protocol(
        client,
        case_id=case["id"],
        order_id=second["id"],
        completed_at=clock.now(),
        works=[("Repair", 90, bo), ("Test run", 15, None)],
    )
    # A draft's lines are no part of it.
    await add_protocol(
        client,
        case_id=case["id"],
        order_id=None,
        completed_at=None,
        items=[("Draft item", Decimal("9"), "pcs")],
    )
    case = await fetch_case(client, case["id"])
    await _post(client, case, "ready-for-invoicing", 409)  # not completed yet
    case = await _post(client, case, "close")
    await _post(client, case, "ready-for-invoicing", 403, headers=as_user("v", "viewer"))
    ready = await _post(client, case, "ready-for-invoicing")
    assert ready["status"] == "completed"
    assert ready["invoicing_ready_by"] == "planner"
    again = await _post(client, ready, "ready-for-invoicing", 409)
    assert again["invoicing_ready_by"] == "planner"
    [event] = await case_events(client, case["id"], "fieldwork.case.ready_for_invoicing")
    payload = event["payload"]
    assert payload["case_number"] == case["number"]
    assert payload["customer_id"] == str(world.customer_id)
    assert payload["org_unit_id"] == str(world.org_unit_id)
    assert payload["order_ids"] == [first["id"], second["id"]]
    assert payload["order_numbers"] == [first["number"], second["number"]]
    assert payload["customer_order_numbers"] == ["PO-7"]
    assert payload["technicians"] == ["Ada", "Bo"]
    assert [(i["description"], i["quantity"], i["unit"]) for i in payload["items"]] == [
        ("Thermostat", "1", "pcs"),
        ("Cable", "2.5", "m"),
    ]
    assert [(w["description"], w["minutes"], w["technician_name"]) for w in payload["works"]] == [
        ("Diagnosis", 30, "Ada"),
        ("Repair", 90, "Bo"),
        ("Test run", 15, None),
    ]
    assert payload["works"][0]["technician_id"] == str(ada)
    assert payload["ready_by"] == "planner"
    changed = await case_events(client, case["id"], "fieldwork.case.changed")
    assert changed[-1]["payload"]["version"] == ready["version"]


async def test_cancel_a_case_cancels_its_open_trips(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    case = await new_case(client, world)
    done = await _done_trip(client, case, technician_id)
    planned = await new_trip(
        client,
        case,
        technician_ids=[str(technician_id)],
        booking=BOOKING | {"start": "11:00", "end": "12:00"},
    )
    under_way = await act(
        client,
        await new_trip(
            client,
            case,
            technician_ids=[str(technician_id)],
            booking=BOOKING | {"start": "13:00", "end": "14:00"},
        ),
        "depart",
    )
    new = await new_trip(client, case)
    case = await fetch_case(client, case["id"])
    assert case["status"] == "in_progress"
    assert (await client.post(f"/service-cases/{case['id']}/cancel")).status_code == 428
    await _post(client, case, "cancel", 403, headers=as_user("tess", "technician"))
    cancelled = await _post(client, case, "cancel")
    assert cancelled["status"] == "cancelled"
    stages = {o["id"]: o["stage"] for o in cancelled["orders"]}
    assert stages == {
        done["id"]: "completed",
        planned["id"]: "cancelled",
        under_way["id"]: "cancelled",
        new["id"]: "cancelled",
    }
    for order in (planned, under_way, new):
        assert "fieldwork.order.cancelled" in await event_types(client, order["id"])
        fetched = (await client.get(f"/service-orders/{order['id']}")).json()
        assert all(b["state"] != "standing" for b in fetched["bookings"])
    assert "fieldwork.order.cancelled" not in await event_types(client, done["id"])
    await _post(client, cancelled, "cancel", 409)
    await _post(client, cancelled, "close", 409)
    events = await case_events(client, case["id"])
    assert events[-1]["payload"]["status"] == "cancelled"
    # Told once for the whole cancellation.
    assert [e["payload"]["status"] for e in events].count("cancelled") == 1
