"""Products (translations, groups, If-Match updates) and org units (tree, time zones)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from .helpers import n, org_unit, outbox, product

PRODUCT_CHANGED = "catalog.product.changed"
ORG_UNIT_CHANGED = "catalog.org_unit.changed"


async def test_product_update_and_deactivate(client: httpx.AsyncClient) -> None:
    p = await product(client, translations={"sv-SE": "Pump"}, product_group="pumps")
    assert (p["translations"], p["product_group"], p["active"]) == (
        {"sv-SE": "Pump"},
        "pumps",
        True,
    )
    [registered] = await outbox(client, "catalog.product.registered", "product_id", p["id"])
    assert registered["translations"] == {"sv-SE": "Pump"}

    url = f"/products/{p['id']}"
    assert (await client.put(url, json={"name": "B"})).status_code == 428
    ok = await client.put(
        url,
        json={"name": "Big pump", "translations": {"en": "Big pump", "de": "Pumpe"}},
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["product_group"], ok.headers["ETag"]) == (None, '"2"')
    patched = await client.patch(url, json={"product_group": "big"}, headers={"If-Match": '"2"'})
    assert patched.json()["name"] == "Big pump"
    assert (await client.patch(url, json={}, headers={"If-Match": '"2"'})).status_code == 412

    done = await client.post(f"{url}/deactivate")
    assert (done.json()["active"], done.json()["version"]) == (False, 4)
    events = await outbox(client, PRODUCT_CHANGED, "product_id", p["id"])
    assert [(e["version"], e["active"]) for e in events] == [(2, True), (3, True), (4, False)]
    assert events[1]["product_group"] == "big"


async def test_concurrent_product_puts(client: httpx.AsyncClient) -> None:
    p = await product(client)
    answers = await asyncio.gather(
        *(
            client.put(f"/products/{p['id']}", json={"name": x}, headers={"If-Match": '"1"'})
            for x in "AB"
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412]


async def test_bad_products_are_named(client: httpx.AsyncClient) -> None:
    for body, field in (
        ({"product_number": "X", "name": "A", "translations": {"SV": "x"}}, "translations"),
        ({"product_number": "X", "name": "A", "translations": {"sv": ""}}, "translations"),
        ({"product_number": "X", "name": "A", "product_group": " "}, "product_group"),
        ({"product_number": "X"}, "name"),
    ):
        bad = await client.post("/products", json=body)
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == field
    p = await product(client)
    bad = await client.patch(
        f"/products/{p['id']}", json={"translations": {"english": "x"}}, headers={"If-Match": "1"}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "translations")
    bad = await client.patch(f"/products/{p['id']}", json={"name": None}, headers={"If-Match": "1"})
    assert (bad.status_code, bad.json()["field"]) == (422, "name")
    missing = await client.put(
        f"/products/{uuid.uuid4()}", json={"name": "A"}, headers={"If-Match": "1"}
    )
    assert missing.status_code == 404
    assert (await client.post(f"/products/{uuid.uuid4()}/deactivate")).status_code == 404
    assert (await client.get(f"/products/{uuid.uuid4()}")).status_code == 404


async def test_product_list_prefix_group_and_pages(client: httpx.AsyncClient) -> None:
    prefix = f"Q{n()}"
    made = [
        await product(client, product_number=f"{prefix}-{i}", product_group=f"g{prefix}{i % 2}")
        for i in range(3)
    ]
    await client.post(f"/products/{made[2]['id']}/deactivate")
    first = (await client.get("/products", params={"product_number": prefix, "limit": 2})).json()
    second = (
        await client.get(
            "/products", params={"product_number": prefix, "cursor": first["next_cursor"]}
        )
    ).json()
    numbers = [p["product_number"] for p in first["items"] + second["items"]]
    assert numbers == [f"{prefix}-{i}" for i in range(3)]
    assert second["next_cursor"] is None
    group = (await client.get("/products", params={"product_group": f"g{prefix}0"})).json()
    assert {p["id"] for p in group["items"]} == {made[0]["id"], made[2]["id"]}
    active = (
        await client.get("/products", params={"product_group": f"g{prefix}0", "active": True})
    ).json()
    assert [p["id"] for p in active["items"]] == [made[0]["id"]]
    for params, field in (
        ({"sort": "translations"}, "query.sort"),
        ({"cursor": "x"}, "query.cursor"),
    ):
        bad = await client.get("/products", params=params)
        assert (bad.status_code, bad.json()["field"]) == (422, field)


async def test_org_units_tree(client: httpx.AsyncClient) -> None:
    root = await org_unit(client)
    child = await org_unit(client, parent_id=root["id"], time_zone="America/New_York")
    grandchild = await org_unit(client, parent_id=child["id"])
    assert (await client.get(f"/org-units/{child['id']}")).json() == child

    url = f"/org-units/{root['id']}"
    body = {"name": "Root", "time_zone": "UTC", "parent_id": grandchild["id"]}
    cycle = await client.put(url, json=body, headers={"If-Match": '"1"'})
    assert (cycle.status_code, cycle.json()["field"]) == (422, "parent_id")
    itself = await client.put(url, json=body | {"parent_id": root["id"]}, headers={"If-Match": "1"})
    assert (itself.status_code, itself.json()["field"]) == (422, "parent_id")

    ok = await client.put(url, json=body | {"parent_id": None}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["name"], ok.headers["ETag"]) == ("Root", '"2"')
    assert (await client.put(url, json=body | {"parent_id": None})).status_code == 428
    assert (
        await client.put(url, json=body | {"parent_id": None}, headers={"If-Match": '"1"'})
    ).status_code == 412

    children = (await client.get("/org-units", params={"parent_id": root["id"]})).json()
    assert [u["id"] for u in children["items"]] == [child["id"]]
    events = await outbox(client, ORG_UNIT_CHANGED, "org_unit_id", root["id"])
    assert [(e["version"], e["name"]) for e in events] == [(1, "North"), (2, "Root")]
    [child_event] = await outbox(client, ORG_UNIT_CHANGED, "org_unit_id", child["id"])
    assert child_event["parent_id"] == root["id"]


async def test_bad_org_units_are_named(client: httpx.AsyncClient) -> None:
    unit = await org_unit(client)
    for body, field, code in (
        ({"code": "X", "name": "A", "time_zone": "Mars/Base"}, "time_zone", 422),
        (
            {
                "code": "X",
                "name": "A",
                "time_zone": "Europe/Stockholm",
                "parent_id": str(uuid.uuid4()),
            },
            "parent_id",
            422,
        ),
        ({"code": unit["code"], "name": "A", "time_zone": "UTC"}, "code", 409),
        ({"code": "", "name": "A", "time_zone": "UTC"}, "code", 422),
        ({"code": "X", "name": "A"}, "time_zone", 422),
    ):
        bad = await client.post("/org-units", json=body)
        assert bad.status_code == code, bad.text
        assert bad.json()["field"] == field
    bad = await client.put(
        f"/org-units/{unit['id']}",
        json={"name": "A", "time_zone": "Nowhere"},
        headers={"If-Match": "1"},
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "time_zone")
    missing = await client.put(
        f"/org-units/{uuid.uuid4()}",
        json={"name": "A", "time_zone": "UTC"},
        headers={"If-Match": "1"},
    )
    assert missing.status_code == 404
    assert (await client.get(f"/org-units/{uuid.uuid4()}")).status_code == 404
    bad_sort = await client.get("/org-units", params={"sort": "time_zone"})
    assert (bad_sort.status_code, bad_sort.json()["field"]) == (422, "query.sort")
