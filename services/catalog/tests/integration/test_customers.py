"""The customer register: updates with If-Match, contacts, deactivation, lists, events."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from .helpers import customer, n, outbox

CHANGED = "catalog.customer.changed"
COMMUNICATION = "catalog.customer.communication_changed"


async def test_put_needs_if_match_and_a_stale_one_fails(client: httpx.AsyncClient) -> None:
    c = await customer(client)
    url = f"/customers/{c['id']}"
    body = {"name": "Ada King", "kind": "person", "time_zone": "Europe/London"}

    missing = await client.put(url, json=body)
    assert missing.status_code == 428
    assert missing.json()["field"] == "If-Match"

    ok = await client.put(url, json=body, headers={"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == '"2"'
    assert (ok.json()["name"], ok.json()["kind"], ok.json()["version"]) == ("Ada King", "person", 2)

    stale = await client.put(url, json=body, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert (await client.put(url, json=body, headers={"If-Match": "x"})).status_code == 400

    got = await client.get(url)
    assert got.headers["ETag"] == '"2"'
    [event] = await outbox(client, CHANGED, "customer_id", c["id"])
    assert (event["version"], event["name"], event["time_zone"]) == (2, "Ada King", "Europe/London")
    # The PUT left the e-mail addresses out, so they were cleared: how to reach Ada changed.
    [reach] = await outbox(client, COMMUNICATION, "customer_id", c["id"])
    assert (reach["version"], reach["changed_fields"], reach["emails"]) == (2, ["emails"], [])


async def test_a_change_that_keeps_the_communication_says_nothing_of_it(
    client: httpx.AsyncClient,
) -> None:
    c = await customer(client)
    url = f"/customers/{c['id']}"
    changed = await client.patch(url, json={"name": "Ada K"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert len(await outbox(client, CHANGED, "customer_id", c["id"])) == 1
    assert await outbox(client, COMMUNICATION, "customer_id", c["id"]) == []
    body = {"mobiles": ["+46701234567"], "allowed_methods": ["email", "sms"], "language": "sv"}
    changed = await client.patch(url, json=body, headers={"If-Match": '"2"'})
    assert changed.status_code == 200, changed.text
    [reach] = await outbox(client, COMMUNICATION, "customer_id", c["id"])
    assert reach["changed_fields"] == ["mobiles", "allowed_methods", "language"]
    assert reach["mobiles"] == ["+46701234567"]


async def test_two_concurrent_puts_one_wins(client: httpx.AsyncClient) -> None:
    c = await customer(client)
    url = f"/customers/{c['id']}"
    answers = await asyncio.gather(
        *(
            client.put(url, json={"name": name}, headers={"If-Match": '"1"'})
            for name in ("First", "Second")
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 412]
    winner = next(a for a in answers if a.status_code == 200).json()
    assert (await client.get(url)).json()["name"] == winner["name"]
    assert len(await outbox(client, CHANGED, "customer_id", c["id"])) == 1


async def test_patch_merges_and_checks_the_result(client: httpx.AsyncClient) -> None:
    c = await customer(client, mobiles=["+46701234567"], allowed_methods=["email", "sms"])
    url = f"/customers/{c['id']}"
    ok = await client.patch(
        url,
        json={"preferred_method": "sms", "mobiles": ["+46 70 765 43 21"]},
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["mobiles"] == ["+46707654321"]
    assert ok.json()["emails"] == ["ada@example.com"]

    for body, field in (
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"kind": "robot"}, "kind"),
        ({"name": None}, "name"),
        ({"mobiles": ["0701234567"]}, "mobiles"),
        ({"emails": ["nope"]}, "emails.0"),
        ({"allowed_methods": ["email"]}, "preferred_method"),  # sms is no longer allowed
        ({"nickname": "x"}, "nickname"),
    ):
        bad = await client.patch(url, json=body, headers={"If-Match": '"2"'})
        assert bad.status_code == 422, (body, bad.text)
        assert bad.json()["field"] == field, (body, bad.json())
    assert (await client.get(url)).json()["version"] == 2

    assert (
        await client.patch(f"/customers/{uuid.uuid4()}", json={}, headers={"If-Match": '"1"'})
    ).status_code == 404
    missing = await client.patch(url, json={"name": "X"})
    assert missing.status_code == 428


async def test_bad_input_on_create_and_put(client: httpx.AsyncClient) -> None:
    for body, field in (
        ({"customer_number": "X", "name": "A", "kind": "robot"}, "kind"),
        ({"customer_number": "X", "name": "A", "time_zone": "Nowhere/Town"}, "time_zone"),
        ({"customer_number": "", "name": "A"}, "customer_number"),
        ({"name": "A"}, "customer_number"),
    ):
        bad = await client.post("/customers", json=body)
        assert bad.status_code == 422
        assert bad.json()["field"] == field
    c = await customer(client)
    bad = await client.put(f"/customers/{c['id']}", json={"name": ""}, headers={"If-Match": '"1"'})
    assert (bad.status_code, bad.json()["field"]) == (422, "name")
    number = await client.put(
        f"/customers/{c['id']}",
        json={"name": "A", "customer_number": "Y"},
        headers={"If-Match": '"1"'},
    )
    assert (number.status_code, number.json()["field"]) == (422, "customer_number")
    assert (
        await client.put(
            f"/customers/{uuid.uuid4()}", json={"name": "A"}, headers={"If-Match": "1"}
        )
    ).status_code == 404


async def test_contacts_are_part_of_the_customer(client: httpx.AsyncClient) -> None:
    c = await customer(client)
    base = f"/customers/{c['id']}/contacts"
    added = await client.post(
        base,
        json={
            "name": "Grace",
            "email": "grace@example.com",
            "mobile": "+46 70 123 45 67",
            "role": "site manager",
            "send_service_protocol": True,
            "receive_booking_confirmations": True,
        },
    )
    assert added.status_code == 201, added.text
    assert added.headers["ETag"] == '"2"'
    contact = added.json()
    assert contact["mobile"] == "+46701234567"
    assert contact["send_work_order"] is False
    assert (await client.get(f"{base}/{contact['id']}")).json() == contact
    assert (await client.get(base)).json() == [contact]
    assert (await client.get(f"/customers/{c['id']}")).json()["contacts"] == [contact]

    replaced = await client.put(
        f"{base}/{contact['id']}",
        json={"name": "Grace Hopper", "send_work_order": True},
        headers={"If-Match": '"2"'},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["email"] is None
    stale = await client.put(
        f"{base}/{contact['id']}", json={"name": "X"}, headers={"If-Match": '"2"'}
    )
    assert stale.status_code == 412

    events = await outbox(client, CHANGED, "customer_id", c["id"])
    assert [e["version"] for e in events] == [2, 3]
    reach = await outbox(client, COMMUNICATION, "customer_id", c["id"])
    assert [(e["version"], e["changed_fields"]) for e in reach] == [
        (2, ["contacts"]),
        (3, ["contacts"]),
    ]
    assert events[0]["contacts"][0]["mobile"] == "+46701234567"
    assert events[1]["contacts"][0]["send_work_order"] is True
    assert events[1]["contacts"][0]["contact_id"] == contact["id"]

    deleted = await client.delete(f"{base}/{contact['id']}")
    assert (deleted.status_code, deleted.headers["ETag"]) == (204, '"4"')
    assert (await client.get(base)).json() == []
    assert (await outbox(client, CHANGED, "customer_id", c["id"]))[-1]["contacts"] == []
    assert (await client.delete(f"{base}/{contact['id']}")).status_code == 404


async def test_bad_contacts_are_named(client: httpx.AsyncClient) -> None:
    c = await customer(client)
    base = f"/customers/{c['id']}/contacts"
    for body, field in (
        ({"email": "a@example.com"}, "name"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "mobile": "0701234567"}, "mobile"),
        ({"name": "A", "send_work_order": "maybe"}, "send_work_order"),
        ({"name": "A", "role": ""}, "role"),
    ):
        bad = await client.post(base, json=body)
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == field
    assert (
        await client.post(f"/customers/{uuid.uuid4()}/contacts", json={"name": "A"})
    ).status_code == 404
    assert (await client.get(f"/customers/{uuid.uuid4()}/contacts")).status_code == 404
    assert (await client.get(f"{base}/{uuid.uuid4()}")).status_code == 404
    assert (await client.put(f"{base}/{uuid.uuid4()}", json={"name": "A"})).status_code == 404


async def test_deactivate(client: httpx.AsyncClient) -> None:
    c = await customer(client)
    url = f"/customers/{c['id']}/deactivate"
    assert (await client.post(url, headers={"If-Match": '"7"'})).status_code == 412
    done = await client.post(url)
    assert done.status_code == 200
    assert (done.json()["active"], done.json()["version"]) == (False, 2)
    again = await client.post(url)
    assert again.json()["version"] == 2  # nothing changed: no new version, no event
    [event] = await outbox(client, "catalog.customer.deactivated", "customer_id", c["id"])
    assert event["version"] == 2
    [snapshot] = await outbox(client, CHANGED, "customer_id", c["id"])
    assert snapshot["active"] is False
    assert (await client.post(f"/customers/{uuid.uuid4()}/deactivate")).status_code == 404


async def test_list_filters_search_and_keyset_pages(client: httpx.AsyncClient) -> None:
    tag = n()
    made = [
        await customer(client, name=f"Zed {tag} {i}", kind="person" if i % 2 else "company")
        for i in range(5)
    ]
    await client.post(f"/customers/{made[0]['id']}/deactivate")

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"name": tag.upper(), "sort": "-name", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/customers", params=params)).json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Zed {tag} {i}" for i in (4, 3, 2, 1, 0)]

    people = (await client.get("/customers", params={"name": tag, "kind": "person"})).json()
    assert {c["id"] for c in people["items"]} == {made[1]["id"], made[3]["id"]}
    active = (await client.get("/customers", params={"name": tag, "active": "false"})).json()
    assert [c["id"] for c in active["items"]] == [made[0]["id"]]

    by_created = (
        await client.get("/customers", params={"name": tag, "sort": "created_at", "limit": 4})
    ).json()
    rest = (
        await client.get(
            "/customers",
            params={"name": tag, "sort": "created_at", "cursor": by_created["next_cursor"]},
        )
    ).json()
    # Every customer once, oldest first: no row skipped or repeated at the page boundary.
    assert [c["id"] for c in by_created["items"] + rest["items"]] == [c["id"] for c in made]
    assert rest["next_cursor"] is None

    bad_queries: list[tuple[dict[str, str | int | None], str]] = [
        ({"sort": "emails"}, "query.sort"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"sort": "name", "cursor": by_created["next_cursor"]}, "query.cursor"),
        ({"kind": "robot"}, "query.kind"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
        ({"active": "perhaps"}, "query.active"),
    ]
    for query, field in bad_queries:
        bad = await client.get("/customers", params=query)
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == field
    like = await client.get("/customers", params={"name": "%"})
    assert like.status_code == 200
