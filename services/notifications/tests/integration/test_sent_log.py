"""The sent log of a business object: who sent what, when, by which channel; pages,
filters, and the flag on entries sent before the object changed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from aftersales_contracts.notifications import SendMessage
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import unique
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import eventually
from notifications.sending import handlers

from .helpers import publish, send_body

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def about(kind: str, object_id: str, version: int | None) -> dict[str, Any]:
    return {"kind": kind, "id": object_id, "version": version}


async def log_of(client: httpx.AsyncClient, kind: str, object_id: str, **params: Any) -> Any:
    response = await client.get(
        "/messages",
        params={"business_object_kind": kind, "business_object_id": object_id} | params,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def request_at(
    runtime: ServiceRuntime, now: datetime, body: dict[str, Any], requested_by: str | None = None
) -> str:
    """A send request stored at ``now`` (the use case with an injected clock)."""
    async with runtime.uow() as uow:
        out, _ = await handlers.request_message(
            SendMessage.model_validate(body),
            uow,
            now=now,
            requested_by=requested_by,
            sms_ready=True,
        )
    return str(out.id)


async def test_an_entry_says_when_to_whom_which_channel_and_by_whom(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    kind, object_id = "fieldwork.order", unique()
    by_user = send_body(business_object=about(kind, object_id, 1))
    response = await client.post(
        "/messages", json=by_user, headers={"X-Aftersales-User": "planner1"}
    )
    assert response.status_code == 202, response.text
    # A command with no user: the requesting service sent it.
    by_system = send_body(requester="scheduling", business_object=about(kind, object_id, 1))
    await publish(runtime, SendMessage.model_validate(by_system), command=True)
    # A command naming the user on whose behalf the service asks.
    on_behalf = send_body(
        requester="fieldwork", requested_by="tech7", business_object=about(kind, object_id, 1)
    )
    await publish(runtime, SendMessage.model_validate(on_behalf), command=True)

    async def entries() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await log_of(client, kind, object_id))["items"]
        return items

    items = await eventually(
        entries,
        lambda items: len(items) == 3 and all(i["state"] == "sent" for i in items),
        what="three entries sent",
    )
    by_reference = {i["requester_reference"]: i for i in items}
    user_entry = by_reference[by_user["requester_reference"]]
    assert user_entry["sent_by"] == {"kind": "user", "name": "planner1"}
    assert user_entry["channel"] == "email"
    assert user_entry["to"] == by_user["recipient"]["emails"]
    assert user_entry["subject"] == "Service due for SN-1"
    assert user_entry["sent_at"] is not None
    assert user_entry["business_object"] == about(kind, object_id, 1)
    assert user_entry["object_changed"] is False
    assert by_reference[by_system["requester_reference"]]["sent_by"] == {
        "kind": "system",
        "name": "scheduling",
    }
    assert by_reference[on_behalf["requester_reference"]]["sent_by"] == {
        "kind": "user",
        "name": "tech7",
    }
    # The message itself says who asked too.
    shown = (await client.get(f"/messages/{user_entry['message_id']}")).json()
    assert shown["requested_by"] == "planner1"


async def test_a_later_version_or_the_current_one_flags_older_entries(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    kind, object_id = "fieldwork.order", unique()
    first = await request_at(runtime, T0, send_body(business_object=about(kind, object_id, 1)))
    page = await log_of(client, kind, object_id)
    assert page["latest_version"] == 1
    assert [i["object_changed"] for i in page["items"]] == [False]

    # The order changed and the caller says so when it reads the log: flagged.
    page = await log_of(client, kind, object_id, current_version=2)
    assert page["latest_version"] == 2
    assert [i["object_changed"] for i in page["items"]] == [True]

    # A send request for the changed order (version 2) flags the first for everyone.
    second = await request_at(
        runtime, T0 + timedelta(minutes=5), send_body(business_object=about(kind, object_id, 2))
    )
    page = await log_of(client, kind, object_id)
    assert page["latest_version"] == 2
    assert [(i["message_id"], i["object_changed"]) for i in page["items"]] == [
        (second, False),
        (first, True),
    ]
    # A caller lagging behind (version 1) does not unflag anything.
    page = await log_of(client, kind, object_id, current_version=1)
    assert [i["object_changed"] for i in page["items"]] == [False, True]

    # A request without a version cannot be compared: neither flagged nor cleared.
    await request_at(
        runtime, T0 + timedelta(minutes=9), send_body(business_object=about(kind, object_id, None))
    )
    page = await log_of(client, kind, object_id)
    assert [i["object_changed"] for i in page["items"]] == [None, False, True]


async def test_pages_newest_first_with_a_cursor_through_equal_times(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    kind, object_id = "scheduling.callout", unique()
    ids = []
    # Three at the very same instant: the id breaks the tie, so none is lost or repeated.
    for minute in (0, 1, 1, 1, 2):
        body = send_body(business_object=about(kind, object_id, 1))
        ids.append(
            (
                T0 + timedelta(minutes=minute),
                await request_at(runtime, T0 + timedelta(minutes=minute), body),
            )
        )
    expected = [i for _, i in sorted(ids, key=lambda p: (p[0], uuid.UUID(p[1])), reverse=True)]
    # Another object's messages never show.
    await request_at(runtime, T0, send_body(business_object=about(kind, unique(), 1)))

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await log_of(client, kind, object_id, **params)
        seen += [i["message_id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 3


async def test_filters_by_channel_state_and_time(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    kind, object_id = "fieldwork.order", unique()
    bo = about(kind, object_id, 1)
    queued = await request_at(runtime, T0, send_body(business_object=bo))
    # No subject and body: blocked (nothing to send), channel e-mail.
    blocked = await request_at(
        runtime,
        T0 + timedelta(hours=1),
        send_body(business_object=bo, content={"sms_text": "hello"}, values={}),
    )
    sms = await request_at(
        runtime,
        T0 + timedelta(hours=2),
        send_body(
            business_object=bo,
            recipient={"mobiles": [f"+4670{uuid.uuid4().int % 10**7:07d}"]},
            content={"sms_text": "Your order {{ n }}"},
            values={"n": "1"},
        ),
    )

    def ids(page: Any) -> list[str]:
        return [i["message_id"] for i in page["items"]]

    assert ids(await log_of(client, kind, object_id)) == [sms, blocked, queued]
    assert ids(await log_of(client, kind, object_id, channel="sms")) == [sms]
    assert ids(await log_of(client, kind, object_id, channel="email")) == [blocked, queued]
    assert ids(await log_of(client, kind, object_id, state="blocked")) == [blocked]
    assert ids(await log_of(client, kind, object_id, state="queued")) == [sms, queued]
    entry = (await log_of(client, kind, object_id, state="blocked"))["items"][0]
    assert entry["reason"] == "email_settings_missing"  # no subject and body
    assert entry["sent_at"] is None
    window = {
        "since": (T0 + timedelta(minutes=30)).isoformat(),
        "until": (T0 + timedelta(hours=2)).isoformat(),
    }
    assert ids(await log_of(client, kind, object_id, **window)) == [blocked]
    assert ids(await log_of(client, kind, object_id, since=window["since"])) == [sms, blocked]
    assert ids(await log_of(client, kind, "no-such-object")) == []


async def test_bad_queries_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    base = {"business_object_kind": "fieldwork.order", "business_object_id": "o-1"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"business_object_kind": "fieldwork.order"}, "query.business_object_id"),
        ({"business_object_id": "o-1"}, "query.business_object_kind"),
        (base | {"business_object_kind": ""}, "query.business_object_kind"),
        (base | {"cursor": "not-a-cursor"}, "query.cursor"),
        (base | {"current_version": -1}, "query.current_version"),
        (base | {"current_version": "new"}, "query.current_version"),
        (base | {"channel": "fax"}, "query.channel"),
        (base | {"state": "lost"}, "query.state"),
        (base | {"since": "2026-11-23T09:00:00"}, "query.since"),
        (base | {"until": "yesterday"}, "query.until"),
        (
            base | {"since": "2026-11-23T10:00:00Z", "until": "2026-11-23T09:00:00Z"},
            "query.until",
        ),
        (base | {"limit": 0}, "query.limit"),
        (base | {"limit": 501}, "query.limit"),
    ]
    for params, field in cases:
        response = await client.get("/messages", params=params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == field, (params, response.json())
