"""Case templates through HTTP: create, list (filters, keyset pages), one with its ETag,
PATCH with If-Match, deactivate / activate; every refusal by field and by role."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.seed import as_user

VIEWER = as_user("vera", "viewer")
OPERATOR = as_user("otto", "operator")


def _name(label: str = "T") -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


async def _create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    body = {"name": _name(), "case_type": "service_campaign"} | fields
    return await client.post("/case-templates", json=body)


async def test_create_and_get(client: httpx.AsyncClient) -> None:
    name = _name("Retrofit")
    created = await _create(
        client, name=name, required_fields=["customer_id", "cause_code", "cause_code"]
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == name
    assert body["case_type"] == "service_campaign"
    # Repeats dropped, canonical order.
    assert body["required_fields"] == ["cause_code", "customer_id"]
    assert body["active"] is True
    assert body["version"] == 1
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"] == f"/case-templates/{body['id']}"

    got = await client.get(f"/case-templates/{body['id']}", headers=VIEWER)
    assert got.status_code == 200
    assert got.headers["ETag"] == '"1"'
    assert got.json() == body


async def test_name_taken_is_409(client: httpx.AsyncClient) -> None:
    name = _name()
    assert (await _create(client, name=name)).status_code == 201
    again = await _create(client, name=name, case_type="general")
    assert again.status_code == 409
    assert again.json()["field"] == "name"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"case_type": "recall"}, "case_type"),
        ({"required_fields": ["cause_code", "colour"]}, "required_fields.1"),
        ({"required_fields": ["title"]}, "required_fields.0"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"active": False}, "active"),
    ],
)
async def test_bad_fields_are_422_naming_them(
    client: httpx.AsyncClient, fields: dict[str, Any], field: str
) -> None:
    answer = await _create(client, **fields)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


async def test_writes_are_for_admins(client: httpx.AsyncClient) -> None:
    for headers in (VIEWER, OPERATOR):
        refused = await client.post(
            "/case-templates",
            json={"name": _name(), "case_type": "general"},
            headers=headers,
        )
        assert refused.status_code == 403
    template = (await _create(client)).json()
    url = f"/case-templates/{template['id']}"
    for headers in (VIEWER, OPERATOR):
        h = headers | {"If-Match": '"1"'}
        assert (await client.patch(url, json={"name": _name()}, headers=h)).status_code == 403
        assert (await client.post(f"{url}/deactivate", headers=h)).status_code == 403
        assert (await client.post(f"{url}/activate", headers=h)).status_code == 403
    # Nothing changed.
    assert (await client.get(url)).json()["version"] == 1


async def test_patch_needs_if_match_and_merges(client: httpx.AsyncClient) -> None:
    template = (await _create(client, required_fields=["cause_code"])).json()
    url = f"/case-templates/{template['id']}"

    missing = await client.patch(url, json={"case_type": "general"})
    assert missing.status_code == 428
    stale = await client.patch(url, json={"case_type": "general"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    bad_tag = await client.patch(url, json={"case_type": "general"}, headers={"If-Match": "x"})
    assert bad_tag.status_code == 400

    changed = await client.patch(
        url,
        json={"case_type": "customer_nonconformity", "required_fields": ["our_reference"]},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    body = changed.json()
    assert (body["name"], body["case_type"], body["required_fields"], body["version"]) == (
        template["name"],
        "customer_nonconformity",
        ["our_reference"],
        2,
    )

    # Nothing changes: no new version.
    same = await client.patch(
        url, json={"required_fields": ["our_reference"]}, headers={"If-Match": '"2"'}
    )
    assert same.status_code == 200
    assert same.json()["version"] == 2


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"required_fields": ["cause_code", "nope"]}, "required_fields.1"),
        ({"case_type": "other"}, "case_type"),
        ({"name": None}, "name"),
        ({"case_type": None}, "case_type"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_patch_bad_fields_are_422(
    client: httpx.AsyncClient, patch: dict[str, Any], field: str
) -> None:
    template = (await _create(client)).json()
    answer = await client.patch(
        f"/case-templates/{template['id']}", json=patch, headers={"If-Match": '"1"'}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


async def test_patch_to_a_taken_name_is_409(client: httpx.AsyncClient) -> None:
    first = (await _create(client)).json()
    second = (await _create(client)).json()
    answer = await client.patch(
        f"/case-templates/{second['id']}",
        json={"name": first["name"]},
        headers={"If-Match": '"1"'},
    )
    assert answer.status_code == 409
    assert answer.json()["field"] == "name"


async def test_deactivate_and_activate(client: httpx.AsyncClient) -> None:
    template = (await _create(client)).json()
    url = f"/case-templates/{template['id']}"
    assert (await client.post(f"{url}/deactivate")).status_code == 428
    off = await client.post(f"{url}/deactivate", headers={"If-Match": '"1"'})
    assert off.status_code == 200
    assert (off.json()["active"], off.json()["version"]) == (False, 2)
    again = await client.post(f"{url}/deactivate", headers={"If-Match": '"2"'})
    assert again.json()["version"] == 2  # already so
    stale = await client.post(f"{url}/activate", headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    on = await client.post(f"{url}/activate", headers={"If-Match": '"2"'})
    assert (on.json()["active"], on.json()["version"]) == (True, 3)


async def test_unknown_template_is_404(client: httpx.AsyncClient) -> None:
    url = f"/case-templates/{uuid.uuid4()}"
    assert (await client.get(url)).status_code == 404
    h = {"If-Match": '"1"'}
    assert (await client.patch(url, json={"name": _name()}, headers=h)).status_code == 404
    assert (await client.post(f"{url}/deactivate", headers=h)).status_code == 404
    assert (await client.get("/case-templates/not-a-uuid")).status_code == 422


async def test_list_filters_and_pages(client: httpx.AsyncClient) -> None:
    # Names unique to this test sort together; a page of 2 walks them in order.
    prefix = f"L{uuid.uuid4().hex[:8]}"
    made = []
    for i, case_type in enumerate(["general", "service_campaign", "general", "general"]):
        made.append((await _create(client, name=f"{prefix} {i}", case_type=case_type)).json())
    await client.post(f"/case-templates/{made[3]['id']}/deactivate", headers={"If-Match": '"1"'})

    async def walk(**params: Any) -> list[str]:
        names: list[str] = []
        cursor = None
        while True:
            query = {"limit": 2, **params} | ({"cursor": cursor} if cursor else {})
            page = await client.get("/case-templates", params=query, headers=VIEWER)
            assert page.status_code == 200, page.text
            names += [t["name"] for t in page.json()["items"] if t["name"].startswith(prefix)]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                return names

    assert await walk(case_type="general") == [f"{prefix} 0", f"{prefix} 2", f"{prefix} 3"]
    assert await walk(case_type="general", active=True) == [f"{prefix} 0", f"{prefix} 2"]
    assert await walk(active=False) == [f"{prefix} 3"]
    assert await walk(case_type="service_campaign") == [f"{prefix} 1"]
    assert await walk(sort="-name", case_type="general") == [
        f"{prefix} 3",
        f"{prefix} 2",
        f"{prefix} 0",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "colour"}, "query.sort"),
        ({"cursor": "garbage"}, "query.cursor"),
        ({"case_type": "x"}, "query.case_type"),
        ({"limit": 0}, "query.limit"),
    ],
)
async def test_list_refuses_bad_queries(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    answer = await client.get("/case-templates", params=params)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
