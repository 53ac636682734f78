"""Serial-number items in full: fields, If-Match updates, owner changes, deactivation,
filters with keyset pages, and the events each change writes to the outbox."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from .helpers import create, customer, n, org_unit, outbox, product

REGISTERED = "catalog.serial_item.registered"
CHANGED = "catalog.serial_item.changed"
OWNER_CHANGED = "catalog.serial_item.owner_changed"
DEACTIVATED = "catalog.serial_item.deactivated"

ADDRESS = {
    "street": "Storgatan 1",
    "postal_code": "111 22",
    "city": "Stockholm",
    "country": "SE",
    "latitude": 59.33,
    "longitude": 18.07,
}


async def item(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"serial_number": f"SN-{n()}"}
    if "product_id" not in extra:
        body["product_id"] = (await product(client))["id"]
    if "owner_customer_id" not in extra:
        body["owner_customer_id"] = (await customer(client))["id"]
    return await create(client, "/serial-items", body | extra)


async def test_register_with_every_field_and_event(client: httpx.AsyncClient) -> None:
    unit = await org_unit(client)
    order_customer = await customer(client)
    pinned = str(uuid.uuid4())
    i = await item(
        client,
        name="Pump X",
        translations={"sv": "Pump X", "de-DE": "Pumpe X"},
        initial_order_customer_id=order_customer["id"],
        org_unit_id=unit["id"],
        startup_date="2026-01-31",
        delivery_date="2026-01-15",
        installation_address=ADDRESS,
        pinned_service_type_id=pinned,
        attributes={"colour": "red"},
    )
    assert i["org_unit"] == unit["code"]
    assert i["status"] == "active"
    assert i["installation_address"] == ADDRESS
    got = await client.get(f"/serial-items/{i['id']}")
    # The read endpoints add the marks other services put on an item; none here.
    assert got.json() == i | {"service_types": [], "pending_campaigns": []}
    assert got.headers["ETag"] == '"1"'

    [event] = await outbox(client, REGISTERED, "serial_item_id", i["id"])
    assert event["org_unit_id"] == unit["id"]
    assert event["initial_order_customer_id"] == order_customer["id"]
    assert event["pinned_service_type_id"] == pinned
    assert event["installation_address"]["city"] == "Stockholm"
    assert (event["status"], event["attributes"]) == ("active", {"colour": "red"})
    assert event["delivery_date"] == "2026-01-15"


async def test_the_action_code_is_kept_changed_and_published(client: httpx.AsyncClient) -> None:
    """Issue 17, item 8: the action code a service link's pre-code narrows to."""
    i = await item(client, action_code="INSP")
    assert i["action_code"] == "INSP"
    [registered] = await outbox(client, REGISTERED, "serial_item_id", i["id"])
    assert registered["action_code"] == "INSP"
    # A PATCH without it keeps it; one naming it changes it; null clears it.
    kept = await client.patch(
        f"/serial-items/{i['id']}", json={"name": "B"}, headers={"If-Match": '"1"'}
    )
    assert kept.json()["action_code"] == "INSP"
    changed = await client.patch(
        f"/serial-items/{i['id']}", json={"action_code": "REPAIR"}, headers={"If-Match": '"2"'}
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get(f"/serial-items/{i['id']}")).json()["action_code"] == "REPAIR"
    cleared = await client.patch(
        f"/serial-items/{i['id']}", json={"action_code": None}, headers={"If-Match": '"3"'}
    )
    assert cleared.json()["action_code"] is None
    published = await outbox(client, CHANGED, "serial_item_id", i["id"])
    assert [e["action_code"] for e in published] == ["INSP", "REPAIR", None]
    bad = await client.patch(
        f"/serial-items/{i['id']}", json={"action_code": ""}, headers={"If-Match": '"4"'}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "action_code")


async def test_legacy_org_unit_text_links_a_unit_with_that_code(client: httpx.AsyncClient) -> None:
    unit = await org_unit(client)
    linked = await item(client, org_unit=unit["code"])
    assert (linked["org_unit_id"], linked["org_unit"]) == (unit["id"], unit["code"])
    free = await item(client, org_unit="somewhere")
    assert (free["org_unit_id"], free["org_unit"]) == (None, "somewhere")
    # An update that does not assign an org unit keeps the old text.
    patched = await client.patch(
        f"/serial-items/{free['id']}", json={"name": "B"}, headers={"If-Match": '"1"'}
    )
    assert patched.json()["org_unit"] == "somewhere"


async def test_bad_input_names_the_field(client: httpx.AsyncClient) -> None:
    p = await product(client)
    c = await customer(client)
    base = {"serial_number": f"SN-{n()}", "product_id": p["id"], "owner_customer_id": c["id"]}
    for extra, field in (
        ({"serial_number": ""}, "serial_number"),
        ({"product_id": "nope"}, "product_id"),
        ({"name": ""}, "name"),
        ({"translations": {"english": "Pump"}}, "translations"),
        ({"initial_order_customer_id": "x"}, "initial_order_customer_id"),
        ({"org_unit_id": "x"}, "org_unit_id"),
        ({"startup_date": "2026-13-01"}, "startup_date"),
        ({"delivery_date": "yesterday"}, "delivery_date"),
        ({"installation_address": ADDRESS | {"country": "XX"}}, "installation_address.country"),
        ({"installation_address": ADDRESS | {"country": "se"}}, "installation_address.country"),
        ({"installation_address": ADDRESS | {"street": ""}}, "installation_address.street"),
        ({"installation_address": ADDRESS | {"latitude": 91}}, "installation_address.latitude"),
        ({"installation_address": ADDRESS | {"longitude": -181}}, "installation_address.longitude"),
        ({"installation_address": ADDRESS | {"latitude": None}}, "installation_address"),
        ({"status": "broken"}, "status"),
        ({"pinned_service_type_id": "x"}, "pinned_service_type_id"),
        ({"attributes": {"a": 1}}, "attributes.a"),
        ({"attributes": {f"k{i}": "v" for i in range(51)}}, "attributes"),
        ({"attributes": {"a": "v" * 1001}}, "attributes"),
        ({"colour": "red"}, "colour"),
        ({"action_code": ""}, "action_code"),
        ({"action_code": "X" * 51}, "action_code"),
    ):
        bad = await client.post("/serial-items", json=base | extra)
        assert bad.status_code == 422, (extra, bad.text)
        assert bad.json()["field"] == field, (extra, bad.json())


async def test_unknown_references_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    p = await product(client)
    c = await customer(client)
    base = {"serial_number": f"SN-{n()}", "product_id": p["id"], "owner_customer_id": c["id"]}
    for field in ("product_id", "owner_customer_id", "initial_order_customer_id", "org_unit_id"):
        bad = await client.post("/serial-items", json=base | {field: str(uuid.uuid4())})
        assert (bad.status_code, bad.json()["field"]) == (422, field), bad.text

    i = await item(client)
    url = f"/serial-items/{i['id']}"
    for field in ("initial_order_customer_id", "org_unit_id"):
        bad = await client.patch(url, json={field: str(uuid.uuid4())}, headers={"If-Match": '"1"'})
        assert (bad.status_code, bad.json()["field"]) == (422, field), bad.text
    bad = await client.post(
        f"{url}/owner", json={"owner_customer_id": str(uuid.uuid4())}, headers={"If-Match": '"1"'}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "owner_customer_id")
    assert (await client.get(url)).json()["version"] == 1


async def test_unknown_item_is_404(client: httpx.AsyncClient) -> None:
    url = f"/serial-items/{uuid.uuid4()}"
    headers = {"If-Match": '"1"'}
    assert (await client.get(url)).status_code == 404
    assert (await client.put(url, json={"name": "A"}, headers=headers)).status_code == 404
    assert (await client.patch(url, json={}, headers=headers)).status_code == 404
    c = await customer(client)
    owner = await client.post(f"{url}/owner", json={"owner_customer_id": c["id"]}, headers=headers)
    assert owner.status_code == 404
    assert (await client.post(f"{url}/deactivate")).status_code == 404
    assert (await client.get("/serial-items/not-a-uuid")).status_code == 422


async def test_put_and_patch_need_if_match_and_write_changed(client: httpx.AsyncClient) -> None:
    i = await item(client, startup_date="2026-01-31")
    url = f"/serial-items/{i['id']}"
    body = {"name": "Pump Y", "startup_date": "2026-02-01", "installation_address": ADDRESS}

    missing = await client.put(url, json=body)
    assert (missing.status_code, missing.json()["field"]) == (428, "If-Match")
    assert (await client.patch(url, json={"name": "Z"})).status_code == 428

    ok = await client.put(url, json=body, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == '"2"'
    assert (ok.json()["startup_date"], ok.json()["serial_number"]) == (
        "2026-02-01",
        i["serial_number"],
    )
    stale = await client.put(url, json=body, headers={"If-Match": '"1"'})
    assert (stale.status_code, stale.json()["current_version"]) == (412, 2)

    patched = await client.patch(
        url, json={"status": "scrapped", "attributes": {"x": "y"}}, headers={"If-Match": '"2"'}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "scrapped"
    assert patched.json()["installation_address"] == ADDRESS  # untouched by the patch
    for extra, field in (
        ({"status": "gone"}, "status"),
        ({"startup_date": "never"}, "startup_date"),
        ({"installation_address": {"street": "A"}}, "installation_address.postal_code"),
        ({"name": None}, "name"),
        ({"serial_number": "X"}, "serial_number"),
    ):
        bad = await client.patch(url, json=extra, headers={"If-Match": '"3"'})
        assert (bad.status_code, bad.json()["field"]) == (422, field), (extra, bad.text)
    bad = await client.put(
        url, json={"name": "A", "product_id": i["product_id"]}, headers={"If-Match": '"3"'}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "product_id")

    events = await outbox(client, CHANGED, "serial_item_id", i["id"])
    assert [(e["version"], e["status"]) for e in events] == [(2, "active"), (3, "scrapped")]
    assert events[0]["startup_date"] == "2026-02-01"
    assert events[1]["product_number"]  # the full snapshot

    # A scrapped item cannot be deactivated.
    assert (await client.post(f"{url}/deactivate")).json()["field"] == "status"


async def test_two_concurrent_puts_one_wins(client: httpx.AsyncClient) -> None:
    i = await item(client)
    url = f"/serial-items/{i['id']}"
    answers = await asyncio.gather(
        *(
            client.put(url, json={"name": name}, headers={"If-Match": '"1"'})
            for name in ("First", "Second")
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200).json()
    assert (await client.get(url)).json()["name"] == winner["name"]
    assert len(await outbox(client, CHANGED, "serial_item_id", i["id"])) == 1


async def test_owner_change(client: httpx.AsyncClient) -> None:
    i = await item(client)
    new_owner = await customer(client)
    url = f"/serial-items/{i['id']}/owner"
    body = {"owner_customer_id": new_owner["id"]}
    assert (await client.post(url, json=body)).status_code == 428
    assert (await client.post(url, json={}, headers={"If-Match": '"1"'})).json()[
        "field"
    ] == "owner_customer_id"
    ok = await client.post(url, json=body, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["owner_customer_id"], ok.headers["ETag"]) == (new_owner["id"], '"2"')
    assert (await client.post(url, json=body, headers={"If-Match": '"1"'})).status_code == 412
    same = await client.post(url, json=body, headers={"If-Match": '"2"'})
    assert same.json()["version"] == 2  # already the owner: nothing changes

    [event] = await outbox(client, OWNER_CHANGED, "serial_item_id", i["id"])
    assert event["previous_owner_customer_id"] == i["owner_customer_id"]
    assert (event["owner_customer_id"], event["version"]) == (new_owner["id"], 2)


async def test_deactivate(client: httpx.AsyncClient) -> None:
    i = await item(client)
    url = f"/serial-items/{i['id']}/deactivate"
    assert (await client.post(url, headers={"If-Match": '"9"'})).status_code == 412
    ok = await client.post(url, headers={"If-Match": '"1"'})
    assert (ok.status_code, ok.json()["status"], ok.headers["ETag"]) == (200, "inactive", '"2"')
    again = await client.post(url)
    assert again.json()["version"] == 2
    [event] = await outbox(client, DEACTIVATED, "serial_item_id", i["id"])
    assert event["version"] == 2
    [changed] = await outbox(client, CHANGED, "serial_item_id", i["id"])
    assert changed["status"] == "inactive"


async def test_filters_and_keyset_pages(client: httpx.AsyncClient) -> None:
    p = await product(client)
    owner = await customer(client)
    unit = await org_unit(client)
    pinned = str(uuid.uuid4())
    prefix = f"K{n()}-"
    items = [
        await item(
            client,
            serial_number=f"{prefix}{k}",
            product_id=p["id"],
            owner_customer_id=owner["id"],
            org_unit_id=unit["id"] if k % 2 else None,
            pinned_service_type_id=pinned if k == 3 else None,
            status="scrapped" if k == 4 else "active",
        )
        for k in range(5)
    ]

    async def serials(**params: Any) -> list[str]:
        found: list[str] = []
        cursor = None
        while True:
            query = params | ({"cursor": cursor} if cursor else {})
            response = await client.get("/serial-items", params=query)
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= params.get("limit", 50)
            found += [x["serial_number"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    everything = [x["serial_number"] for x in items]
    assert await serials(serial_number=prefix, limit=2) == everything
    assert await serials(serial_number=prefix, sort="-serial_number", limit=2) == everything[::-1]
    assert await serials(product_id=p["id"], sort="created_at", limit=3) == everything
    assert await serials(owner_customer_id=owner["id"], limit=1) == everything
    assert await serials(org_unit_id=unit["id"]) == [everything[1], everything[3]]
    assert await serials(pinned_service_type_id=pinned) == [everything[3]]
    assert await serials(serial_number=prefix, status="scrapped") == [everything[4]]
    assert await serials(serial_number="%") == []  # LIKE wildcards are escaped

    for params, field in (
        ({"sort": "owner"}, "query.sort"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"status": "broken"}, "query.status"),
        ({"product_id": "x"}, "query.product_id"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
    ):
        bad = await client.get("/serial-items", params=params)
        assert (bad.status_code, bad.json()["field"]) == (422, field), bad.text
    first = (await client.get("/serial-items", params={"sort": "name", "limit": 1})).json()
    other = await client.get(
        "/serial-items", params={"sort": "serial_number", "cursor": first["next_cursor"]}
    )
    assert (other.status_code, other.json()["field"]) == (422, "query.cursor")
