"""A campaign's progress: totals and per org unit (lines, cases open and closed), narrowed
to the caller's org units and their descendants."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.dialects.postgresql import insert

from campaigns import tables
from campaigns.cases.handlers import close_case
from campaigns.context import Context
from tests.integration.seed import as_user, runtime_of, seed_world
from tests.integration.test_campaigns_support import (
    add,
    add_item,
    campaign_cases,
    new_campaign,
    release,
)


async def test_progress_per_org_unit_within_scope(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    # A child unit of the world's, with two items of its own.
    child_id = uuid.uuid4()
    child_code = "ou-" + uuid.uuid4().hex[:8]
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            insert(tables.org_unit).values(
                id=child_id,
                version=1,
                code=child_code,
                name="North child",
                time_zone="Europe/Stockholm",
                parent_id=world.org_unit_id,
            )
        )
        await uow.commit()
    child_serials = [f"CHILD-{world.tag}-{i}" for i in range(2)]
    for serial in child_serials:
        await add_item(client, world, serial, org_unit_id=child_id)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    await add(client, cid, [world.serial(i) for i in range(3)] + child_serials)
    assert (await release(client, cid)).status_code == 200
    # Add a failing line after release (no org unit) and close one case in each unit.
    await add(client, cid, ["GHOST-" + world.tag])
    cases = await campaign_cases(client, cid)
    ctx: Context = client.app.state.context  # type: ignore[attr-defined]
    async with runtime_of(client).uow() as uow:
        for org_unit_id in (world.org_unit_id, child_id):
            case = next(c for c in cases if c["org_unit_id"] == org_unit_id)
            await close_case(uow, ctx, case["id"], how="manual", by="olle", reason="done")
        await uow.commit()

    everything = await client.get(f"/campaigns/{cid}/progress")
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert body["totals"] == {"lines": 6, "failing": 1, "cases_open": 3, "cases_closed": 2}
    assert sorted(
        (u["code"], u["name"], u["lines"], u["open"], u["closed"])
        for u in body["org_units"]
        if u["code"]
    ) == sorted(
        [
            (world.org_unit_code, "North", 3, 2, 1),
            (child_code, "North child", 2, 1, 1),
        ]
    )
    (nowhere,) = [u for u in body["org_units"] if u["org_unit_id"] is None]
    assert (nowhere["lines"], nowhere["open"], nowhere["closed"]) == (1, 0, 0)

    # Restricted to the child: its unit alone.
    child_only = await client.get(
        f"/campaigns/{cid}/progress", headers=as_user("c", "viewer", org_units=[child_code])
    )
    assert child_only.json()["totals"] == {
        "lines": 2,
        "failing": 0,
        "cases_open": 1,
        "cases_closed": 1,
    }
    assert [u["org_unit_id"] for u in child_only.json()["org_units"]] == [str(child_id)]
    # Restricted to the parent: the child too (descendants), not the line without a unit.
    parent = await client.get(
        f"/campaigns/{cid}/progress",
        headers=as_user("p", "operator", org_units=[world.org_unit_code]),
    )
    assert parent.json()["totals"] == {
        "lines": 5,
        "failing": 0,
        "cases_open": 3,
        "cases_closed": 2,
    }
    assert {u["org_unit_id"] for u in parent.json()["org_units"]} == {
        str(world.org_unit_id),
        str(child_id),
    }
    # Restricted to a unit elsewhere: nothing.
    elsewhere = await client.get(
        f"/campaigns/{cid}/progress", headers=as_user("e", "viewer", org_units=["ou-nowhere"])
    )
    assert elsewhere.json() == {
        "totals": {"lines": 0, "failing": 0, "cases_open": 0, "cases_closed": 0},
        "org_units": [],
    }


async def test_progress_of_a_draft(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    campaign = await new_campaign(client)
    await add(client, campaign["id"], [world.serial(0), "NOPE-" + world.tag])
    body = (await client.get(f"/campaigns/{campaign['id']}/progress")).json()
    assert body["totals"] == {"lines": 2, "failing": 1, "cases_open": 0, "cases_closed": 0}
    assert [(u["code"], u["lines"], u["open"]) for u in body["org_units"]] == [
        (world.org_unit_code, 1, 0),
        (None, 1, 0),
    ]
