"""Customers seen by org unit, as serial items are: a restricted caller (the gateway's
X-Aftersales-Org-Units, set directly here) sees and changes only the customers whose home
org unit is one of its units or their descendants; their contacts follow them. Before,
an operator of unit A could change unit B's customer's e-mail address (and so redirect
B's mail)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from aftersales_kit.identity import ORG_UNITS_HEADER
from catalog.schemas import CustomerFields

from .helpers import customer, n, org_unit

PROBLEM = "application/problem+json"
CONTACT = {"name": "Eve", "email": "eve@example.com"}


def _only(*codes: str) -> dict[str, str]:
    return {ORG_UNITS_HEADER: ",".join(codes)}


@pytest.fixture
async def tree(client: httpx.AsyncClient) -> dict[str, Any]:
    """north > north-east; south; a customer at home in each, and one in none."""
    north = await org_unit(client, name="North")
    north_east = await org_unit(client, name="North East", parent_id=north["id"])
    south = await org_unit(client, name="South")
    prefix = f"Name-{n()}"
    customers: dict[str, Any] = {}
    for key, unit in [
        ("north", north),
        ("north_east", north_east),
        ("south", south),
        ("none", None),
    ]:
        extra = {} if unit is None else {"org_unit_id": unit["id"]}
        made = await customer(client, name=f"{prefix} {key}", **extra)
        added = await client.post(f"/customers/{made['id']}/contacts", json=CONTACT)
        assert added.status_code == 201, added.text
        customers[key] = made | {"contact_id": added.json()["id"]}
    return {
        "units": {"north": north, "north_east": north_east, "south": south},
        "customers": customers,
        "prefix": prefix,
    }


async def _listed(client: httpx.AsyncClient, prefix: str, headers: dict[str, str]) -> set[str]:
    """Every customer whose name holds ``prefix``, a page of two at a time."""
    keys: set[str] = set()
    cursor: str | None = None
    while True:
        query: dict[str, Any] = {"name": prefix, "limit": 2}
        if cursor:
            query["cursor"] = cursor
        response = await client.get("/customers", params=query, headers=headers)
        assert response.status_code == 200, response.text
        keys |= {c["name"].removeprefix(f"{prefix} ") for c in response.json()["items"]}
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return keys


async def test_the_list_holds_the_customers_of_the_callers_units_page_by_page(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    units, prefix = tree["units"], tree["prefix"]
    assert await _listed(client, prefix, {}) == {"north", "north_east", "south", "none"}
    assert await _listed(client, prefix, _only(units["north"]["code"])) == {"north", "north_east"}
    assert await _listed(client, prefix, _only(units["north_east"]["code"])) == {"north_east"}
    assert await _listed(client, prefix, _only(units["south"]["code"])) == {"south"}
    for nothing in ("", "NO-SUCH-UNIT"):
        assert await _listed(client, prefix, {ORG_UNITS_HEADER: nothing}) == set()
    got = await client.get(f"/customers/{tree['customers']['north']['id']}")
    assert got.json()["org_unit_id"] == units["north"]["id"]


async def test_a_customer_out_of_sight_is_404_for_every_route(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    headers = _only(tree["units"]["north"]["code"])
    seen = tree["customers"]["north_east"]
    assert (await client.get(f"/customers/{seen['id']}", headers=headers)).status_code == 200
    contacts = await client.get(f"/customers/{seen['id']}/contacts", headers=headers)
    assert [c["id"] for c in contacts.json()] == [seen["contact_id"]]
    for key in ("south", "none"):
        hidden = tree["customers"][key]
        url = f"/customers/{hidden['id']}"
        contact = f"{url}/contacts/{hidden['contact_id']}"
        for path in (url, f"{url}/contacts", contact, f"/customers/{uuid.uuid4()}"):
            response = await client.get(path, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert response.headers["content-type"] == PROBLEM
        detail = (await client.get(url, headers=headers)).json()["detail"]
        assert detail == f"no customer with id {hidden['id']}"
        fields = {k: hidden[k] for k in CustomerFields.model_fields}
        writes: list[tuple[str, str, dict[str, Any] | None]] = [
            # The attack: redirect another unit's customer's mail.
            ("PATCH", url, {"emails": ["mallory@example.com"]}),
            ("PUT", url, fields | {"emails": ["mallory@example.com"]}),
            ("POST", f"{url}/deactivate", None),
            ("POST", f"{url}/contacts", CONTACT | {"email": "mallory@example.com"}),
            ("PUT", contact, CONTACT | {"email": "mallory@example.com"}),
            ("DELETE", contact, None),
        ]
        for method, path, body in writes:
            # A stale version too: unseen is answered before stale, so nothing leaks.
            for version in ('"2"', '"99"'):
                response = await client.request(
                    method, path, json=body, headers=headers | {"If-Match": version}
                )
                assert response.status_code == 404, (method, path, response.text)
        unchanged = (await client.get(url)).json()
        assert (unchanged["version"], unchanged["active"]) == (2, True)
        assert unchanged["emails"] == ["ada@example.com"]
        assert [c["email"] for c in unchanged["contacts"]] == [CONTACT["email"]]


async def test_a_restricted_caller_changes_the_customers_it_sees(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    headers = _only(tree["units"]["north"]["code"])
    seen = tree["customers"]["north_east"]
    url = f"/customers/{seen['id']}"
    changed = await client.patch(
        url, json={"emails": ["new@example.com"]}, headers=headers | {"If-Match": '"2"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["org_unit_id"] == tree["units"]["north_east"]["id"]  # kept
    contact = await client.put(
        f"{url}/contacts/{seen['contact_id']}",
        json=CONTACT | {"name": "Eve Two"},
        headers=headers | {"If-Match": '"3"'},
    )
    assert contact.status_code == 200, contact.text
    gone = await client.post(f"{url}/deactivate", headers=headers)
    assert (gone.status_code, gone.json()["active"]) == (200, False)


async def test_a_restricted_caller_places_customers_only_in_its_units(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    units = tree["units"]
    headers = _only(units["north"]["code"])
    body = {"customer_number": f"C-{n()}", "name": "Nina"}
    for refused in (
        body | {"org_unit_id": units["south"]["id"]},
        body,  # no org unit: out of the caller's sight at once
    ):
        response = await client.post("/customers", json=refused, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["field"] == "org_unit_id"
    created = await client.post(
        "/customers", json=body | {"org_unit_id": units["north_east"]["id"]}, headers=headers
    )
    assert created.status_code == 201, created.text
    url = f"/customers/{created.json()['id']}"
    for change in ({"org_unit_id": units["south"]["id"]}, {"org_unit_id": None}):
        moved = await client.patch(url, json=change, headers=headers | {"If-Match": '"1"'})
        assert moved.status_code == 403, moved.text
        assert moved.json()["field"] == "org_unit_id"
    fields = {k: created.json()[k] for k in CustomerFields.model_fields}
    replaced = await client.put(
        url, json=fields | {"org_unit_id": None}, headers=headers | {"If-Match": '"1"'}
    )
    assert (replaced.status_code, replaced.json()["field"]) == (403, "org_unit_id")
    within = await client.patch(
        url, json={"org_unit_id": units["north"]["id"]}, headers=headers | {"If-Match": '"1"'}
    )
    assert (within.status_code, within.json()["org_unit_id"]) == (200, units["north"]["id"])
    # An unrestricted caller may move it anywhere, or out of every unit.
    out = await client.patch(url, json={"org_unit_id": None}, headers={"If-Match": '"2"'})
    assert (out.status_code, out.json()["org_unit_id"]) == (200, None)
    assert (await client.get(url, headers=headers)).status_code == 404


async def test_an_org_unit_that_does_not_exist_is_422(client: httpx.AsyncClient) -> None:
    body = {"customer_number": f"C-{n()}", "name": "Nina", "org_unit_id": str(uuid.uuid4())}
    response = await client.post("/customers", json=body)
    assert (response.status_code, response.json()["field"]) == (422, "org_unit_id")
    made = await customer(client)
    response = await client.patch(
        f"/customers/{made['id']}",
        json={"org_unit_id": str(uuid.uuid4())},
        headers={"If-Match": '"1"'},
    )
    assert (response.status_code, response.json()["field"]) == (422, "org_unit_id")
    bad = await client.patch(
        f"/customers/{made['id']}", json={"org_unit_id": "nope"}, headers={"If-Match": '"1"'}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "org_unit_id")
