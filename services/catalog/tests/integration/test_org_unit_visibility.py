"""Serial items seen by org unit: the gateway names a restricted caller's org units in
X-Aftersales-Org-Units (set directly here); a restricted caller sees the items of those
units and their descendants, and nothing else exists for it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from aftersales_kit.identity import ORG_UNITS_HEADER
from catalog.schemas import SerialItemFields

from .helpers import create, customer, n, org_unit, product

PROBLEM = "application/problem+json"


def _only(*codes: str) -> dict[str, str]:
    return {ORG_UNITS_HEADER: ",".join(codes)}


@pytest.fixture
async def tree(client: httpx.AsyncClient) -> dict[str, Any]:
    """north > north-east > north-east-1; south; items in each, and one in none."""
    north = await org_unit(client, name="North")
    north_east = await org_unit(client, name="North East", parent_id=north["id"])
    north_east_1 = await org_unit(client, name="North East 1", parent_id=north_east["id"])
    south = await org_unit(client, name="South")
    prod, owner = await product(client), await customer(client)
    prefix = f"SN-{n()}"
    items: dict[str, Any] = {}
    for key, unit in [
        ("north", north),
        ("north_east", north_east),
        ("north_east_1", north_east_1),
        ("south", south),
        ("none", None),
    ]:
        body: dict[str, Any] = {
            "serial_number": f"{prefix}-{key}",
            "product_id": prod["id"],
            "owner_customer_id": owner["id"],
        }
        if unit is not None:
            body["org_unit_id"] = unit["id"]
        items[key] = await create(client, "/serial-items", body)
    units = {"north": north, "north_east": north_east, "north_east_1": north_east_1}
    return {
        "units": units | {"south": south},
        "items": items,
        "prefix": prefix,
        "product": prod,
        "owner": owner,
    }


async def _listed(
    client: httpx.AsyncClient, prefix: str, headers: dict[str, str], **params: Any
) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        query: dict[str, Any] = (
            {"serial_number": prefix, "limit": 2} | params | ({"cursor": cursor} if cursor else {})
        )
        response = await client.get("/serial-items", params=query, headers=headers)
        assert response.status_code == 200, response.text
        ids += [i["id"] for i in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return ids


def _ids(tree: dict[str, Any], *keys: str) -> list[str]:
    return sorted((tree["items"][k]["id"] for k in keys), key=lambda i: _serial(tree, i))


def _serial(tree: dict[str, Any], item_id: str) -> str:
    return next(str(i["serial_number"]) for i in tree["items"].values() if i["id"] == item_id)


async def test_unrestricted_callers_see_every_item(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    everything = _ids(tree, "north", "north_east", "north_east_1", "south", "none")
    assert sorted(await _listed(client, tree["prefix"], {})) == sorted(everything)


async def test_a_restricted_caller_sees_its_units_and_their_descendants(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    units, prefix = tree["units"], tree["prefix"]
    north = await _listed(client, prefix, _only(units["north"]["code"]))
    assert sorted(north) == sorted(_ids(tree, "north", "north_east", "north_east_1"))
    north_east = await _listed(client, prefix, _only(units["north_east"]["code"]))
    assert sorted(north_east) == sorted(_ids(tree, "north_east", "north_east_1"))
    two = await _listed(
        client, prefix, _only(units["north_east_1"]["code"], units["south"]["code"])
    )
    assert sorted(two) == sorted(_ids(tree, "north_east_1", "south"))
    # The other filters narrow further; they never widen what the caller sees.
    south_only = await _listed(
        client, prefix, _only(units["north"]["code"]), org_unit_id=units["south"]["id"]
    )
    assert south_only == []


@pytest.mark.parametrize("header", ["", "NO-SUCH-UNIT", " , "])
async def test_a_restriction_to_nothing_known_shows_nothing(
    client: httpx.AsyncClient, tree: dict[str, Any], header: str
) -> None:
    assert await _listed(client, tree["prefix"], {ORG_UNITS_HEADER: header}) == []


async def test_an_item_out_of_sight_is_404_for_every_route(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    headers = _only(tree["units"]["north"]["code"])
    seen = tree["items"]["north_east_1"]
    got = await client.get(f"/serial-items/{seen['id']}", headers=headers)
    assert got.status_code == 200, got.text
    assert got.json()["id"] == seen["id"]
    for key in ("south", "none"):
        item = tree["items"][key]
        url = f"/serial-items/{item['id']}"
        unknown = f"/serial-items/{uuid.uuid4()}"
        for path in (url, unknown):
            response = await client.get(path, headers=headers)
            assert response.status_code == 404, response.text
            assert response.headers["content-type"] == PROBLEM
        # The answer is the one a missing item gets: nothing says it exists.
        hidden = (await client.get(url, headers=headers)).json()["detail"]
        assert hidden == f"no serial item with id {item['id']}"
        writes: list[tuple[str, str, dict[str, Any] | None]] = [
            ("PATCH", url, {"name": "Mine now"}),
            ("PUT", url, {k: item[k] for k in SerialItemFields.model_fields}),
            ("POST", f"{url}/owner", {"owner_customer_id": tree["owner"]["id"]}),
            ("POST", f"{url}/deactivate", None),
        ]
        for method, path, body in writes:
            response = await client.request(
                method, path, json=body, headers=headers | {"If-Match": '"1"'}
            )
            assert response.status_code == 404, (method, path, response.text)
        unchanged = await client.get(url)
        assert unchanged.json()["version"] == 1
        assert unchanged.json()["status"] == "active"


async def test_a_restricted_caller_places_items_only_in_its_units(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    units = tree["units"]
    headers = _only(units["north"]["code"])
    body = {
        "serial_number": f"{tree['prefix']}-new",
        "product_id": tree["product"]["id"],
        "owner_customer_id": tree["owner"]["id"],
    }
    for refused in (
        body | {"org_unit_id": units["south"]["id"]},
        body,  # no org unit: it would be out of the caller's sight at once
        body | {"org_unit": units["south"]["code"]},  # an old client's free-text code
    ):
        response = await client.post("/serial-items", json=refused, headers=headers)
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["field"] == "org_unit_id"
    created = await client.post(
        "/serial-items", json=body | {"org_unit_id": units["north_east"]["id"]}, headers=headers
    )
    assert created.status_code == 201, created.text
    url = f"/serial-items/{created.json()['id']}"

    for change in ({"org_unit_id": units["south"]["id"]}, {"org_unit_id": None}):
        moved = await client.patch(url, json=change, headers=headers | {"If-Match": '"1"'})
        assert moved.status_code == 403, moved.text
        assert moved.json()["field"] == "org_unit_id"
    within = await client.patch(
        url,
        json={"org_unit_id": units["north_east_1"]["id"]},
        headers=headers | {"If-Match": '"1"'},
    )
    assert within.status_code == 200, within.text
    assert within.json()["org_unit"] == units["north_east_1"]["code"]
    # An unrestricted caller may move it anywhere, or out of every unit.
    out = await client.patch(url, json={"org_unit_id": None}, headers={"If-Match": '"2"'})
    assert out.status_code == 200, out.text
    assert (await client.get(url, headers=headers)).status_code == 404


async def test_products_and_org_units_are_not_restricted(
    client: httpx.AsyncClient, tree: dict[str, Any]
) -> None:
    headers = _only("NO-SUCH-UNIT")
    for path in (
        f"/products/{tree['product']['id']}",
        f"/org-units/{tree['units']['south']['id']}",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize(
    ("what", "body"),
    [
        ("serial-items", b"product_number,serial_number\nP-1,S-1\n"),
        ("customers", b"customer_number,name\nC-1,Ada\n"),
    ],
)
async def test_a_restricted_caller_may_not_bulk_import(
    client: httpx.AsyncClient, what: str, body: bytes
) -> None:
    response = await client.post(
        f"/imports/{what}",
        content=body,
        headers=_only("OU-ANY") | {"Content-Type": "text/csv"},
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM
