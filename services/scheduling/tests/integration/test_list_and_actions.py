"""The callout list (filters, sort, pages, columns, exports) and every action's rule."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import text

from aftersales_contracts.catalog import CommunicationMethod, CustomerChanged, CustomerRegistered
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import (
    BlockReason,
    Channel,
    MessageBlocked,
    MessageFailed,
    MessageSent,
)
from aftersales_contracts.servicetypes import MessageSet
from aftersales_testing.builders import customer_registered
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from scheduling import projections, queries, tables
from scheduling.domain import CalloutState
from scheduling.settings import Settings

from .seed import TODAY, Seed

S = CalloutState
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
async def seed(app_client: httpx.AsyncClient) -> Seed:
    seed = Seed(app_client)
    await seed.world()
    return seed


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()["items"]]


# --- the list ----------------------------------------------------------------------------


async def test_the_default_window_is_the_recent_past_to_n_days_ahead(
    seed: Seed, settings: Settings
) -> None:
    days, past = settings.list_default_days, settings.list_default_past_days
    assert past > 1
    too_old = await seed.callout(S.SENT, TODAY - timedelta(days=past + 1))
    oldest = await seed.callout(S.FAILED, TODAY - timedelta(days=past))
    # Yesterday's failed, blocked and sent callouts stay in the default view (issue 17).
    yesterday = await seed.callout(S.BLOCKED_BY_ALLOWED_METHODS, TODAY - timedelta(days=1))
    first = await seed.callout(S.AWAITING_APPROVAL, TODAY)
    last = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=days))
    after = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=days + 1))

    assert ids(await seed.list()) == [oldest, yesterday, first, last]
    wide = await seed.list(scheduled_from="2026-01-01", scheduled_to="2027-12-31")
    assert ids(wide) == [too_old, oldest, yesterday, first, last, after]
    # One item's tab shows all of its callouts.
    tab = await seed.client.get("/callouts", params={"serial_item_id": str(seed.item_id)})
    assert ids(tab) == [too_old, oldest, yesterday, first, last, after]


async def test_every_filter_narrows_the_list(seed: Seed) -> None:
    a = await seed.callout(
        S.APPROVED, TODAY, approved_at=NOW - timedelta(days=2), step_description="1st reminder"
    )
    b = await seed.callout(
        S.COMPLETED,
        TODAY + timedelta(days=1),
        approved_at=NOW,
        completed_at=NOW,
        step_description="2nd reminder",
    )
    c = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=2))

    assert ids(await seed.list(state=["approved", "completed"])) == [a, b]
    assert ids(await seed.list(state="awaiting_approval")) == [c]
    assert ids(await seed.list(step="2ND")) == [b]
    assert ids(await seed.list(approved_from="2026-11-23")) == [b]
    assert ids(await seed.list(approved_to="2026-11-22")) == [a]
    assert ids(await seed.list(completed_from="2026-11-23", completed_to="2026-11-23")) == [b]
    assert ids(await seed.list(customer="C-1")) == [a, b, c]
    assert ids(await seed.list(customer="lovelace")) == [a, b, c]
    assert ids(await seed.list(customer="nobody")) == []
    assert ids(await seed.list(customer_id=str(seed.customer_id))) == [a, b, c]
    assert ids(await seed.list(service_type_id=str(seed.service_type.service_type_id))) == [a, b, c]
    assert ids(await seed.list(service_type_id=str(uuid.uuid4()))) == []
    assert ids(await seed.list(org_unit=[seed.org_unit, "elsewhere"])) == [a, b, c]


async def test_a_name_part_many_customers_share_filters_the_same(
    seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past FEW_CUSTOMERS matching customers the part stays a subquery (the list's own
    order finds them): the same callouts either way, in the list and in an export."""
    a = await seed.callout(S.APPROVED, TODAY)
    b = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=1))
    for few in (2000, 0):
        monkeypatch.setattr(queries, "FEW_CUSTOMERS", few)
        assert ids(await seed.list(customer="lovelace")) == [a, b]
        assert ids(await seed.list(customer="C-1")) == [a, b]
        assert ids(await seed.list(customer="nobody")) == []
        params = {"org_unit": seed.org_unit, "customer": "lovelace", "columns": ["state"]}
        exported = await seed.client.get("/callouts/export", params=params)
        assert exported.text.split() == ["State", "approved", "awaiting_approval"]


async def test_rows_carry_the_list_columns(seed: Seed) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    [row] = (await seed.list()).json()["items"]
    assert row["id"] == callout
    assert row["service_type_name"] == "Annual inspection"
    assert row["serial_item_name"] == "Pump X"
    assert row["serial_number"] == "SN-" + seed.org_unit
    assert (row["customer_number"], row["customer_name"]) == ("C-1", "Ada Lovelace")
    # Before sending: where it would go, from the customer's preferred method.
    assert row["send_to"] == "ada@example.com"
    assert row["step_description"] == "1st reminder"
    assert row["scheduled_for"] == TODAY.isoformat()
    assert row["org_unit"] == seed.org_unit
    assert row["created_at"]
    [localized] = (await seed.list(lang="sv-SE")).json()["items"]
    assert localized["serial_item_name"] == "Pump X (sv)"


async def test_sorting_and_keyset_pages(seed: Seed) -> None:
    made = [await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=d)) for d in range(5)]
    # Two callouts on one date: the id breaks the tie, the pages still cover each once.
    made.append(await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=2)))
    expected = [r["id"] for r in (await seed.list(limit=100)).json()["items"]]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 4}
        if cursor:
            params["cursor"] = cursor
        response = await seed.list(**params)
        seen += ids(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            break
        assert 'rel="next"' in response.headers["link"]
    assert pages == 2
    assert seen == expected
    assert sorted(seen) == sorted(made)

    descending = ids(await seed.list(sort="-scheduled_for"))
    assert descending[0] == made[4]
    assert descending[-1] == made[0]
    page = await seed.list(sort="-scheduled_for", limit=3)
    rest = await seed.list(sort="-scheduled_for", cursor=page.json()["next_cursor"])
    assert ids(page) + ids(rest) == descending
    for field in ("approved_at", "-completed_at", "state", "customer_name", "serial_number"):
        first = await seed.list(sort=field, limit=5)
        second = await seed.list(sort=field, cursor=first.json()["next_cursor"])
        assert sorted(ids(first) + ids(second)) == sorted(made), field


async def test_column_metadata(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/callouts/columns")
    assert response.status_code == 200
    columns = {c["key"]: c for c in response.json()}
    assert list(columns)[:12] == [
        "service_type_name",
        "serial_item_name",
        "serial_number",
        "customer_number",
        "customer_name",
        "send_to",
        "step_description",
        "scheduled_for",
        "approved_at",
        "state",
        "completed_at",
        "org_unit",
    ]
    assert columns["created_at"]["hidden_by_default"] is True
    assert columns["state"]["hidden_by_default"] is False
    assert columns["scheduled_for"]["label"] == "Scheduled for"


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text, read with nothing but the standard library."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in archive.namelist():
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")) for si in root]
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:sheetData/m:row", ns):
        cells = []
        for cell in row.iterfind("m:c", ns):
            kind = cell.get("t")
            if kind == "inlineStr":
                cells.append("".join(t.text or "" for t in cell.iter(f"{{{ns['m']}}}t")))
            else:
                value = cell.findtext("m:v", default="", namespaces=ns)
                cells.append(shared[int(value)] if kind == "s" else value)
        rows.append(cells)
    return rows


async def test_exports_stream_the_filtered_list(seed: Seed) -> None:
    a = await seed.callout(S.AWAITING_APPROVAL, TODAY)
    b = await seed.callout(S.SENT, TODAY + timedelta(days=1), send_to="ada@example.org")
    await seed.callout(S.CANCELLED, TODAY + timedelta(days=2))
    params = {"org_unit": seed.org_unit, "state": ["awaiting_approval", "sent"]}

    response = await seed.client.get("/callouts/export", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "callouts.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["Service type", "Serial number name", "Serial number"]
    assert "Created on" not in rows[0]
    state = rows[0].index("State")
    assert [r[state] for r in rows[1:]] == ["awaiting_approval", "sent"]
    assert rows[2][rows[0].index("Send to")] == "ada@example.org"

    chosen = params | {"format": "xlsx", "columns": ["id_unknown"]}
    bad = await seed.client.get("/callouts/export", params=chosen)
    assert (bad.status_code, bad.json()["field"]) == (422, "query.columns")

    chosen = params | {"format": "xlsx", "columns": ["created_at", "state", "scheduled_for"]}
    response = await seed.client.get("/callouts/export", params=chosen)
    assert response.status_code == 200
    assert "spreadsheetml" in response.headers["content-type"]
    sheet = _xlsx_rows(response.content)
    assert sheet[0] == ["Created on", "State", "Scheduled for"]
    assert [r[1:] for r in sheet[1:]] == [
        ["awaiting_approval", TODAY.isoformat()],
        ["sent", (TODAY + timedelta(days=1)).isoformat()],
    ]
    assert a
    assert b


async def test_an_export_of_every_column_says_what_the_list_says(seed: Seed) -> None:
    """The export reads only its columns, as tuples: cell for cell what the list shows
    (the localized item name, the computed send-to, dates and instants)."""
    await seed.callout(S.AWAITING_APPROVAL, TODAY, error="the step has no message")
    await seed.callout(S.SENT, TODAY + timedelta(days=1), send_to="ada@example.org")
    await seed.callout(
        S.COMPLETED,
        TODAY + timedelta(days=2),
        completed_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC),
        service_order_number="SO-1",
    )
    keys = [col.key for col in queries.COLUMNS]
    params = {"org_unit": seed.org_unit, "lang": "sv"}
    listed = (await seed.client.get("/callouts", params=params)).json()["items"]
    exported = await seed.client.get("/callouts/export", params=params | {"columns": keys})
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == [col.label for col in queries.COLUMNS]
    assert len(rows) == 1 + len(listed) == 4
    for shown, cells in zip(listed, rows[1:], strict=True):
        for key, cell in zip(keys, cells, strict=True):
            value = shown[key]
            if value is None:
                assert cell == "", key
            elif key.endswith("_at"):
                assert datetime.fromisoformat(cell) == datetime.fromisoformat(value), key
            else:
                assert cell == str(value), key
    assert rows[1][keys.index("serial_item_name")] == "Pump X (sv)"


async def test_bad_list_input_is_named(seed: Seed) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"sort": "nonsense"}, "query.sort"),
        ({"cursor": "!!!"}, "query.cursor"),
        ({"scheduled_from": "2026-12-01", "scheduled_to": "2026-11-01"}, "query.scheduled_from"),
        ({"approved_from": "yesterday"}, "query.approved_from"),
        ({"state": ["sent", "nonsense"]}, "query.state.1"),
        ({"limit": 0}, "query.limit"),
        ({"lang": "<script>"}, "query.lang"),
        ({"service_type_id": "x"}, "query.service_type_id.0"),
        ({"customer": ""}, "query.customer"),
    ]
    for params, field in cases:
        response = await seed.list(**params)
        assert response.status_code in (400, 422), (params, response.text)
        assert response.json()["field"] == field, params
    first = await seed.list(sort="state", limit=1)
    await seed.callout(S.SENT)
    await seed.callout(S.SENT)
    page = await seed.list(sort="state", limit=1)
    other = await seed.list(sort="scheduled_for", cursor=page.json()["next_cursor"])
    assert (other.status_code, other.json()["field"]) == (422, "query.cursor")
    assert first.status_code == 200
    export = await seed.client.get("/callouts/export", params={"format": "pdf"})
    assert (export.status_code, export.json()["field"]) == (422, "query.format")


# --- actions -----------------------------------------------------------------------------


async def test_approve_one_and_refuse_naming_the_state(seed: Seed) -> None:
    waiting = await seed.callout(S.AWAITING_APPROVAL)
    sent = await seed.callout(S.SENT)
    done = await seed.client.post(f"/callouts/{waiting}/approve")
    assert done.status_code == 200
    body = done.json()
    assert (body["state"], body["approved_by"]) == ("approved", "tester")
    refused = await seed.client.post(f"/callouts/{sent}/approve")
    assert refused.status_code == 409
    assert refused.json()["field"] == "state"
    assert "'sent'" in refused.json()["detail"]
    [entry] = (await seed.client.get(f"/callouts/{waiting}/history")).json()
    assert (entry["action"], entry["actor"], entry["from_state"], entry["to_state"]) == (
        "approve",
        "tester",
        "awaiting_approval",
        "approved",
    )


async def test_a_selection_lists_acted_and_skipped_rows(seed: Seed) -> None:
    waiting = await seed.callout(S.AWAITING_APPROVAL)
    sent = await seed.callout(S.SENT)
    missing = str(uuid.uuid4())
    response = await seed.client.post(
        "/callouts/actions/approve", json={"ids": [waiting, sent, missing]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["acted"] == [{"id": waiting, "state": "approved", "reason": None}]
    skipped = {s["id"]: s for s in body["skipped"]}
    assert skipped[sent]["state"] == "sent"
    assert "approve" in skipped[sent]["reason"]
    assert skipped[missing]["reason"] == f"no callout with id {missing}"

    none = await seed.client.post("/callouts/actions/approve", json={"ids": [sent]})
    assert none.status_code == 409
    assert none.json()["field"] == "ids"
    assert none.json()["skipped"][0]["id"] == sent


async def test_cancel_and_complete_refuse_a_selection_with_a_finished_row(seed: Seed) -> None:
    waiting = await seed.callout(S.AWAITING_APPROVAL)
    cancelled = await seed.callout(S.CANCELLED)
    for action in ("cancel", "mark-completed"):
        response = await seed.client.post(
            f"/callouts/actions/{action}", json={"ids": [waiting, cancelled]}
        )
        assert response.status_code == 409, action
        assert cancelled in response.json()["detail"]
    assert (await seed.row(waiting)).state == S.AWAITING_APPROVAL
    ok = await seed.client.post("/callouts/actions/cancel", json={"ids": [waiting]})
    assert ok.status_code == 200
    row = await seed.row(waiting)
    assert (row.state, row.cancelled_by) == (S.CANCELLED, "tester")
    again = await seed.client.post(f"/callouts/{waiting}/cancel")
    assert again.status_code == 409


async def test_approve_all_takes_the_active_filter(seed: Seed) -> None:
    a = await seed.callout(S.AWAITING_APPROVAL, TODAY)
    b = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=1), step_description="2nd")
    outside = await seed.callout(S.AWAITING_APPROVAL, TODAY + timedelta(days=400))
    sent = await seed.callout(S.SENT)
    response = await seed.client.post(
        "/callouts/approve-all", params={"org_unit": seed.org_unit, "step": "1st"}
    )
    assert response.json() == {"approved": 1}
    response = await seed.client.post("/callouts/approve-all", params={"org_unit": seed.org_unit})
    assert response.json() == {"approved": 1}
    states = {i: (await seed.row(i)).state for i in (a, b, outside, sent)}
    assert states == {a: S.APPROVED, b: S.APPROVED, outside: S.AWAITING_APPROVAL, sent: S.SENT}
    [entry] = (await seed.client.get(f"/callouts/{b}/history")).json()
    assert (entry["action"], entry["actor"], entry["to_state"]) == (
        "approve_all",
        "tester",
        "approved",
    )


async def _result(
    seed: Seed, settings: Settings, message: MessageSent | MessageFailed | MessageBlocked
) -> uuid.UUID:
    """Publish a notifications result; its message id, for the ``consumed`` barrier."""
    broker = seed.client.app.state.runtime.broker  # type: ignore[attr-defined]
    return (await publish(broker, settings.broker_prefix, message)).message_id


def _sent(key: str, callout: str, to: str = "ada@example.com") -> MessageSent:
    return MessageSent(
        message_id=uuid.uuid4(),
        idempotency_key=key,
        requester="scheduling",
        requester_reference=callout,
        business_object=None,
        channel=Channel.EMAIL,
        sent_to=[to],
    )


def _failed(key: str, callout: str) -> MessageFailed:
    return MessageFailed(
        message_id=uuid.uuid4(),
        idempotency_key=key,
        requester="scheduling",
        requester_reference=callout,
        business_object=None,
        channel=Channel.EMAIL,
        reason="SMTP said 550",
        trace_id="ab" * 16,
    )


async def _state(seed: Seed, callout: str, state: CalloutState) -> Any:
    async def probe() -> Any:
        row = await seed.row(callout)
        return row if row.state == state else None

    return await eventually(probe, what=f"state {state}")


async def test_send_now_sends_at_once_and_records_the_result(
    seed: Seed, settings: Settings
) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    response = await seed.client.post(f"/callouts/{callout}/send-now")
    assert response.status_code == 200
    assert response.json()["state"] == "approved"
    [request] = await seed.send_requests(callout)
    assert request["idempotency_key"] == f"callout:{callout}:1"
    assert request["content"]["email_subject"] == "Due"
    again = await seed.client.post(f"/callouts/{callout}/send-now")
    assert again.status_code == 409
    assert "being sent already" in again.json()["detail"]

    await _result(seed, settings, _sent(request["idempotency_key"], callout))
    row = await _state(seed, callout, S.SENT)
    assert row.send_to == "ada@example.com"
    shown = (await seed.client.get(f"/callouts/{callout}/message")).json()
    assert shown["warning"] is None
    assert shown["messages"][0]["href"] == f"/api/messages/{row.message_id}"
    refused = await seed.client.post(f"/callouts/{callout}/send-now")
    assert refused.status_code == 409


async def test_mark_completed_sends_the_completion_message(seed: Seed, settings: Settings) -> None:
    callout = await seed.callout(S.SENT)
    response = await seed.client.post(f"/callouts/{callout}/mark-completed")
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["completed_by"]) == ("completed", "tester")
    [request] = await seed.send_requests(callout)
    assert request["idempotency_key"] == f"callout:{callout}:completion:1"
    assert request["content"]["email_subject"] == "Done"

    await _result(seed, settings, _failed(request["idempotency_key"], callout))
    await _state(seed, callout, S.FAILED_AT_COMPLETION)
    error = (await seed.client.get(f"/callouts/{callout}/error")).json()
    assert (error["reason"], error["trace_id"]) == ("SMTP said 550", "ab" * 16)

    retried = await seed.client.post(f"/callouts/{callout}/mark-completed")
    assert retried.status_code == 200
    second = (await seed.send_requests(callout))[-1]
    assert second["idempotency_key"] == f"callout:{callout}:completion:2"
    # The first attempt's late duplicate changes nothing; the second's result completes.
    before = await seed.row(callout)
    late = await _result(seed, settings, _failed(request["idempotency_key"], callout))
    await consumed(seed.runtime.sessionmaker, late)
    row = await seed.row(callout)
    assert (row.state, row.completion_message_id) == (S.COMPLETED, before.completion_message_id)
    await _result(seed, settings, _sent(second["idempotency_key"], callout))

    async def recorded() -> Any:
        row = await seed.row(callout)
        return row if row.completion_message_id is not None else None

    row = await eventually(recorded, what="the completion message id")
    assert row is not None
    assert row.state == S.COMPLETED
    refused = await seed.client.post(f"/callouts/{callout}/mark-completed")
    assert refused.status_code == 409


async def test_mark_completed_without_a_completion_message_sends_nothing(
    app_client: httpx.AsyncClient,
) -> None:
    seed = Seed(app_client)
    quiet = seed.service_type.model_copy(
        update={
            "steps": [seed.service_type.steps[0].model_copy(update={"on_completion": MessageSet()})]
        }
    )
    await seed.world(service_type=quiet)
    callout = await seed.callout(S.APPROVED)
    response = await app_client.post(f"/callouts/{callout}/mark-completed")
    assert response.json()["state"] == "completed"
    assert await seed.send_requests(callout) == []


async def test_resend_reschedules_for_the_dispatcher(seed: Seed) -> None:
    failed = await seed.callout(S.FAILED, send_attempt=1, error="boom")
    sent = await seed.callout(S.SENT)
    response = await seed.client.post("/callouts/actions/resend", json={"ids": [failed, sent]})
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["acted"]] == [failed]
    assert [r["id"] for r in body["skipped"]] == [sent]

    async def dispatched() -> list[dict[str, Any]]:
        return await seed.send_requests(failed)

    [request] = await eventually(dispatched, what="the resent callout dispatched")
    assert request["idempotency_key"] == f"callout:{failed}:2"


async def test_update_recipient_waits_for_the_customer_then_resends(
    seed: Seed, settings: Settings
) -> None:
    blocked = await seed.callout(S.BLOCKED_BY_ALLOWED_METHODS, send_attempt=1)
    sent = await seed.callout(S.SENT)
    refused = await seed.client.post(f"/callouts/{sent}/update-recipient", json={})
    assert refused.status_code == 409
    bad = await seed.client.post(
        f"/callouts/{blocked}/update-recipient", json={"customer_version": 0}
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "customer_version")

    response = await seed.client.post(
        f"/callouts/{blocked}/update-recipient", json={"customer_version": 2}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["resend_at_customer_version"]) == (
        "blocked_by_allowed_methods",
        2,
    )
    broker = seed.client.app.state.runtime.broker  # type: ignore[attr-defined]
    await publish(
        broker,
        settings.broker_prefix,
        _customer_changed(seed, preferred_method=CommunicationMethod.EMAIL),
    )

    async def dispatched() -> list[dict[str, Any]]:
        return await seed.send_requests(blocked)

    [request] = await eventually(dispatched, what="the unblocked callout dispatched")
    assert request["idempotency_key"] == f"callout:{blocked}:2"
    row = await seed.row(blocked)
    assert (row.send_to, row.resend_at_customer_version) == ("ada@example.net", None)


async def test_update_recipient_while_the_customer_snapshot_arrives_is_not_lost(
    seed: Seed,
) -> None:
    blocked = await seed.callout(S.BLOCKED_BY_ALLOWED_METHODS, send_attempt=1)
    ctx = seed.client.app.state.context  # type: ignore[attr-defined]
    snapshot: Envelope[CustomerRegistered] = Envelope.wrap(_customer_changed(seed))
    async with seed.runtime.uow() as arriving:
        # The snapshot is stored and has looked for callouts waiting for it (none yet),
        # but is not committed when the user's "update recipient" comes in.
        await projections.on_customers(ctx, arriving, [snapshot])
        action = asyncio.create_task(
            seed.client.post(f"/callouts/{blocked}/update-recipient", json={"customer_version": 2})
        )
        # It waits for the customer row (a backend blocked on a lock, not done).
        await eventually(lambda: _lock_waits(seed), what="the action waiting for the lock")
        assert not action.done()
        await arriving.commit()
    response = await action
    assert response.status_code == 200, response.text
    body = response.json()
    # It saw version 2 and resent at once, instead of waiting for a version already here.
    assert (body["state"], body["resend_at_customer_version"]) == ("approved", None)


def _customer_changed(seed: Seed, **changes: Any) -> CustomerChanged:
    """Version 2 of the seed's customer: a new e-mail address, as catalog would send it."""
    snapshot = customer_registered(
        customer_id=seed.customer_id, version=2, customer_number="C-1", emails=["ada@example.net"]
    )
    return CustomerChanged(**snapshot.model_dump() | changes)


async def _lock_waits(seed: Seed) -> int:
    """How many sessions of scheduling's database wait for a row lock now."""
    async with seed.runtime.sessionmaker() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return int(waiting or 0)


async def test_synchronize_rereads_the_recipient(seed: Seed) -> None:
    sent = await seed.callout(S.SENT, send_to="old@example.com")
    failed = await seed.callout(S.FAILED, send_attempt=1, error="boom")
    cancelled = await seed.callout(S.CANCELLED)
    blocked = await seed.callout(S.BLOCKED_BY_ALLOWED_METHODS)
    response = await seed.client.post(
        "/callouts/actions/synchronize", json={"ids": [sent, failed, cancelled, blocked]}
    )
    body = response.json()
    # Only re-reads, in the seed's states: the failed callout stays failed, unsent.
    assert {r["id"]: r["state"] for r in body["acted"]} == {sent: "sent", failed: "failed"}
    assert {r["id"] for r in body["skipped"]} == {cancelled, blocked}
    assert (await seed.row(sent)).send_to == "ada@example.com"
    row = await seed.row(failed)
    assert (row.state, row.send_to, row.due_at.year) == (S.FAILED, "ada@example.com", 2099)
    assert await seed.send_requests(failed) == []


async def test_show_message_settings_and_error(seed: Seed) -> None:
    waiting = await seed.callout(S.AWAITING_APPROVAL)
    shown = (await seed.client.get(f"/callouts/{waiting}/message")).json()
    assert (shown["messages"], shown["warning"]) == (
        [],
        "no message has been generated for this callout yet",
    )
    settings = (await seed.client.get(f"/callouts/{waiting}/settings")).json()
    assert settings["step_description"] == "1st reminder"
    rows = {r["field"]: r for r in settings["fields"]}
    assert (rows["email_subject"]["initial"], rows["email_subject"]["on_completion"]) == (
        "Due",
        "Done",
    )
    assert rows["print_tag"]["on_completion"] == "T1"
    no_error = await seed.client.get(f"/callouts/{waiting}/error")
    assert (no_error.status_code, no_error.json()["field"]) == (409, "state")

    blocked = await seed.callout(
        S.SMS_SETUP_MISSING, error="no SMS sender", trace_id="cd" * 16, error_at=NOW
    )
    error = (await seed.client.get(f"/callouts/{blocked}/error")).json()
    assert (error["state"], error["reason"], error["trace_id"]) == (
        "sms_setup_missing",
        "no SMS sender",
        "cd" * 16,
    )
    for path in ("message", "settings", "error", "history"):
        missing = await seed.client.get(f"/callouts/{uuid.uuid4()}/{path}")
        assert missing.status_code == 404, path


async def test_a_blocked_result_records_its_reason(seed: Seed, settings: Settings) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    await seed.client.post(f"/callouts/{callout}/send-now")
    [request] = await seed.send_requests(callout)
    await _result(
        seed,
        settings,
        MessageBlocked(
            message_id=uuid.uuid4(),
            idempotency_key=request["idempotency_key"],
            requester="scheduling",
            requester_reference=callout,
            business_object=None,
            reason=BlockReason.PREFERRED_NOT_POSSIBLE,
            detail="the customer prefers letters",
        ),
    )
    row = await _state(seed, callout, S.PREFERRED_NOT_POSSIBLE)
    assert row.error == "the customer prefers letters"


async def test_recalculate_plans_one_item(seed: Seed) -> None:
    response = await seed.client.post(f"/callouts/serial-items/{seed.item_id}/recalculate")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "serial_item_id": str(seed.item_id),
        "workflows": 1,
        "created": 1,
        "moved": 0,
        "updated": 0,
        "withdrawn": 0,
    }
    tab = await seed.client.get("/callouts", params={"serial_item_id": str(seed.item_id)})
    [callout] = tab.json()["items"]
    assert (callout["state"], callout["step_description"]) == ("awaiting_approval", "1st reminder")
    [entry] = (await seed.client.get(f"/callouts/{callout['id']}/history")).json()
    assert (entry["action"], entry["actor"], entry["detail"]) == (
        "recalculate",
        "tester",
        f"created for {callout['scheduled_for']}",
    )
    again = await seed.client.post(f"/callouts/serial-items/{seed.item_id}/recalculate")
    assert again.status_code == 200
    assert again.json()["created"] == 0  # nothing changed: nothing recorded either
    assert len((await seed.client.get(f"/callouts/{callout['id']}/history")).json()) == 1
    tab = await seed.client.get("/callouts", params={"serial_item_id": str(seed.item_id)})
    assert len(tab.json()["items"]) == 1
    missing = await seed.client.post(f"/callouts/serial-items/{uuid.uuid4()}/recalculate")
    assert (missing.status_code, missing.json()["field"]) == (404, "serial_item_id")


async def test_bad_action_input_is_named(seed: Seed) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    anonymous = await seed.client.post(
        f"/callouts/{callout}/approve", headers={"X-Aftersales-User": ""}
    )
    assert (anonymous.status_code, anonymous.json()["field"]) == (400, "header.X-Aftersales-User")
    unknown = await seed.client.post(f"/callouts/{callout}/explode")
    assert (unknown.status_code, unknown.json()["field"]) == (422, "path.action")
    empty = await seed.client.post("/callouts/actions/approve", json={"ids": []})
    assert (empty.status_code, empty.json()["field"]) == (422, "ids")
    not_ids = await seed.client.post("/callouts/actions/approve", json={"ids": ["x"]})
    assert (not_ids.status_code, not_ids.json()["field"]) == (422, "ids.0")
    missing = await seed.client.post(f"/callouts/{uuid.uuid4()}/cancel")
    assert missing.status_code == 404
    assert (await seed.row(callout)).state == S.AWAITING_APPROVAL


async def test_recalculate_withdraws_a_type_that_no_longer_applies(
    app_client: httpx.AsyncClient,
) -> None:
    seed = Seed(app_client)
    elsewhere = seed.service_type.model_copy(
        update={
            "links": [
                seed.service_type.links[0].model_copy(update={"main_product_id": uuid.uuid4()})
            ]
        }
    )
    await seed.world(service_type=elsewhere)
    workflow_id = uuid.uuid4()
    async with seed.runtime.sessionmaker() as session, session.begin():
        await session.execute(
            tables.workflow.insert().values(
                id=workflow_id,
                service_type_id=elsewhere.service_type_id,
                serial_item_id=seed.item_id,
            )
        )
    pending = await seed.callout(S.AWAITING_APPROVAL, workflow_id=workflow_id)
    sent = await seed.callout(S.SENT, workflow_id=workflow_id, occurrence=1)
    other_item = await seed.callout(S.AWAITING_APPROVAL, serial_item_id=uuid.uuid4())

    response = await app_client.post(f"/callouts/serial-items/{seed.item_id}/recalculate")
    assert response.json()["workflows"] == 1
    assert response.json()["withdrawn"] == 1
    assert (await seed.row(pending)).state == S.CANCELLED
    [entry] = (await app_client.get(f"/callouts/{pending}/history")).json()
    assert (entry["from_state"], entry["to_state"]) == ("awaiting_approval", "cancelled")
    assert entry["detail"] == "withdrawn: the service type no longer applies to the item"
    assert (await seed.row(sent)).state == S.SENT
    assert (await seed.row(other_item)).state == S.AWAITING_APPROVAL
