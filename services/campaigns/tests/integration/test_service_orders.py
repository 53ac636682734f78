"""Field work's completed orders through the real broker: the campaign cases ticked done
are closed "at service order SO-…" (one ``campaigns.case.closed`` each), the ones not
ticked stay open; unknown, already closed and other items' case ids change nothing, and a
redelivered completion closes nothing twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from aftersales_contracts.fieldwork import (
    Priority,
    ServiceOrderCompleted,
    ServiceOrderSnapshot,
    Stage,
)
from aftersales_kit.clock import FixedClock
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed
from campaigns.cases.handlers import close_case
from campaigns.context import Context
from campaigns.settings import Settings
from tests.integration.seed import runtime_of, seed_world
from tests.integration.test_cases_support import case_row, insert_campaign, outbox_bodies

CLOSED = "campaigns.case.closed"


def completed(
    items: list[uuid.UUID],
    done: list[uuid.UUID],
    *,
    number: str | None = None,
    order_id: uuid.UUID | None = None,
) -> ServiceOrderCompleted:
    """An order at its first item's location, concerning ``items``, completed with ``done``
    ticked."""
    at = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    order = ServiceOrderSnapshot(
        order_id=order_id or uuid.uuid4(),
        version=7,
        number=number or f"SO-{uuid.uuid4().int % 1_000_000:06d}",
        case_id=uuid.uuid4(),
        stage=Stage.COMPLETED,
        priority=Priority.NORMAL,
        serial_item_id=items[0] if items else None,
        service_object_ids=items,
        completed_at=at,
    )
    return ServiceOrderCompleted(
        order=order, changed_by="tech1", completed_at=at, campaign_case_ids_done=done
    )


async def deliver(
    client: httpx.AsyncClient, settings: Settings, event: ServiceOrderCompleted
) -> None:
    """Publish ``event`` to campaigns' queue and wait until campaigns has applied it."""
    runtime = runtime_of(client)
    envelope = await publish(runtime.broker, settings.broker_prefix, event)
    await consumed(runtime.sessionmaker, envelope.message_id)


async def test_ticked_cases_close_at_the_order_and_the_others_stay_open(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=3)
    rows = await insert_campaign(client, world)
    order_id = uuid.uuid4()
    event = completed(
        world.item_ids[:2],
        # case 0 ticked (twice), case 1 not; an id campaigns never made is skipped
        [rows.case_ids[0], uuid.uuid4(), rows.case_ids[0]],
        number="SO-004711",
        order_id=order_id,
    )
    await deliver(client, settings, event)

    row = await case_row(client, rows.case_ids[0])
    assert (row["status"], row["closed_how"]) == ("closed", "service_order")
    assert (row["service_order_id"], row["service_order_number"]) == (order_id, "SO-004711")
    assert (row["closed_by"], row["closed_at"], row["version"]) == ("tech1", clock.now(), 2)
    for untouched in rows.case_ids[1:]:
        other = await case_row(client, untouched)
        assert (other["status"], other["version"]) == ("open", 1)
        assert await outbox_bodies(client, CLOSED, untouched) == []

    (body,) = await outbox_bodies(client, CLOSED, rows.case_ids[0])
    payload = body["payload"]
    assert (payload["outcome"], payload["case_number"]) == ("completed", rows.numbers[0])
    assert (payload["service_order_id"], payload["service_order_number"]) == (
        str(order_id),
        "SO-004711",
    )
    assert payload["serial_item_id"] == str(world.item_ids[0])

    # The same completion again (a re-drive: a new message id) closes nothing twice.
    await deliver(client, settings, event)
    assert (await case_row(client, rows.case_ids[0]))["version"] == 2
    assert len(await outbox_bodies(client, CLOSED, rows.case_ids[0])) == 1


async def test_a_service_object_not_at_the_location_has_its_case_closed_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client, items=2)
    rows = await insert_campaign(client, world)
    # The order stands at item 0; item 1 is one more service object of it.
    await deliver(client, settings, completed(world.item_ids, [rows.case_ids[1]]))
    assert (await case_row(client, rows.case_ids[1]))["status"] == "closed"
    assert (await case_row(client, rows.case_ids[0]))["status"] == "open"


async def test_a_case_closed_by_hand_before_stays_as_it_was_closed(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    async with runtime_of(client).uow() as uow:
        await close_case(
            uow, Context(settings, clock), rows.case_ids[0], how="manual", by="op", reason="gone"
        )
        await uow.commit()

    await deliver(client, settings, completed(world.item_ids, [rows.case_ids[0]]))
    row = await case_row(client, rows.case_ids[0])
    assert (row["closed_how"], row["close_reason"], row["closed_by"]) == ("manual", "gone", "op")
    assert row["service_order_number"] is None
    assert len(await outbox_bodies(client, CLOSED, rows.case_ids[0])) == 1


async def test_a_case_of_an_item_the_order_does_not_concern_stays_open(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client, items=2)
    rows = await insert_campaign(client, world)
    await deliver(client, settings, completed([world.item_ids[0]], [rows.case_ids[1]]))
    assert (await case_row(client, rows.case_ids[1]))["status"] == "open"
    assert await outbox_bodies(client, CLOSED, rows.case_ids[1]) == []


async def test_a_parent_case_is_never_closed_by_an_order(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    await deliver(client, settings, completed(world.item_ids, [rows.parent_id]))
    assert (await case_row(client, rows.parent_id))["status"] == "open"


async def test_an_order_completed_without_ticks_closes_nothing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    await deliver(client, settings, completed(world.item_ids, []))
    row = await case_row(client, rows.case_ids[0])
    assert (row["status"], row["version"]) == ("open", 1)
