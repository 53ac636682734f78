"""``close_case``, the use case other packages share: the row closed once, its event in
the outbox once, nothing for a case without a campaign, NotFound for an unknown id."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from aftersales_contracts.campaigns import CaseOutcome
from aftersales_kit.clock import FixedClock
from aftersales_kit.problems import NotFound
from campaigns.cases.handlers import close_case, close_cases
from campaigns.context import Context
from campaigns.settings import Settings
from tests.integration.seed import runtime_of, seed_world
from tests.integration.test_cases_support import case_row, insert_campaign, outbox_bodies

CLOSED = "campaigns.case.closed"


async def test_close_case_closes_once_and_publishes_once(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    ctx = Context(settings, clock)
    order_id = uuid.uuid4()

    async with runtime_of(client).uow() as uow:
        first = await close_case(
            uow,
            ctx,
            rows.case_ids[0],
            how="service_order",
            by="tech1",
            service_order_id=order_id,
            service_order_number="SO-000042",
        )
        await uow.commit()
    async with runtime_of(client).uow() as uow:
        again = await close_case(
            uow, ctx, rows.case_ids[0], how="manual", by="someone", reason="again"
        )
        await uow.commit()

    assert (first, again) == (True, False)
    row = await case_row(client, rows.case_ids[0])
    assert row["status"] == "closed"
    assert row["version"] == 2
    assert row["closed_at"] == clock.now()
    assert row["closed_by"] == "tech1"
    assert row["closed_how"] == "service_order"
    assert row["close_reason"] is None
    assert row["service_order_id"] == order_id
    assert row["service_order_number"] == "SO-000042"

    bodies = await outbox_bodies(client, CLOSED, rows.case_ids[0])
    assert len(bodies) == 1
    payload = bodies[0]["payload"]
    assert payload["campaign_id"] == str(rows.campaign_id)
    assert payload["serial_item_id"] == str(world.item_ids[0])
    assert payload["campaign_code"] == rows.code
    assert payload["campaign_name"] == rows.name
    assert payload["case_number"] == rows.numbers[0]
    assert payload["outcome"] == "completed"
    assert payload["service_order_id"] == str(order_id)
    assert payload["service_order_number"] == "SO-000042"
    assert payload["reason"] is None
    assert payload["closed_at"] is not None


async def test_close_case_manual_cancelled_carries_reason(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    async with runtime_of(client).uow() as uow:
        assert await close_case(
            uow,
            Context(settings, clock),
            rows.case_ids[0],
            how="campaign_closed",
            by="admin",
            reason="campaign closed",
            outcome=CaseOutcome.CANCELLED,
        )
        await uow.commit()
    (body,) = await outbox_bodies(client, CLOSED, rows.case_ids[0])
    assert body["payload"]["outcome"] == "cancelled"
    assert body["payload"]["reason"] == "campaign closed"
    row = await case_row(client, rows.case_ids[0])
    assert (row["closed_how"], row["close_reason"]) == ("campaign_closed", "campaign closed")


async def test_close_case_not_committed_leaves_case_open(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    async with runtime_of(client).uow() as uow:
        assert await close_case(
            uow, Context(settings, clock), rows.case_ids[0], how="manual", by="x", reason="r"
        )
        # no commit: the caller decides
    assert (await case_row(client, rows.case_ids[0]))["status"] == "open"
    assert await outbox_bodies(client, CLOSED, rows.case_ids[0]) == []


async def test_close_case_of_a_parent_publishes_nothing(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=0)
    rows = await insert_campaign(client, world)
    async with runtime_of(client).uow() as uow:
        assert await close_case(
            uow, Context(settings, clock), rows.parent_id, how="manual", by="x", reason="done"
        )
        await uow.commit()
    assert (await case_row(client, rows.parent_id))["status"] == "closed"
    assert await outbox_bodies(client, CLOSED, rows.parent_id) == []


async def test_close_case_unknown_id_is_not_found(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    async with runtime_of(client).uow() as uow:
        with pytest.raises(NotFound):
            await close_case(uow, Context(settings, clock), uuid.uuid4(), how="manual", by="x")


async def test_two_closes_at_once_close_and_publish_once(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    ctx = Context(settings, clock)
    started = asyncio.Event()

    async def close(by: str, first: bool) -> bool:
        async with runtime_of(client).uow() as uow:
            if not first:
                await started.wait()
            closed = await close_case(uow, ctx, rows.case_ids[0], how="manual", by=by, reason=by)
            if first:
                # Hold the row while the other close runs into it.
                started.set()
                await asyncio.sleep(0.2)
            await uow.commit()
            return closed

    results = await asyncio.gather(close("a", True), close("b", False))
    assert list(results) == [True, False]
    assert (await case_row(client, rows.case_ids[0]))["closed_by"] == "a"
    assert len(await outbox_bodies(client, CLOSED, rows.case_ids[0])) == 1


async def test_close_cases_closes_the_open_ones_in_one_go_with_one_event_each(
    client: httpx.AsyncClient, settings: Settings, clock: FixedClock
) -> None:
    world = await seed_world(client, items=3)
    rows = await insert_campaign(client, world)
    ctx = Context(settings, clock)
    first, *rest = rows.case_ids
    async with runtime_of(client).uow() as uow:
        assert await close_case(uow, ctx, first, how="manual", by="olle", reason="done")
        await uow.commit()
    async with runtime_of(client).uow() as uow:
        closed = await close_cases(
            uow,
            ctx,
            [*rows.case_ids, uuid.uuid4()],  # one already closed, one unknown: passed over
            how="campaign_closed",
            by="admin",
            reason="campaign closed",
            outcome=CaseOutcome.CANCELLED,
        )
        await uow.commit()

    assert closed == len(rest)
    assert (await case_row(client, first))["closed_how"] == "manual"
    for case_id in rest:
        row = await case_row(client, case_id)
        assert (row["status"], row["closed_how"], row["version"]) == (
            "closed",
            "campaign_closed",
            2,
        )
        (body,) = await outbox_bodies(client, CLOSED, case_id)
        assert body["payload"]["outcome"] == "cancelled"
        assert body["payload"]["campaign_code"] == rows.code
    assert len(await outbox_bodies(client, CLOSED, first)) == 1  # not published again
