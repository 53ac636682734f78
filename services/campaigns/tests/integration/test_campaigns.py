"""A campaign's definition over HTTP: create (every refusal naming its field), list with
filters and keyset pages, read with ETag and counts, change with If-Match, what a released
and a closed campaign may still change, and who may write."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from campaigns import tables
from tests.integration.seed import as_user, runtime_of, seed_world
from tests.integration.test_campaigns_support import (
    add,
    basis,
    campaign_body,
    etag,
    insert_case,
    insert_template,
    new_campaign,
    release,
)


async def test_create_read_and_list(client: httpx.AsyncClient) -> None:
    b = await basis(client)
    body = campaign_body(b, use_customer_from_order=True)
    answer = await client.post("/campaigns", json=body)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert answer.headers["Location"] == f"/campaigns/{created['id']}"
    assert answer.headers["ETag"] == '"1"'
    assert created["state"] == "draft"
    assert created["created_by"] == "admin"
    assert created["use_customer_from_order"] is True
    assert created["translations"] == {"sv": "Pumpbyte", "sv-SE": "Pumpbyte"}

    read = await client.get(f"/campaigns/{created['id']}")
    assert read.status_code == 200
    assert read.headers["ETag"] == '"1"'
    assert read.json()["counts"] == {"lines": 0, "failing": 0, "cases_open": 0, "cases_closed": 0}
    assert read.json()["code"] == body["code"]

    listed = await client.get("/campaigns", params={"q": body["code"].lower()})
    assert [c["id"] for c in listed.json()["items"]] == [created["id"]]
    drafts = await client.get("/campaigns", params={"q": body["code"], "state": "released"})
    assert drafts.json()["items"] == []


async def test_list_keyset_pages_and_bad_sort(client: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:8]
    codes = [f"PG-{tag}-{i}" for i in range(5)]
    for code in reversed(codes):
        await new_campaign(client, code=code, name=f"Paging {tag}")
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"q": tag, "limit": 2, "sort": "code"}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/campaigns", params=params)).json()
        seen += [c["code"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == codes
    descending = (await client.get("/campaigns", params={"q": tag, "sort": "-code"})).json()
    assert [c["code"] for c in descending["items"]] == list(reversed(codes))
    bad = await client.get("/campaigns", params={"sort": "state"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "query.sort"
    bad_cursor = await client.get("/campaigns", params={"cursor": "nonsense"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["field"] == "query.cursor"


async def test_code_taken_is_409(client: httpx.AsyncClient) -> None:
    first = await new_campaign(client)
    b = await basis(client)
    again = await client.post("/campaigns", json=campaign_body(b, code=first["code"]))
    assert again.status_code == 409
    assert again.json()["field"] == "code"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "has space"}, "code"),
        ({"code": "x" * 51}, "code"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"translations": {"swedish": "Pumpbyte"}}, "translations.swedish"),
        ({"translations": {"sv-se": "Pumpbyte"}}, "translations.sv-se"),
        ({"translations": {"sv": " "}}, "translations.sv"),
        ({"template_id": None}, "template_id"),
        ({"parent_case_id": "not-a-uuid"}, "parent_case_id"),
        ({"unknown": 1}, "unknown"),
    ],
)
async def test_bad_fields_are_422(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    b = await basis(client)
    answer = await client.post("/campaigns", json=campaign_body(b, **overrides))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


async def test_template_and_parent_are_checked(client: httpx.AsyncClient) -> None:
    b = await basis(client)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"template_id": str(uuid.uuid4())}, "template_id"),
        ({"template_id": str(await insert_template(client, case_type="general"))}, "template_id"),
        ({"template_id": str(await insert_template(client, active=False))}, "template_id"),
        ({"parent_case_id": str(uuid.uuid4())}, "parent_case_id"),
        (
            {"parent_case_id": str(await insert_case(client, basic_type="customer_nonconformity"))},
            "parent_case_id",
        ),
    ]
    for overrides, field in cases:
        answer = await client.post("/campaigns", json=campaign_body(b, **overrides))
        assert answer.status_code == 422, (overrides, answer.text)
        assert answer.json()["field"] == field


async def test_template_required_fields(client: httpx.AsyncClient) -> None:
    b = await basis(client, required=["cause_code", "cause_description", "customer_id"])
    missing = await client.post(
        "/campaigns", json=campaign_body(b, cause_code=None, cause_description="  ")
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "cause_code"
    assert "cause_description" in missing.json()["detail"]
    # The customer comes from each serial item: a template requiring it is fine.
    ok = await client.post("/campaigns", json=campaign_body(b))
    assert ok.status_code == 201, ok.text
    # Clearing a required field later is refused too.
    cleared = await client.patch(
        f"/campaigns/{ok.json()['id']}", json={"cause_code": None}, headers={"If-Match": '"1"'}
    )
    assert cleared.status_code == 422
    assert cleared.json()["field"] == "cause_code"


async def test_writes_are_for_unrestricted_admins(client: httpx.AsyncClient) -> None:
    campaign = await new_campaign(client)
    b = await basis(client)
    cid = campaign["id"]
    for headers in (
        as_user("olle", "operator"),
        as_user("vera", "viewer"),
        as_user("rita", "admin", org_units=["north"]),
    ):
        writes = [
            await client.post("/campaigns", json=campaign_body(b), headers=headers),
            await client.patch(
                f"/campaigns/{cid}", json={"name": "x"}, headers={**headers, "If-Match": '"1"'}
            ),
            await client.post(
                f"/campaigns/{cid}/serials", json={"serial_numbers": ["A"]}, headers=headers
            ),
            await client.post(
                f"/campaigns/{cid}/serials/upload",
                content=b"A\n",
                headers={**headers, "Content-Type": "text/csv"},
            ),
            await client.delete(f"/campaigns/{cid}/serials/A", headers=headers),
            await client.post(f"/campaigns/{cid}/validate", headers=headers),
            await client.post(f"/campaigns/{cid}/release", headers={**headers, "If-Match": '"1"'}),
            await client.post(f"/campaigns/{cid}/close", headers={**headers, "If-Match": '"1"'}),
        ]
        assert [w.status_code for w in writes] == [403] * len(writes), [w.text for w in writes]
        # Reading is for everyone.
        read = await client.get(f"/campaigns/{cid}", headers=headers)
        assert read.status_code == 200


async def test_unknown_campaign_is_404(client: httpx.AsyncClient) -> None:
    unknown = uuid.uuid4()
    answers = [
        await client.get(f"/campaigns/{unknown}"),
        await client.patch(
            f"/campaigns/{unknown}", json={"name": "x"}, headers={"If-Match": '"1"'}
        ),
        await client.post(f"/campaigns/{unknown}/serials", json={"serial_numbers": ["A"]}),
        await client.get(f"/campaigns/{unknown}/serials"),
        await client.get(f"/campaigns/{unknown}/progress"),
        await client.post(f"/campaigns/{unknown}/validate"),
        await client.post(f"/campaigns/{unknown}/release", headers={"If-Match": '"1"'}),
        await client.post(f"/campaigns/{unknown}/close", headers={"If-Match": '"1"'}),
        await client.delete(f"/campaigns/{unknown}/serials/A"),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert (await client.get("/campaigns/not-a-uuid")).status_code == 422


async def test_patch_needs_a_current_if_match(client: httpx.AsyncClient) -> None:
    campaign = await new_campaign(client)
    url = f"/campaigns/{campaign['id']}"
    assert (await client.patch(url, json={"name": "New"})).status_code == 428
    assert (
        await client.patch(url, json={"name": "New"}, headers={"If-Match": "abc"})
    ).status_code == 400
    stale = await client.patch(url, json={"name": "New"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    changed = await client.patch(
        url,
        json={"name": "New name", "translations": {"en-GB": "New name"}, "our_reference": None},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    out = changed.json()
    assert (out["name"], out["translations"], out["our_reference"]) == (
        "New name",
        {"en-GB": "New name"},
        None,
    )
    assert out["cause_code"] == "RC-7"  # not sent, not changed
    null_name = await client.patch(url, json={"name": None}, headers={"If-Match": '"2"'})
    assert null_name.status_code == 422
    assert null_name.json()["field"] == "name"
    bad_locale = await client.patch(
        url, json={"translations": {"SV": "x"}}, headers={"If-Match": '"2"'}
    )
    assert bad_locale.status_code == 422
    assert bad_locale.json()["field"] == "translations.SV"
    # A draft changes its template, parent and customer setting.
    b = await basis(client)
    moved = await client.patch(
        url,
        json={
            "template_id": str(b.template_id),
            "parent_case_id": str(b.parent_id),
            "use_customer_from_order": True,
        },
        headers={"If-Match": '"2"'},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["template_id"] == str(b.template_id)


async def test_after_release_only_texts_change_and_closed_is_read_only(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client, items=1)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    await add(client, cid, [world.serial(0)])
    released = await release(client, cid)
    assert released.status_code == 200, released.text
    url = f"/campaigns/{cid}"
    tag = released.headers["ETag"]
    b = await basis(client)
    for body, field in (
        ({"template_id": str(b.template_id)}, "template_id"),
        ({"parent_case_id": str(b.parent_id)}, "parent_case_id"),
        ({"use_customer_from_order": True}, "use_customer_from_order"),
        ({"name": "ok", "parent_case_id": str(b.parent_id)}, "parent_case_id"),
    ):
        refused = await client.patch(url, json=body, headers={"If-Match": tag})
        assert refused.status_code == 409, refused.text
        assert refused.json()["field"] == field
    texts = await client.patch(
        url,
        json={"name": "Renamed", "cause_code": "RC-8", "translations": {"de": "Pumpe"}},
        headers={"If-Match": tag},
    )
    assert texts.status_code == 200, texts.text

    closed = await client.post(f"{url}/close", headers={"If-Match": texts.headers["ETag"]})
    assert closed.status_code == 200, closed.text
    assert closed.json()["campaign"]["state"] == "closed"
    tag = closed.headers["ETag"]
    for answer in (
        await client.patch(url, json={"name": "x"}, headers={"If-Match": tag}),
        await client.post(f"{url}/serials", json={"serial_numbers": ["Z"]}),
        await client.post(
            f"{url}/serials/upload", content=b"Z\n", headers={"Content-Type": "text/csv"}
        ),
        await client.delete(f"{url}/serials/{world.serial(0)}"),
        await client.post(f"{url}/validate"),
        await client.post(f"{url}/release", headers={"If-Match": tag}),
    ):
        assert answer.status_code == 409, answer.text


async def test_etag_of_read_after_changes(client: httpx.AsyncClient) -> None:
    campaign = await new_campaign(client)
    cid = campaign["id"]
    assert await etag(client, cid) == '"1"'
    await client.patch(f"/campaigns/{cid}", json={"name": "B"}, headers={"If-Match": '"1"'})
    assert await etag(client, cid) == '"2"'


async def test_a_deactivated_template_does_not_block_other_changes(
    client: httpx.AsyncClient,
) -> None:
    campaign = await new_campaign(client)
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.case_template)
            .where(tables.case_template.c.id == uuid.UUID(campaign["template_id"]))
            .values(active=False)
        )
        await uow.commit()
    url = f"/campaigns/{campaign['id']}"
    renamed = await client.patch(url, json={"name": "Renamed"}, headers={"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text
    # Choosing it again is refused.
    chosen = await client.patch(
        url, json={"template_id": campaign["template_id"]}, headers={"If-Match": '"2"'}
    )
    assert chosen.status_code == 422
    assert chosen.json()["field"] == "template_id"
