"""Campaign cases in field work: campaigns' case events into the projection through the
real broker (closed is final, whatever the order of arrival), an order showing the open
cases of its serial items, and completing it with cases ticked done (checked, recorded in
the history, named in ``fieldwork.order.completed``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.campaigns import CampaignCaseClosed, CampaignCaseOpened, CaseOutcome
from aftersales_contracts.envelope import Message
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from fieldwork import tables
from fieldwork.settings import Settings
from tests.integration.seed import World, as_user, runtime_of, seed_world
from tests.integration.test_orders_support import (
    add_technician,
    events_of,
    if_match,
    new_order,
    planned_order,
)

CLOSED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def opened(item_id: uuid.UUID, **fields: Any) -> CampaignCaseOpened:
    values: dict[str, Any] = {
        "case_id": uuid.uuid4(),
        "campaign_id": uuid.uuid4(),
        "serial_item_id": item_id,
        "campaign_code": "CMP-" + uuid.uuid4().hex[:6],
        "campaign_name": "Burner retrofit",
        "case_number": f"CA-{uuid.uuid4().int % 1_000_000:06d}",
        "cause_code": "RC-7",
        "cause_description": "Replace the burner gasket",
        "campaign_translations": {"sv": "Brännarbyte"},
    }
    return CampaignCaseOpened(**(values | fields))


def closed(case: CampaignCaseOpened, **fields: Any) -> CampaignCaseClosed:
    values: dict[str, Any] = {
        "case_id": case.case_id,
        "campaign_id": case.campaign_id,
        "serial_item_id": case.serial_item_id,
        "campaign_code": case.campaign_code,
        "campaign_name": case.campaign_name,
        "case_number": case.case_number,
        "outcome": CaseOutcome.COMPLETED,
        "closed_at": CLOSED_AT,
        "service_order_id": uuid.uuid4(),
        "service_order_number": "SO-000123",
    }
    return CampaignCaseClosed(**(values | fields))


async def deliver(client: httpx.AsyncClient, settings: Settings, *messages: Message) -> None:
    """Publish ``messages`` to field work's queue and wait until each is applied."""
    runtime = runtime_of(client)
    ids = [(await publish(runtime.broker, settings.broker_prefix, m)).message_id for m in messages]
    for message_id in ids:
        await consumed(runtime.sessionmaker, message_id)


async def stored(client: httpx.AsyncClient, case_id: uuid.UUID) -> dict[str, Any] | None:
    async with runtime_of(client).sessionmaker() as session:
        row = (
            (
                await session.execute(
                    select(tables.campaign_case).where(tables.campaign_case.c.case_id == case_id)
                )
            )
            .mappings()
            .first()
        )
        return None if row is None else dict(row)


async def insert_cases(
    *cases: CampaignCaseOpened | CampaignCaseClosed, client: httpx.AsyncClient
) -> None:
    """Cases written straight into the projection (the consumer is tested through the
    broker above), as the events would leave them."""
    async with runtime_of(client).uow() as uow:
        for case in cases:
            await uow.session.execute(
                tables.campaign_case.insert().values(
                    case_id=case.case_id,
                    campaign_id=case.campaign_id,
                    campaign_code=case.campaign_code,
                    campaign_name=case.campaign_name,
                    translations=getattr(case, "campaign_translations", {}),
                    serial_item_id=case.serial_item_id,
                    case_number=case.case_number,
                    cause_code=getattr(case, "cause_code", None),
                    cause_description=getattr(case, "cause_description", None),
                    status="closed" if isinstance(case, CampaignCaseClosed) else "open",
                )
            )
        await uow.commit()


# --- the projection, through the broker ----------------------------------------------------


async def test_an_opened_case_is_kept_and_its_close_closes_it_for_good(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    case = opened(uuid.uuid4(), customer_id=uuid.uuid4(), org_unit_id=uuid.uuid4())
    await deliver(client, settings, case)
    row = await stored(client, case.case_id)
    assert row is not None
    assert row["status"] == "open"
    assert (row["campaign_id"], row["campaign_code"], row["campaign_name"]) == (
        case.campaign_id,
        case.campaign_code,
        "Burner retrofit",
    )
    assert (row["serial_item_id"], row["case_number"]) == (case.serial_item_id, case.case_number)
    assert (row["cause_code"], row["cause_description"]) == ("RC-7", "Replace the burner gasket")
    assert (row["customer_id"], row["org_unit_id"]) == (case.customer_id, case.org_unit_id)
    assert row["translations"] == {"sv": "Brännarbyte"}
    assert row["opened_at"] is not None

    # While open, a repeated open refreshes what it says.
    await deliver(
        client,
        settings,
        opened(
            case.serial_item_id,
            **{**case.model_dump(), "cause_description": "Replace gasket and nozzle"},
        ),
    )
    row = await stored(client, case.case_id)
    assert row is not None
    assert row["cause_description"] == "Replace gasket and nozzle"

    close = closed(case)
    await deliver(client, settings, close)
    row = await stored(client, case.case_id)
    assert row is not None
    assert (row["status"], row["outcome"], row["closed_at"]) == ("closed", "completed", CLOSED_AT)
    assert (row["service_order_id"], row["service_order_number"]) == (
        close.service_order_id,
        "SO-000123",
    )
    # Kept from the open: the close does not carry them.
    assert (row["cause_code"], row["translations"]) == ("RC-7", {"sv": "Brännarbyte"})

    # The open redelivered after the close, or a second close, changes nothing.
    await deliver(client, settings, case, closed(case, reason="again", service_order_number=None))
    again = await stored(client, case.case_id)
    assert again == row


async def test_a_close_arriving_before_its_open_is_recorded_and_the_open_ignored(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    case = opened(uuid.uuid4())
    close = closed(
        case,
        outcome=CaseOutcome.CANCELLED,
        service_order_id=None,
        service_order_number=None,
        reason="campaign closed",
    )
    await deliver(client, settings, close)
    row = await stored(client, case.case_id)
    assert row is not None
    assert (row["status"], row["outcome"], row["close_reason"]) == (
        "closed",
        "cancelled",
        "campaign closed",
    )
    await deliver(client, settings, case)
    row = await stored(client, case.case_id)
    assert row is not None
    assert row["status"] == "closed"


async def test_a_release_worth_of_cases_lands(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Opens come by the thousand at a release: batched, each lands; a close among them
    closes its case whichever batch it falls in."""
    cases = [opened(uuid.uuid4()) for _ in range(60)]
    runtime = runtime_of(client)
    for case in cases:
        await publish(runtime.broker, settings.broker_prefix, case)
    await deliver(client, settings, closed(cases[5]))

    async def statuses() -> dict[uuid.UUID, str]:
        async with runtime.sessionmaker() as session:
            rows = await session.execute(
                select(tables.campaign_case.c.case_id, tables.campaign_case.c.status).where(
                    tables.campaign_case.c.case_id.in_([c.case_id for c in cases])
                )
            )
            return dict(rows.tuples().all())

    found = await eventually(statuses, until=lambda s: len(s) == 60, what="60 cases")
    assert found[cases[5].case_id] == "closed"
    assert sum(1 for s in found.values() if s == "open") == 59


# --- the order shows them, its completion ticks them ----------------------------------------


async def _world_with_cases(
    client: httpx.AsyncClient,
) -> tuple[World, CampaignCaseOpened, CampaignCaseOpened, CampaignCaseOpened]:
    """A world whose first item has an open case and a closed one, its second item an open
    case, and an item of no order an open case."""
    world = await seed_world(client)
    first = opened(world.item_id, campaign_code="A-" + uuid.uuid4().hex[:6])
    second = opened(world.other_item_id, campaign_code="B-" + uuid.uuid4().hex[:6])
    elsewhere = opened(uuid.uuid4())
    done_before = closed(opened(world.item_id))
    await insert_cases(first, second, elsewhere, done_before, client=client)
    return world, first, second, elsewhere


async def test_an_order_shows_the_open_cases_of_its_serial_items(
    client: httpx.AsyncClient,
) -> None:
    world, first, second, _ = await _world_with_cases(client)
    only_location = await new_order(client, world)
    assert [c["case_id"] for c in only_location["campaign_cases"]] == [str(first.case_id)]
    shown = only_location["campaign_cases"][0]
    assert shown == {
        "case_id": str(first.case_id),
        "case_number": first.case_number,
        "campaign_id": str(first.campaign_id),
        "campaign_code": first.campaign_code,
        "campaign_name": "Burner retrofit",
        "translations": {"sv": "Brännarbyte"},
        "serial_item_id": str(world.item_id),
        "cause_code": "RC-7",
        "cause_description": "Replace the burner gasket",
    }

    both = await new_order(client, world, service_object_ids=[str(world.other_item_id)])
    answer = await client.get(f"/service-orders/{both['id']}")
    assert answer.status_code == 200, answer.text
    assert [c["case_id"] for c in answer.json()["campaign_cases"]] == [
        str(first.case_id),
        str(second.case_id),
    ]

    free = await new_order(
        client, world, serial_item_id=None, location={"street": "Storgatan 1", "city": "Malmö"}
    )
    assert free["campaign_cases"] == []


async def test_completing_with_a_case_ticked_names_it_and_records_it(
    client: httpx.AsyncClient,
) -> None:
    world, first, second, _ = await _world_with_cases(client)
    technician_id = await add_technician(client, world, username="tekla")
    order = await planned_order(
        client, world, technician_id, service_object_ids=[str(world.other_item_id)]
    )
    answer = await client.post(
        f"/service-orders/{order['id']}/actions/complete",
        json={"campaign_case_ids_done": [str(first.case_id), str(first.case_id)]},
        headers={**if_match(order), **as_user("tekla", "technician")},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stage"] == "completed"

    (completed,) = [
        e for e in await events_of(client, order["id"]) if e["type"].endswith("completed")
    ]
    assert completed["payload"]["campaign_case_ids_done"] == [str(first.case_id)]
    assert completed["payload"]["changed_by"] == "tekla"

    history = (await client.get(f"/service-orders/{order['id']}/history")).json()["items"]
    (ticked,) = [e for e in history if e["kind"] == "campaign_cases_done"]
    assert ticked["detail"] == {
        "case_ids": [str(first.case_id)],
        "case_numbers": [first.case_number],
    }
    assert ticked["by"] == "tekla"
    # The case not ticked stays open (and campaigns' close of the ticked one is what
    # removes it: field work does not close it by itself).
    assert (await stored(client, second.case_id) or {})["status"] == "open"


async def test_completing_without_ticks_names_none(client: httpx.AsyncClient) -> None:
    world, *_ = await _world_with_cases(client)
    technician_id = await add_technician(client, world)
    bodies: list[dict[str, Any] | None] = [None, {}, {"campaign_case_ids_done": []}]
    for body in bodies:
        order = await planned_order(client, world, technician_id)
        answer = await client.post(
            f"/service-orders/{order['id']}/actions/complete", json=body, headers=if_match(order)
        )
        assert answer.status_code == 200, answer.text
        (completed,) = [
            e for e in await events_of(client, order["id"]) if e["type"].endswith("completed")
        ]
        assert completed["payload"]["campaign_case_ids_done"] == []
        history = (await client.get(f"/service-orders/{order['id']}/history")).json()["items"]
        assert not [e for e in history if e["kind"] == "campaign_cases_done"]


async def test_ticking_what_is_not_an_open_case_of_the_order_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    world, first, second, elsewhere = await _world_with_cases(client)
    technician_id = await add_technician(client, world)
    # The order is at the first item only: the second item's case is not its.
    order = await planned_order(client, world, technician_id)
    done_before = closed(opened(world.item_id))
    await insert_cases(done_before, client=client)
    bad_lists = [
        ([first.case_id, uuid.uuid4()], "campaign_case_ids_done.1"),
        ([second.case_id], "campaign_case_ids_done.0"),
        ([first.case_id, first.case_id, elsewhere.case_id], "campaign_case_ids_done.2"),
        ([done_before.case_id], "campaign_case_ids_done.0"),
    ]
    for ids, field in bad_lists:
        answer = await client.post(
            f"/service-orders/{order['id']}/actions/complete",
            json={"campaign_case_ids_done": [str(i) for i in ids]},
            headers=if_match(order),
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.json()
    for body in (
        {"campaign_case_ids_done": ["not-a-uuid"]},
        {"campaign_case_ids_done": "x"},
        {"other": 1},
    ):
        answer = await client.post(
            f"/service-orders/{order['id']}/actions/complete", json=body, headers=if_match(order)
        )
        assert answer.status_code == 422, answer.text
    # Another action ticks nothing.
    answer = await client.post(
        f"/service-orders/{order['id']}/actions/depart",
        json={"campaign_case_ids_done": [str(first.case_id)]},
        headers=if_match(order),
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "campaign_case_ids_done"

    after = (await client.get(f"/service-orders/{order['id']}")).json()
    assert (after["stage"], after["status"], after["version"]) == (
        "planned",
        "planned",
        order["version"],
    )
    types = [e["type"] for e in await events_of(client, order["id"])]
    assert "fieldwork.order.completed" not in types
    assert "fieldwork.order.stage_changed" not in types


async def test_a_move_to_completed_ticks_cases_and_other_moves_do_not(
    client: httpx.AsyncClient,
) -> None:
    world, first, _, _ = await _world_with_cases(client)
    technician_id = await add_technician(client, world)
    order = await planned_order(client, world, technician_id)
    refused = await client.post(
        f"/service-orders/{order['id']}/move",
        json={"stage": "new", "campaign_case_ids_done": [str(first.case_id)]},
        headers=if_match(order),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "campaign_case_ids_done"
    bad = await client.post(
        f"/service-orders/{order['id']}/move",
        json={"stage": "completed", "campaign_case_ids_done": [str(uuid.uuid4())]},
        headers=if_match(order),
    )
    assert bad.status_code == 422, bad.text
    assert bad.json()["field"] == "campaign_case_ids_done.0"

    moved = await client.post(
        f"/service-orders/{order['id']}/move",
        json={"stage": "completed", "campaign_case_ids_done": [str(first.case_id)]},
        headers=if_match(order),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["stage"] == "completed"
    (completed,) = [
        e for e in await events_of(client, order["id"]) if e["type"].endswith("completed")
    ]
    assert completed["payload"]["campaign_case_ids_done"] == [str(first.case_id)]
