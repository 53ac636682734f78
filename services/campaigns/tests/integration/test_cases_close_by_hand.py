"""Closing a case by hand through HTTP: operators and admins with a reason and If-Match;
the case's event in the outbox; an already closed case a 409 saying when and how; every
refusal (403 by role, 404 out of sight, 422 naming reason, 428, 412)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.seed import as_user, seed_world
from tests.integration.test_cases_support import case_row, insert_campaign, outbox_bodies

CLOSED = "campaigns.case.closed"
OPERATOR = as_user("otto", "operator")


async def _close(
    client: httpx.AsyncClient,
    case_id: uuid.UUID,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    version: int | None = 1,
) -> httpx.Response:
    h = dict(headers or {})
    if version is not None:
        h["If-Match"] = f'"{version}"'
    return await client.post(
        f"/cases/{case_id}/close",
        json={"reason": "Done by the dealer"} if body is None else body,
        headers=h,
    )


async def test_operator_closes_a_campaign_case(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    answer = await _close(client, rows.case_ids[0], headers=OPERATOR)
    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == '"2"'
    body = answer.json()
    assert body["status"] == "closed"
    assert body["closed_how"] == "manual"
    assert body["closed_by"] == "otto"
    assert body["close_reason"] == "Done by the dealer"
    assert body["closed_at"] is not None
    assert body["campaign"]["code"] == rows.code

    (event,) = await outbox_bodies(client, CLOSED, rows.case_ids[0])
    payload = event["payload"]
    assert payload["reason"] == "Done by the dealer"
    assert payload["outcome"] == "completed"
    assert payload["case_number"] == rows.numbers[0]
    assert payload["campaign_code"] == rows.code
    assert payload["service_order_id"] is None


async def test_cancelled_outcome_and_admin(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    answer = await _close(client, rows.case_ids[0], {"reason": "Scrapped", "outcome": "cancelled"})
    assert answer.status_code == 200, answer.text
    (event,) = await outbox_bodies(client, CLOSED, rows.case_ids[0])
    assert event["payload"]["outcome"] == "cancelled"


async def test_already_closed_is_409_saying_when_and_how(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    first = await _close(client, rows.case_ids[0], headers=OPERATOR)
    assert first.status_code == 200
    for version in (1, 2):  # stale or current, it stays closed
        again = await _close(client, rows.case_ids[0], {"reason": "again"}, version=version)
        assert again.status_code == 409
        problem = again.json()
        assert problem["closed_how"] == "manual"
        assert problem["closed_by"] == "otto"
        assert problem["closed_at"] == first.json()["closed_at"]
        assert "manual" in problem["detail"]
    row = await case_row(client, rows.case_ids[0])
    assert (row["version"], row["close_reason"]) == (2, "Done by the dealer")
    assert len(await outbox_bodies(client, CLOSED, rows.case_ids[0])) == 1


async def test_viewers_may_not_close(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    for headers in (as_user("vera", "viewer"), as_user("t", "technician")):
        answer = await _close(client, rows.case_ids[0], headers=headers)
        assert answer.status_code == 403
    assert (await case_row(client, rows.case_ids[0]))["status"] == "open"


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501}, {"reason": None}],
)
async def test_reason_is_required_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    answer = await _close(client, rows.case_ids[0], body)
    assert answer.status_code == 422
    assert answer.json()["field"] == "reason"


async def test_bad_outcome_422(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    answer = await _close(client, rows.case_ids[0], {"reason": "x", "outcome": "maybe"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "outcome"


async def test_reason_of_500_characters_passes(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    answer = await _close(client, rows.case_ids[0], {"reason": "é" * 500})
    assert answer.status_code == 200


async def test_if_match_required_and_current(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=1)
    rows = await insert_campaign(client, world)
    assert (await _close(client, rows.case_ids[0], version=None)).status_code == 428
    stale = await _close(client, rows.case_ids[0], version=5)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    assert (await case_row(client, rows.case_ids[0]))["status"] == "open"
    assert await outbox_bodies(client, CLOSED, rows.case_ids[0]) == []


async def test_restricted_operator_closes_only_in_own_units(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=2)
    other = await seed_world(client, items=0)
    rows = await insert_campaign(client, world, org_unit_ids=[world.org_unit_id, other.org_unit_id])
    north = as_user("nils", "operator", org_units=[world.org_unit_code])
    assert (await _close(client, rows.case_ids[1], headers=north)).status_code == 404
    assert (await _close(client, rows.case_ids[0], headers=north)).status_code == 200
