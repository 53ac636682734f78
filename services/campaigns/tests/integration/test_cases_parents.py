"""Parent cases and a case's detail through HTTP: create (admins), change with If-Match,
the template's required fields, references checked (422 by field), org-unit placement
(403) and sight (404), the detail's parent, campaign, template and children counts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.seed import as_user, seed_world
from tests.integration.test_cases_support import (
    case_row,
    create_template,
    insert_campaign,
    insert_org_unit,
)

VIEWER = as_user("vera", "viewer")
OPERATOR = as_user("otto", "operator")


async def _parent(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post("/cases", json={"title": "Pump retrofit 2026"} | fields)


async def test_create_parent_case(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=0)
    template = await create_template(
        client, case_type="general", required_fields=["our_reference", "cause_code"]
    )
    created = await _parent(
        client,
        template_id=template["id"],
        org_unit_id=str(world.org_unit_id),
        customer_id=str(world.owner_id),
        our_reference="  REF-1 ",
        cause_code="RC-7",
        cause_description="Seal may leak",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/cases/{body['id']}"
    assert body["number"].startswith("CA-")
    assert len(body["number"]) == 9
    assert body["basic_type"] == "parent"
    assert body["status"] == "open"
    assert body["our_reference"] == "REF-1"
    assert body["created_by"] == "admin"
    assert body["template"] == {
        "id": template["id"],
        "name": template["name"],
        "case_type": "general",
        "required_fields": ["our_reference", "cause_code"],
    }
    assert body["children"] == {"open": 0, "closed": 0}
    assert (body["parent"], body["campaign"]) == (None, None)

    got = await client.get(f"/cases/{body['id']}", headers=VIEWER)
    assert got.status_code == 200
    assert got.json() == body
    assert got.headers["ETag"] == '"1"'


async def test_numbers_are_unique_and_rising(client: httpx.AsyncClient) -> None:
    first = (await _parent(client)).json()["number"]
    second = (await _parent(client)).json()["number"]
    assert second > first


async def test_template_required_fields_are_422_naming_the_first_missing(
    client: httpx.AsyncClient,
) -> None:
    template = await create_template(
        client, required_fields=["cause_description", "our_reference", "customer_id"]
    )
    answer = await _parent(client, template_id=template["id"], cause_description="  ")
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    # Blank text was refused as too short before the template rule ran.
    assert problem["field"] == "cause_description"

    answer = await _parent(client, template_id=template["id"], cause_description="Leak")
    assert answer.status_code == 422
    assert answer.json()["field"] == "our_reference"
    assert answer.json()["missing"] == ["our_reference", "customer_id"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"template_id": "nope"}, "template_id"),
        ({"template_id": str(uuid.uuid4())}, "template_id"),
        ({"org_unit_id": str(uuid.uuid4())}, "org_unit_id"),
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
        ({"cause_code": "x" * 51}, "cause_code"),
        ({"basic_type": "customer_nonconformity"}, "basic_type"),
    ],
)
async def test_bad_fields_are_422(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    answer = await _parent(client, **fields)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


async def test_inactive_template_is_422(client: httpx.AsyncClient) -> None:
    template = await create_template(client)
    await client.post(f"/case-templates/{template['id']}/deactivate", headers={"If-Match": '"1"'})
    answer = await _parent(client, template_id=template["id"])
    assert answer.status_code == 422
    assert answer.json()["field"] == "template_id"


async def test_only_admins_create_parent_cases(client: httpx.AsyncClient) -> None:
    for headers in (VIEWER, OPERATOR):
        answer = await client.post("/cases", json={"title": "x"}, headers=headers)
        assert answer.status_code == 403


async def test_restricted_admin_places_parent_cases_in_own_units_only(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client, items=0)
    child_id, _ = await insert_org_unit(client, parent_id=world.org_unit_id)
    other_id, _ = await insert_org_unit(client)
    admin_north = as_user("ann", "admin", org_units=[world.org_unit_code])

    for org_unit_id in (None, other_id):
        fields = {} if org_unit_id is None else {"org_unit_id": str(org_unit_id)}
        refused = await client.post("/cases", json={"title": "x"} | fields, headers=admin_north)
        assert refused.status_code == 403
        assert refused.json()["field"] == "org_unit_id"
    made = await client.post(
        "/cases", json={"title": "x", "org_unit_id": str(child_id)}, headers=admin_north
    )
    assert made.status_code == 201, made.text


async def test_change_parent_case(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=0)
    body = (await _parent(client, cause_code="A")).json()
    url = f"/cases/{body['id']}"

    assert (await client.patch(url, json={"title": "New"})).status_code == 428
    stale = await client.patch(url, json={"title": "New"}, headers={"If-Match": '"3"'})
    assert stale.status_code == 412
    for headers in (VIEWER, OPERATOR):
        refused = await client.patch(
            url, json={"title": "New"}, headers=headers | {"If-Match": '"1"'}
        )
        assert refused.status_code == 403

    changed = await client.patch(
        url,
        json={"title": "New", "cause_code": None, "org_unit_id": str(world.org_unit_id)},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    out = changed.json()
    assert (out["title"], out["cause_code"], out["org_unit_id"], out["version"]) == (
        "New",
        None,
        str(world.org_unit_id),
        2,
    )
    same = await client.patch(url, json={"title": "New"}, headers={"If-Match": '"2"'})
    assert same.json()["version"] == 2

    for patch, field in (
        ({"title": None}, "title"),
        ({"org_unit_id": str(uuid.uuid4())}, "org_unit_id"),
        ({"template_id": str(uuid.uuid4())}, "template_id"),
        ({"number": "CA-1"}, "number"),
    ):
        answer = await client.patch(url, json=patch, headers={"If-Match": '"2"'})
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field


async def test_change_to_a_template_requiring_more_is_422(client: httpx.AsyncClient) -> None:
    body = (await _parent(client)).json()
    template = await create_template(client, required_fields=["cause_code"])
    answer = await client.patch(
        f"/cases/{body['id']}", json={"template_id": template["id"]}, headers={"If-Match": '"1"'}
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "cause_code"
    ok = await client.patch(
        f"/cases/{body['id']}",
        json={"template_id": template["id"], "cause_code": "RC"},
        headers={"If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text


async def test_campaign_cases_and_closed_cases_are_not_changed_here(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    answer = await client.patch(
        f"/cases/{rows.case_ids[0]}", json={"title": "x"}, headers={"If-Match": '"1"'}
    )
    assert answer.status_code == 409

    parent = (await _parent(client)).json()
    closed = await client.post(
        f"/cases/{parent['id']}/close", json={"reason": "done"}, headers={"If-Match": '"1"'}
    )
    assert closed.status_code == 200
    answer = await client.patch(
        f"/cases/{parent['id']}", json={"title": "x"}, headers={"If-Match": '"2"'}
    )
    assert answer.status_code == 409


async def test_unknown_case_is_404(client: httpx.AsyncClient) -> None:
    url = f"/cases/{uuid.uuid4()}"
    assert (await client.get(url)).status_code == 404
    h = {"If-Match": '"1"'}
    assert (await client.patch(url, json={"title": "x"}, headers=h)).status_code == 404
    assert (await client.post(f"{url}/close", json={"reason": "x"}, headers=h)).status_code == 404


async def test_detail_of_a_campaign_case_and_its_parent(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    rows = await insert_campaign(client, world)
    case = (await client.get(f"/cases/{rows.case_ids[0]}")).json()
    assert case["basic_type"] == "customer_nonconformity"
    assert case["serial_number"] == world.serial(0)
    assert case["serial_item_id"] == str(world.item_ids[0])
    assert case["customer_id"] == str(world.owner_id)
    assert case["parent"]["id"] == str(rows.parent_id)
    assert case["campaign"] == {
        "id": str(rows.campaign_id),
        "code": rows.code,
        "name": rows.name,
        "state": "released",
    }
    assert case["template"]["id"] == str(rows.template_id)
    assert case["children"] is None

    await client.post(
        f"/cases/{rows.case_ids[1]}/close", json={"reason": "done"}, headers={"If-Match": '"1"'}
    )
    parent = (await client.get(f"/cases/{rows.parent_id}")).json()
    assert parent["children"] == {"open": 2, "closed": 1}


async def test_org_unit_scope_of_the_detail(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    child_id, child_code = await insert_org_unit(client, parent_id=world.org_unit_id)
    other_id, _ = await insert_org_unit(client)
    rows = await insert_campaign(
        client, world, org_unit_ids=[world.org_unit_id, child_id, other_id]
    )
    north = as_user("nina", "viewer", org_units=[world.org_unit_code])
    child_only = as_user("carl", "viewer", org_units=[child_code])

    async def status_of(case_id: uuid.UUID, headers: dict[str, str]) -> int:
        return (await client.get(f"/cases/{case_id}", headers=headers)).status_code

    assert [await status_of(i, north) for i in rows.case_ids] == [200, 200, 404]
    assert [await status_of(i, child_only) for i in rows.case_ids] == [404, 200, 404]
    # The parent has no org unit: only unrestricted callers see it.
    assert await status_of(rows.parent_id, north) == 404
    assert await status_of(rows.parent_id, VIEWER) == 200
    nobody = as_user("none", "viewer", org_units=[])
    assert await status_of(rows.case_ids[0], nobody) == 404

    # A parent's children are counted as far as the caller sees them.
    await insert_parent_in(client, world.org_unit_id, rows.parent_id)
    parent = await client.get(f"/cases/{rows.parent_id}", headers=north)
    assert parent.json()["children"] == {"open": 2, "closed": 0}


async def insert_parent_in(
    client: httpx.AsyncClient, org_unit_id: uuid.UUID, case_id: uuid.UUID
) -> None:
    """Moves a parent case into ``org_unit_id`` (what a PATCH would do, by an admin)."""
    row = await case_row(client, case_id)
    answer = await client.patch(
        f"/cases/{case_id}",
        json={"org_unit_id": str(org_unit_id)},
        headers={"If-Match": f'"{row["version"]}"'},
    )
    assert answer.status_code == 200, answer.text
