"""Validation of a campaign's serial lines against the projections: each reason in the
report with its detail, owner vs initial-order customer, a line naming its product, a
revalidation after the projections caught up, and release refused while any line fails."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.seed import as_user, seed_world
from tests.integration.test_campaigns_support import (
    add,
    add_item,
    new_campaign,
    release,
    serial_pages,
    set_item,
)


async def test_owner_or_initial_order_customer(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=2)
    by_owner = await new_campaign(client)
    by_order = await new_campaign(client, use_customer_from_order=True)
    for campaign in (by_owner, by_order):
        summary = await add(client, campaign["id"], [world.serial(0), world.serial(1)])
        assert summary == {
            "added": 2,
            "duplicates": 0,
            "failing": 0,
            "cases_opened": 0,
            "cases_pending": 0,
        }
    owner_lines = await serial_pages(client, by_owner["id"])
    order_lines = await serial_pages(client, by_order["id"])
    assert {line["customer_id"] for line in owner_lines} == {str(world.owner_id)}
    assert {line["customer_id"] for line in order_lines} == {str(world.order_customer_id)}
    assert [line["serial_item_id"] for line in owner_lines] == [str(i) for i in world.item_ids]
    assert {line["org_unit_id"] for line in owner_lines} == {str(world.org_unit_id)}
    assert all(line["problem"] is None for line in owner_lines + order_lines)

    # Switching a draft's setting resolves its lines again.
    changed = await client.patch(
        f"/campaigns/{by_owner['id']}",
        json={"use_customer_from_order": True},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    again = await serial_pages(client, by_owner["id"])
    assert {line["customer_id"] for line in again} == {str(world.order_customer_id)}


async def test_every_reason_in_the_report(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    tag = world.tag
    # On two products: ambiguous without a product number, found with one.
    await add_item(client, world, f"TWIN-{tag}", product_number=f"PA-{tag}")
    twin_b = await add_item(client, world, f"TWIN-{tag}", product_number=f"PB-{tag}")
    await add_item(client, world, f"OLD-{tag}", status="scrapped")
    await add_item(client, world, f"NOOWNER-{tag}", owner_id=None)
    await add_item(client, world, f"NOORDER-{tag}", order_customer_id=None)
    stranger = uuid.uuid4()
    await add_item(client, world, f"STRANGER-{tag}", owner_id=stranger)
    campaign = await new_campaign(client)
    summary = await add(
        client,
        campaign["id"],
        [
            f"NOPE-{tag}",
            {"serial_number": world.serial(0), "product_number": f"P-OTHER-{tag}"},
            f"TWIN-{tag}",
            {"serial_number": f"TWIN-{tag}", "product_number": f"PB-{tag}"},
            f"OLD-{tag}",
            f"NOOWNER-{tag}",
            f"NOORDER-{tag}",  # has an owner: fine for this campaign
            f"STRANGER-{tag}",
            world.serial(0),
            {"serial_number": world.serial(0), "product_number": f"P-{tag}"},
        ],
    )
    assert summary["added"] == 10
    assert summary["failing"] == 7

    report = await serial_pages(client, campaign["id"], failing="true")
    found = {(r["serial_number"], r["product_number"]): r for r in report}
    expected = {
        (f"NOPE-{tag}", ""): "not_found",
        (world.serial(0), f"P-OTHER-{tag}"): "not_found",
        (f"TWIN-{tag}", ""): "ambiguous",
        (f"OLD-{tag}", ""): "inactive",
        (f"NOOWNER-{tag}", ""): "no_owner",
        (f"STRANGER-{tag}", ""): "customer_unknown",
        (world.serial(0), f"P-{tag}"): "duplicate_item",
    }
    assert {key: r["problem"] for key, r in found.items()} == expected
    assert found[(f"TWIN-{tag}", "")]["problem_detail"] == (
        f"the serial number is on products PA-{tag}, PB-{tag}; give the product number"
    )
    assert found[(f"NOPE-{tag}", "")]["problem_detail"] == f"no serial item NOPE-{tag}"
    assert (
        f"on product P-OTHER-{tag}" in found[(world.serial(0), f"P-OTHER-{tag}")]["problem_detail"]
    )
    assert found[(f"OLD-{tag}", "")]["problem_detail"] == "the serial item is scrapped"
    assert str(stranger) in found[(f"STRANGER-{tag}", "")]["problem_detail"]
    assert world.serial(0) in found[(world.serial(0), f"P-{tag}")]["problem_detail"]
    # The report is in the order entered.
    assert [r["position"] for r in report] == sorted(r["position"] for r in report)

    passing = await serial_pages(client, campaign["id"], failing="false")
    assert {(r["serial_number"], r["product_number"]) for r in passing} == {
        (f"TWIN-{tag}", f"PB-{tag}"),
        (f"NOORDER-{tag}", ""),
        (world.serial(0), ""),
    }
    assert next(r for r in passing if r["product_number"] == f"PB-{tag}")["serial_item_id"] == str(
        twin_b
    )

    read = (await client.get(f"/campaigns/{campaign['id']}")).json()
    assert read["counts"]["lines"] == 10
    assert read["counts"]["failing"] == 7

    # Release is refused while lines fail, naming how many and where the report is.
    refused = await release(client, campaign["id"])
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["failing"] == 7
    assert problem["report"] == f"/api/campaigns/{campaign['id']}/serials?failing=true"
    assert problem["problems"]["not_found"] == 2


async def test_initial_order_setting_reports_missing_order_customer(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client, items=0)
    await add_item(client, world, f"NOORDER-{world.tag}", order_customer_id=None)
    await add_item(client, world, f"NOOWNER-{world.tag}", owner_id=None)
    campaign = await new_campaign(client, use_customer_from_order=True)
    summary = await add(client, campaign["id"], [f"NOORDER-{world.tag}", f"NOOWNER-{world.tag}"])
    assert summary["failing"] == 1
    (line,) = await serial_pages(client, campaign["id"], failing="true")
    assert line["problem"] == "no_initial_order_customer"
    assert line["serial_number"] == f"NOORDER-{world.tag}"
    assert line["problem_detail"] == "the serial item has no initial-order customer"


async def test_revalidate_after_projections_caught_up_then_release(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client, items=1)
    late = f"LATE-{world.tag}"
    campaign = await new_campaign(client)
    cid = campaign["id"]
    assert (await add(client, cid, [world.serial(0), late]))["failing"] == 1
    assert (await release(client, cid)).status_code == 409

    # Catalog's item arrives; validating again clears the line.
    await add_item(client, world, late)
    validated = await client.post(f"/campaigns/{cid}/validate")
    assert validated.status_code == 200, validated.text
    assert validated.json() == {"lines": 2, "failing": 0, "problems": {}}
    assert await serial_pages(client, cid, failing="true") == []
    assert (await release(client, cid)).status_code == 200


async def test_removing_a_failing_line_allows_release(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    await add(client, cid, [world.serial(0), {"serial_number": "GHOST", "product_number": "PX"}])
    assert (await release(client, cid)).status_code == 409
    not_there = await client.delete(f"/campaigns/{cid}/serials/GHOST")
    assert not_there.status_code == 404  # the line names a product
    removed = await client.delete(
        f"/campaigns/{cid}/serials/GHOST", params={"product_number": "PX"}
    )
    assert removed.status_code == 204
    released = await release(client, cid)
    assert released.status_code == 200, released.text
    # A line with its case cannot be removed.
    has_case = await client.delete(f"/campaigns/{cid}/serials/{world.serial(0)}")
    assert has_case.status_code == 409
    assert has_case.json()["field"] == "serial_number"


async def test_an_item_made_inactive_fails_on_revalidation(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    assert (await add(client, cid, [world.serial(0)]))["failing"] == 0
    await set_item(client, world.item_ids[0], status="inactive")
    validated = (await client.post(f"/campaigns/{cid}/validate")).json()
    assert validated["problems"] == {"inactive": 1}


async def test_restricted_reader_sees_only_its_units_lines(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    await add(client, cid, [world.serial(0), "NOWHERE-" + world.tag])
    mine = as_user("nils", "viewer", org_units=[world.org_unit_code])
    other = as_user("otto", "viewer", org_units=["ou-elsewhere"])
    seen = await client.get(f"/campaigns/{cid}/serials", headers=mine)
    # The failing line resolved to no item, so to no org unit: unrestricted callers only.
    assert [line["serial_number"] for line in seen.json()["items"]] == [world.serial(0)]
    assert (await client.get(f"/campaigns/{cid}/serials", headers=other)).json()["items"] == []
    counts = (await client.get(f"/campaigns/{cid}", headers=mine)).json()["counts"]
    assert counts == {"lines": 1, "failing": 0, "cases_open": 0, "cases_closed": 0}
