"""Release and close over HTTP: one case per serial line with what the campaign and the
item give it, CampaignCaseOpened in the outbox, idempotent reruns, a release resumed
batch by batch, lines added after release, texts changed after release, and closing the
campaign closing its open cases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update

from aftersales_kit.clock import FixedClock
from campaigns import tables
from campaigns.cases.handlers import close_case
from campaigns.context import Context
from campaigns.drives import handlers
from campaigns.main import build_app
from campaigns.settings import Settings
from tests.conftest import NOW
from tests.integration.seed import runtime_of, seed_world
from tests.integration.test_campaigns_support import (
    add,
    add_item,
    campaign_cases,
    etag,
    new_campaign,
    opened_events,
    release,
    serial_pages,
)
from tests.integration.test_cases_support import outbox_bodies


async def test_release_opens_one_case_per_line(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    campaign = await new_campaign(client, translations={"sv": "Pumpbyte"})
    cid = campaign["id"]
    await add(client, cid, [world.serial(i) for i in range(3)])

    missing = await client.post(f"/campaigns/{cid}/release")
    assert missing.status_code == 428
    stale = await client.post(f"/campaigns/{cid}/release", headers={"If-Match": '"9"'})
    assert stale.status_code == 412

    answer = await client.post(f"/campaigns/{cid}/release", headers={"If-Match": '"1"'})
    assert answer.status_code == 200, answer.text
    out = answer.json()
    assert answer.headers["ETag"] == '"2"'
    assert out["campaign"]["state"] == "released"
    assert out["campaign"]["released_by"] == "admin"
    assert (out["done"], out["pending"]) == (3, 0)

    cases = await campaign_cases(client, cid)
    assert len(cases) == 3
    assert {c["serial_item_id"] for c in cases} == set(world.item_ids)
    for case in cases:
        assert case["number"].startswith("CA-")
        assert len(case["number"]) >= 9
        assert case["basic_type"] == "customer_nonconformity"
        assert case["title"] == "Pump retrofit"
        assert str(case["template_id"]) == campaign["template_id"]
        assert str(case["parent_id"]) == campaign["parent_case_id"]
        assert case["customer_id"] == world.owner_id
        assert case["org_unit_id"] == world.org_unit_id
        assert (case["our_reference"], case["cause_code"], case["cause_description"]) == (
            "Anna",
            "RC-7",
            "Bearing wears early",
        )
        assert case["status"] == "open"
        assert case["created_by"] == "admin"
    lines = await serial_pages(client, cid)
    by_item = {c["serial_item_id"]: c["id"] for c in cases}
    assert {line["case_id"] for line in lines} == {str(by_item[i]) for i in world.item_ids}

    events = await opened_events(client, cid)
    assert len(events) == 3
    first = next(e for e in events if e["case_id"] == str(cases[0]["id"]))
    assert first == {
        "case_id": str(cases[0]["id"]),
        "campaign_id": cid,
        "serial_item_id": str(cases[0]["serial_item_id"]),
        "campaign_code": campaign["code"],
        "campaign_name": "Pump retrofit",
        "case_number": cases[0]["number"],
        "cause_code": "RC-7",
        "cause_description": "Bearing wears early",
        "customer_id": str(world.owner_id),
        "org_unit_id": str(world.org_unit_id),
        "campaign_translations": {"sv": "Pumpbyte"},
    }
    counts = (await client.get(f"/campaigns/{cid}")).json()["counts"]
    assert counts == {"lines": 3, "failing": 0, "cases_open": 3, "cases_closed": 0}


async def test_release_twice_opens_nothing_twice(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=2)
    campaign = await new_campaign(client, use_customer_from_order=True)
    cid = campaign["id"]
    await add(client, cid, [world.serial(0), world.serial(1)])
    assert (await release(client, cid)).status_code == 200
    before = await campaign_cases(client, cid)
    assert {c["customer_id"] for c in before} == {world.order_customer_id}
    again = await release(client, cid)
    assert again.status_code == 200, again.text
    assert (again.json()["done"], again.json()["pending"]) == (0, 0)
    assert await campaign_cases(client, cid) == before
    assert len(await opened_events(client, cid)) == 2

    # Even a line that lost its link (the unique index, not the link, is the guard) gets
    # the case it has rather than a second one.
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.campaign_serial)
            .where(tables.campaign_serial.c.campaign_id == uuid.UUID(cid))
            .values(case_id=None)
        )
        await uow.commit()
    relinked = await release(client, cid)
    assert relinked.json()["done"] == 0
    assert await campaign_cases(client, cid) == before
    assert len(await opened_events(client, cid)) == 2
    lines = await serial_pages(client, cid)
    assert {line["case_id"] for line in lines} == {str(c["id"]) for c in before}


async def test_release_refuses_an_empty_campaign(client: httpx.AsyncClient) -> None:
    campaign = await new_campaign(client)
    answer = await release(client, campaign["id"])
    assert answer.status_code == 409
    assert (await client.get(f"/campaigns/{campaign['id']}")).json()["state"] == "draft"


@pytest.fixture
async def batched(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app releasing in batches of 3 lines."""
    app = build_app(settings.model_copy(update={"release_batch_size": 3}), FixedClock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://campaigns",
            headers={"X-Aftersales-User": "admin", "X-Aftersales-Roles": "admin"},
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client


async def test_release_goes_on_where_it_stopped(
    batched: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two batches of 3 a call: a release of 10 lines takes two calls, as an interrupted
    # one would (state released and the first batches committed, the rest without a case).
    monkeypatch.setattr(handlers, "MAX_BATCHES_PER_CALL", 2)
    world = await seed_world(batched, items=10)
    campaign = await new_campaign(batched)
    cid = campaign["id"]
    await add(batched, cid, [world.serial(i) for i in range(10)])
    first = await release(batched, cid)
    assert first.status_code == 202, first.text
    assert (first.json()["done"], first.json()["pending"]) == (6, 4)
    assert (await batched.get(f"/campaigns/{cid}")).json()["state"] == "released"
    assert len(await campaign_cases(batched, cid)) == 6
    # The cases opened so far are in entry order.
    opened = {c["serial_number"] for c in await campaign_cases(batched, cid)}
    assert opened == {world.serial(i) for i in range(6)}
    second = await release(batched, cid)
    assert second.status_code == 200, second.text
    assert (second.json()["done"], second.json()["pending"]) == (4, 0)
    assert len(await campaign_cases(batched, cid)) == 10
    assert len(await opened_events(batched, cid)) == 10
    assert (await release(batched, cid)).json()["done"] == 0


async def test_lines_added_after_release_get_their_cases(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    await add(client, cid, [world.serial(0)])
    released = await release(client, cid)
    # The texts change after release: cases opened from then on carry the new ones.
    changed = await client.patch(
        f"/campaigns/{cid}",
        json={"cause_code": "RC-9", "name": "Pump retrofit v2"},
        headers={"If-Match": released.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text

    summary = await add(client, cid, [world.serial(1), "MISSING-" + world.tag])
    assert summary == {
        "added": 2,
        "duplicates": 0,
        "failing": 1,
        "cases_opened": 1,
        "cases_pending": 0,
    }
    uploaded = await client.post(
        f"/campaigns/{cid}/serials/upload",
        content=f"{world.serial(2)}\n{world.serial(1)}\n".encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert uploaded.json()["cases_opened"] == 1
    assert uploaded.json()["duplicates"] == 1
    cases = {c["serial_number"]: c for c in await campaign_cases(client, cid)}
    assert set(cases) == {world.serial(i) for i in range(3)}
    assert cases[world.serial(0)]["cause_code"] == "RC-7"  # opened before the change
    assert cases[world.serial(1)]["cause_code"] == "RC-9"
    assert cases[world.serial(2)]["title"] == "Pump retrofit v2"
    events = {e["case_id"]: e for e in await opened_events(client, cid)}
    assert events[str(cases[world.serial(1)]["id"])]["cause_code"] == "RC-9"

    # The failing line gets its case once catalog's item arrives and it is validated again.
    await add_item(client, world, "MISSING-" + world.tag)
    validated = await client.post(f"/campaigns/{cid}/validate")
    assert validated.json()["failing"] == 0
    assert len(await campaign_cases(client, cid)) == 4


async def test_close_closes_the_open_cases(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    draft_close = await client.post(f"/campaigns/{cid}/close", headers={"If-Match": '"1"'})
    assert draft_close.status_code == 409
    await add(client, cid, [world.serial(i) for i in range(3)])
    await release(client, cid)
    cases = await campaign_cases(client, cid)
    # One case was closed by hand before.
    ctx: Context = client.app.state.context  # type: ignore[attr-defined]
    async with runtime_of(client).uow() as uow:
        await close_case(uow, ctx, cases[0]["id"], how="manual", by="olle", reason="done")
        await uow.commit()

    stale = await client.post(f"/campaigns/{cid}/close", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    closed = await client.post(
        f"/campaigns/{cid}/close", headers={"If-Match": await etag(client, cid)}
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["done"], closed.json()["pending"]) == (2, 0)
    assert closed.json()["campaign"]["state"] == "closed"
    assert closed.json()["campaign"]["closed_by"] == "admin"
    after = {c["id"]: c for c in await campaign_cases(client, cid)}
    assert after[cases[0]["id"]]["closed_how"] == "manual"
    for case in cases[1:]:
        row = after[case["id"]]
        assert (row["status"], row["closed_how"], row["closed_by"]) == (
            "closed",
            "campaign_closed",
            "admin",
        )
        (event,) = await outbox_bodies(client, "campaigns.case.closed", case["id"])
        assert event["payload"]["outcome"] == "cancelled"
    counts = (await client.get(f"/campaigns/{cid}")).json()["counts"]
    assert counts == {"lines": 3, "failing": 0, "cases_open": 0, "cases_closed": 3}
    # Closing again closes nothing more.
    again = await client.post(
        f"/campaigns/{cid}/close", headers={"If-Match": closed.headers["ETag"]}
    )
    assert (again.status_code, again.json()["done"]) == (200, 0)


async def test_two_items_one_case_even_when_named_twice(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    summary = await add(
        client,
        cid,
        [world.serial(0), {"serial_number": world.serial(0), "product_number": f"P-{world.tag}"}],
    )
    assert summary["failing"] == 1  # the second names the same item
    removed = await client.delete(
        f"/campaigns/{cid}/serials/{world.serial(0)}",
        params={"product_number": f"P-{world.tag}"},
    )
    assert removed.status_code == 204
    assert (await release(client, cid)).status_code == 200
    assert [c["serial_item_id"] for c in await campaign_cases(client, cid)] == world.item_ids
