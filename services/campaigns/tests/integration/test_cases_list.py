"""The case list and its CSV export through HTTP: every filter, keyset pages across pages
in both directions, org-unit scope, bad queries (422 by field), and the export parsed back
(every matching row, not a page)."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
import pytest

from aftersales_kit.pagination import Sort
from campaigns.cases.export import export_csv
from campaigns.cases.queries import CaseFilter, conditions
from tests.integration.seed import as_user, runtime_of, seed_world
from tests.integration.test_cases_support import CampaignRows, insert_campaign, insert_org_unit

VIEWER = as_user("vera", "viewer")


async def _walk(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Every page of the list, 2 rows at a time."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 2, **params} | ({"cursor": cursor} if cursor else {})
        page = await client.get("/cases", params=query, headers=headers or VIEWER)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        found += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def _numbers(items: list[dict[str, Any]]) -> list[str]:
    return [item["number"] for item in items]


async def _campaign(client: httpx.AsyncClient, items: int = 5) -> tuple[Any, CampaignRows]:
    world = await seed_world(client, items=items)
    return world, await insert_campaign(client, world)


async def test_list_a_campaigns_cases_page_by_page(client: httpx.AsyncClient) -> None:
    _, rows = await _campaign(client, items=5)
    items = await _walk(client, campaign_id=str(rows.campaign_id))
    assert _numbers(items) == rows.numbers  # by number, ascending
    assert {i["campaign_id"] for i in items} == {str(rows.campaign_id)}
    backwards = await _walk(client, campaign_id=str(rows.campaign_id), sort="-number")
    assert _numbers(backwards) == rows.numbers[::-1]
    by_created = await _walk(client, campaign_id=str(rows.campaign_id), sort="created_at")
    assert sorted(_numbers(by_created)) == rows.numbers


async def test_every_filter(client: httpx.AsyncClient) -> None:
    world, rows = await _campaign(client, items=4)
    await client.post(
        f"/cases/{rows.case_ids[1]}/close", json={"reason": "x"}, headers={"If-Match": '"1"'}
    )
    campaign = {"campaign_id": str(rows.campaign_id)}

    async def numbers(**params: Any) -> list[str]:
        return _numbers(await _walk(client, **params))

    assert await numbers(**campaign, status="closed") == [rows.numbers[1]]
    assert await numbers(**campaign, status="open") == [rows.numbers[i] for i in (0, 2, 3)]
    assert await numbers(parent_id=str(rows.parent_id)) == rows.numbers
    assert await numbers(serial_item_id=str(world.item_ids[2])) == [rows.numbers[2]]
    assert await numbers(serial_number=world.serial(3)) == [rows.numbers[3]]
    assert await numbers(**campaign, customer_id=str(world.owner_id)) == rows.numbers
    assert await numbers(**campaign, customer_id=str(world.order_customer_id)) == []
    assert await numbers(**campaign, org_unit_id=str(world.org_unit_id)) == rows.numbers
    assert await numbers(**campaign, cause_code="RC-1") == rows.numbers
    assert await numbers(**campaign, cause_code="other") == []
    assert await numbers(**campaign, basic_type="customer_nonconformity") == rows.numbers
    assert await numbers(**campaign, basic_type="parent") == []
    parents = await client.get("/cases", params={"basic_type": "parent", "limit": 500})
    assert {p["basic_type"] for p in parents.json()["items"]} == {"parent"}


async def test_org_unit_scope(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=4)
    child_id, child_code = await insert_org_unit(client, parent_id=world.org_unit_id)
    other_id, _ = await insert_org_unit(client)
    rows = await insert_campaign(
        client, world, org_unit_ids=[world.org_unit_id, child_id, other_id, None]
    )
    campaign = {"campaign_id": str(rows.campaign_id)}

    north = as_user("nina", "viewer", org_units=[world.org_unit_code])
    child = as_user("carl", "viewer", org_units=[child_code])
    nobody = as_user("none", "viewer", org_units=[])
    assert _numbers(await _walk(client, north, **campaign)) == rows.numbers[:2]
    assert _numbers(await _walk(client, child, **campaign)) == [rows.numbers[1]]
    assert _numbers(await _walk(client, nobody, **campaign)) == []
    assert _numbers(await _walk(client, VIEWER, **campaign)) == rows.numbers
    # A filter on an org unit out of sight finds nothing rather than leaking it.
    assert _numbers(await _walk(client, child, **campaign, org_unit_id=str(other_id))) == []

    export = await client.get("/cases/export.csv", params=campaign, headers=north)
    assert [r["number"] for r in _parse(export.text)] == rows.numbers[:2]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "title"}, "query.sort"),
        ({"cursor": "bm9wZQ"}, "query.cursor"),
        ({"status": "pending"}, "query.status"),
        ({"basic_type": "general"}, "query.basic_type"),
        ({"campaign_id": "x"}, "query.campaign_id"),
        ({"limit": 501}, "query.limit"),
        ({"serial_number": ""}, "query.serial_number"),
    ],
)
async def test_bad_queries_are_422(
    client: httpx.AsyncClient, params: dict[str, Any], field: str
) -> None:
    answer = await client.get("/cases", params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


async def test_a_cursor_of_another_sort_is_422(client: httpx.AsyncClient) -> None:
    _, rows = await _campaign(client, items=3)
    page = await client.get("/cases", params={"campaign_id": str(rows.campaign_id), "limit": 1})
    cursor = page.json()["next_cursor"]
    other = await client.get(
        "/cases", params={"campaign_id": str(rows.campaign_id), "cursor": cursor, "sort": "-number"}
    )
    assert other.status_code == 422
    assert other.json()["field"] == "query.cursor"


def _parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_export_is_every_matching_row_as_csv(client: httpx.AsyncClient) -> None:
    world, rows = await _campaign(client, items=7)
    await client.post(
        f"/cases/{rows.case_ids[0]}/close",
        json={"reason": 'Gjort av återförsäljaren, "snabbt"'},
        headers={"If-Match": '"1"'},
    )
    answer = await client.get(
        "/cases/export.csv", params={"campaign_id": str(rows.campaign_id)}, headers=VIEWER
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "charset=utf-8" in answer.headers["content-type"]
    assert "cases.csv" in answer.headers["content-disposition"]
    lines = _parse(answer.content.decode("utf-8"))
    assert [r["number"] for r in lines] == rows.numbers  # more than a default page? all
    first = lines[0]
    assert first["status"] == "closed"
    assert first["closed_how"] == "manual"
    assert first["close_reason"] == 'Gjort av återförsäljaren, "snabbt"'
    assert first["campaign_code"] == rows.code
    assert first["serial_number"] == world.serial(0)
    assert first["customer_name"] == "Owner AB"
    assert first["org_unit_code"] == world.org_unit_code
    assert first["cause_code"] == "RC-1"
    assert first["id"] == str(rows.case_ids[0])
    assert lines[1]["status"] == "open"
    assert lines[1]["closed_at"] == ""
    parent_numbers = {r["parent_number"] for r in lines}
    assert len(parent_numbers) == 1
    assert parent_numbers.pop().startswith("CA-")

    only_open = await client.get(
        "/cases/export.csv",
        params={"campaign_id": str(rows.campaign_id), "status": "open", "sort": "-number"},
    )
    assert [r["number"] for r in _parse(only_open.text)] == rows.numbers[:0:-1]


async def test_export_with_no_rows_has_the_header(client: httpx.AsyncClient) -> None:
    answer = await client.get("/cases/export.csv", params={"campaign_id": str(uuid.uuid4())})
    assert answer.status_code == 200
    assert answer.text.splitlines()[0].startswith("number,basic_type,title,status")
    assert _parse(answer.text) == []


async def test_export_refuses_bad_queries_before_streaming(client: httpx.AsyncClient) -> None:
    for params, field in (
        ({"sort": "nope"}, "query.sort"),
        ({"status": "x"}, "query.status"),
    ):
        answer = await client.get("/cases/export.csv", params=params)
        assert answer.status_code == 422
        assert answer.json()["field"] == field


async def test_export_streams_in_chunks(client: httpx.AsyncClient) -> None:
    """A batch smaller than the rows: several chunks, every row once, in order."""
    _, rows = await _campaign(client, items=5)
    where = conditions(CaseFilter(campaign_id=rows.campaign_id), None)
    chunks = [
        chunk
        async for chunk in export_csv(
            runtime_of(client).sessionmaker, where, Sort("number"), batch=2
        )
    ]
    assert len(chunks) == 3  # header + rows 1-2, rows 3-4, row 5
    lines = _parse(b"".join(chunks).decode("utf-8"))
    assert [r["number"] for r in lines] == rows.numbers
