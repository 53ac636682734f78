"""The case's status follows its trips and protocols: refresh_case_status (what the
protocols package calls) and the hook after every order change."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from aftersales_kit.clock import FixedClock
from fieldwork.cases.handlers import CaseNotFound, refresh_case_status
from fieldwork.context import Context
from tests.integration.seed import runtime_of, seed_world
from tests.integration.test_cases_support import (
    act,
    add_protocol,
    case_events,
    case_row,
)
from tests.integration.test_orders_support import add_technician, if_match, planned_order


def _ctx(client: httpx.AsyncClient) -> Context:
    ctx: Context = client.app.state.context  # type: ignore[attr-defined]
    return ctx


async def test_refresh_case_status_after_a_protocol_reporting_a_problem(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    case_id = order["case_id"]
    before = await case_row(client, case_id)
    await add_protocol(
        client,
        case_id=case_id,
        order_id=order["id"],
        completed_at=clock.now(),
        problem="the spare part is missing",
    )
    async with runtime_of(client).uow() as uow:
        status = await refresh_case_status(
            uow, _ctx(client), uuid.UUID(case_id), by="tess", reason="parts missing: thermostat"
        )
        await uow.commit()
    assert status == "problem"
    after = await case_row(client, case_id)
    assert after["status"] == "problem"
    assert after["problem_reason"] == "parts missing: thermostat"
    assert after["version"] == before["version"] + 1
    # The case's own creation (with its first order) told first, then the Problem.
    events = await case_events(client, case_id)
    assert [e["payload"]["status"] for e in events] == ["planned", "problem"]
    payload = events[1]["payload"]
    assert payload["status"] == "problem"
    assert payload["version"] == after["version"]
    assert payload["order_ids"] == [order["id"]]
    assert payload["changed_by"] == "tess"

    # Nothing moved: nothing written, nothing told.
    async with runtime_of(client).uow() as uow:
        await refresh_case_status(uow, _ctx(client), uuid.UUID(case_id), by="tess")
        await uow.commit()
    again = await case_row(client, case_id)
    assert again["version"] == after["version"]
    assert len(await case_events(client, case_id)) == 2


async def test_refresh_never_commits(client: httpx.AsyncClient, clock: FixedClock) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    await add_protocol(
        client, case_id=order["case_id"], order_id=None, completed_at=clock.now(), problem="x"
    )
    async with runtime_of(client).uow() as uow:
        await refresh_case_status(uow, _ctx(client), uuid.UUID(order["case_id"]), by="tess")
        await uow.rollback()
    assert (await case_row(client, order["case_id"]))["status"] == "planned"
    assert len(await case_events(client, order["case_id"])) == 1  # its creation


async def test_refresh_of_an_unknown_case(client: httpx.AsyncClient) -> None:
    async with runtime_of(client).uow() as uow:
        with pytest.raises(CaseNotFound) as raised:
            await refresh_case_status(uow, _ctx(client), uuid.uuid4(), by="tess")
    assert raised.value.status == 404


async def test_the_case_follows_each_order_action(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    case_id = order["case_id"]
    statuses = []
    for action in ("depart", "arrive", "start_work", "break", "resume"):
        clock.advance(timedelta(minutes=5))
        order = await act(client, order, action)
        statuses.append((await case_row(client, case_id))["status"])
    assert statuses == ["in_progress"] * 5
    clock.advance(timedelta(minutes=5))
    order = await act(client, order, "complete")
    assert (await case_row(client, case_id))["status"] == "planned"
    changed = [e["payload"]["status"] for e in await case_events(client, case_id)]
    # Told at its creation, once into InProgress and once out of it.
    assert changed == ["planned", "in_progress", "planned"]


async def test_customer_absent_puts_the_case_in_problem_until_rebooked(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    case_id = order["case_id"]
    clock.advance(timedelta(minutes=5))
    order = await act(client, order, "depart")
    clock.advance(timedelta(minutes=5))
    order = await act(client, order, "customer_absent")
    case = await case_row(client, case_id)
    assert case["status"] == "problem"
    assert case["problem_reason"] == f"the customer was absent at {order['number']}"
    # A booking made after the absence resolves it.
    clock.advance(timedelta(minutes=5))
    answer = await client.post(
        f"/service-orders/{order['id']}/bookings",
        json={"date": "2026-12-01", "start": "09:00", "end": "10:00"},
        headers=if_match(order),
    )
    assert answer.status_code == 201, answer.text
    case = await case_row(client, case_id)
    assert case["status"] == "planned"
    assert case["problem_reason"] is None


async def test_cancelling_the_only_trip_leaves_the_case_planned(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    order = await act(client, order, "depart")
    assert (await case_row(client, order["case_id"]))["status"] == "in_progress"
    order = await act(client, order, "cancel")
    # A trip's cancellation is not the case's: the case stays open, to be planned again.
    assert (await case_row(client, order["case_id"]))["status"] == "planned"


async def test_a_move_to_completed_refreshes_the_case(
    client: httpx.AsyncClient, clock: FixedClock
) -> None:
    world = await seed_world(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    order = await act(client, order, "depart")
    answer = await client.post(
        f"/service-orders/{order['id']}/move", json={"stage": "completed"}, headers=if_match(order)
    )
    assert answer.status_code == 200, answer.text
    assert (await case_row(client, order["case_id"]))["status"] == "planned"
