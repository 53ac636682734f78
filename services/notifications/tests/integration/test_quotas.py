"""Send quotas through the HTTP route and the send-request command (the real broker):
addresses and SMS segments per request, messages and segments per requester, channel and
UTC day, counted in PostgreSQL; with small limits so that they are reached quickly."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from aftersales_contracts.notifications import SendMessage
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address, unique
from aftersales_testing.waiting import eventually
from notifications import tables
from notifications.settings import Settings

from ..conftest import outbox_payloads
from .helpers import publish, send_body, send_together
from .test_sending import message_by_key
from .test_sms import mobile, sms_body

# 161 GSM-7 characters: two segments.
TWO_SEGMENTS = "x" * 161


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The session's settings with small quotas (``api``, ``client`` and ``runtime`` use
    them in this module)."""
    return settings.model_copy(
        update={
            "max_emails_per_request": 3,
            "max_mobiles_per_request": 2,
            "max_sms_segments_per_request": 3,
            "daily_emails_per_requester": 2,
            "daily_sms_per_requester": 5,
            "daily_sms_segments_per_requester": 4,
        }
    )


def refused(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    return body


async def failed_by_command(runtime: ServiceRuntime, body: dict[str, Any]) -> str:
    """Send ``body`` as a command; the message fails and MessageFailed says why."""
    await publish(runtime, SendMessage.model_validate(body), command=True)
    rows = await eventually(lambda: message_by_key(runtime, body["idempotency_key"]))
    assert rows[0]["status"] == "failed", rows[0]
    failed = await outbox_payloads(runtime, "notifications.message.failed", rows[0]["id"])
    assert failed[0]["requester_reference"] == body["requester_reference"]
    reason: str = failed[0]["reason"]
    assert reason == rows[0]["reason"]
    return reason


async def test_too_many_addresses_in_one_request_are_refused_naming_the_list(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    four = send_body(recipient={"emails": [email_address() for _ in range(4)]})
    body = refused(await client.post("/messages", json=four), 422, "recipient.emails")
    assert "at most 3" in body["detail"]
    assert await message_by_key(runtime, four["idempotency_key"]) == []
    three_mobiles = sms_body(recipient={"mobiles": [mobile() for _ in range(3)]})
    refused(await client.post("/messages", json=three_mobiles), 422, "recipient.mobiles")
    assert await message_by_key(runtime, three_mobiles["idempotency_key"]) == []
    # At the limit: accepted.
    three = send_body(
        requester=unique("q-"), recipient={"emails": [email_address() for _ in range(3)]}
    )
    assert (await client.post("/messages", json=three)).status_code == 202

    # A command over the limit fails and the requester hears why.
    assert "4 e-mail addresses" in await failed_by_command(runtime, four | {"requester": "q"})


async def test_sms_segments_per_request_count_every_number(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    requester = unique("q-")
    # Two numbers x two segments = 4 > 3.
    costly = sms_body(
        requester=requester,
        recipient={"mobiles": [mobile(), mobile()]},
        content={"sms_text": TWO_SEGMENTS},
    )
    body = refused(await client.post("/messages", json=costly), 422, "recipient.mobiles")
    assert "4 segments" in body["detail"]
    assert await message_by_key(runtime, costly["idempotency_key"]) == []
    # One number x two segments: accepted.
    one = costly | {"idempotency_key": unique("key-"), "recipient": {"mobiles": [mobile()]}}
    assert (await client.post("/messages", json=one)).status_code == 202

    assert "4 segments" in await failed_by_command(
        runtime, costly | {"requester": unique("q-"), "idempotency_key": unique("key-")}
    )


async def test_a_requesters_daily_email_quota_answers_429_until_midnight(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    requester = unique("q-")
    first = send_body(requester=requester)
    assert (await client.post("/messages", json=first)).status_code == 202
    assert (await client.post("/messages", json=send_body(requester=requester))).status_code == 202
    third = send_body(requester=requester)
    response = await client.post("/messages", json=third)
    body = refused(response, 429, "requester")
    assert "at most 2 messages" in body["detail"]
    assert 1 <= int(response.headers["Retry-After"]) <= 86_400
    assert await message_by_key(runtime, third["idempotency_key"]) == []
    # A repeated key is no new message: answered, not counted, not refused.
    assert (await client.post("/messages", json=first)).status_code == 200
    # Another requester and another channel have their own counts.
    assert (
        await client.post("/messages", json=send_body(requester=unique("q-")))
    ).status_code == 202
    sms = sms_body(requester=requester, recipient={"mobiles": [mobile()]})
    assert (await client.post("/messages", json=sms)).status_code == 202
    # An e-mail that is blocked goes nowhere, so it costs nothing: stored, not refused.
    blocked = send_body(requester=requester, channel="email", content={"sms_text": "x"})
    shown = await client.post("/messages", json=blocked)
    assert shown.status_code == 202, shown.text
    assert shown.json()["status"] == "blocked"

    # The command path counts in the same place: it fails, naming the quota.
    reason = await failed_by_command(runtime, send_body(requester=requester))
    assert "quota" in reason


async def test_a_requesters_daily_sms_segments_are_counted(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    requester = unique("q-")

    def two_segments() -> dict[str, Any]:
        return sms_body(
            requester=requester,
            recipient={"mobiles": [mobile()]},
            content={"sms_text": TWO_SEGMENTS},
        )

    assert (await client.post("/messages", json=two_segments())).status_code == 202
    assert (await client.post("/messages", json=two_segments())).status_code == 202
    # 2 of 5 messages, but 4 of 4 segments: the third is refused.
    response = await client.post("/messages", json=two_segments())
    body = refused(response, 429, "requester")
    assert "4 SMS segments" in body["detail"]
    assert "Retry-After" in response.headers


async def test_concurrent_requests_share_one_count(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    # Each request has its own transaction and connection, as on separate replicas.
    requester = unique("q-")
    bodies = [send_body(requester=requester) for _ in range(8)]
    answers = await asyncio.gather(*(client.post("/messages", json=b) for b in bodies))
    assert sorted(a.status_code for a in answers) == [202, 202] + [429] * 6
    stored = [await message_by_key(runtime, b["idempotency_key"]) for b in bodies]
    assert sum(len(rows) for rows in stored) == 2


async def _quota(runtime: ServiceRuntime, requester: str) -> dict[str, tuple[int, int]]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(
                tables.send_quota.c.channel,
                tables.send_quota.c.messages,
                tables.send_quota.c.sms_segments,
            ).where(tables.send_quota.c.requester == requester)
        )
        return {channel: (messages, segments) for channel, messages, segments in rows}


async def test_commands_taken_as_a_batch_count_as_if_each_came_alone(
    client: httpx.AsyncClient, runtime: ServiceRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aftersales_kit.inbox")
    crowded, roomy = unique("q-"), unique("q-")
    # One of the crowded requester's two e-mails of the day is used already.
    assert (await client.post("/messages", json=send_body(requester=crowded))).status_code == 202
    emails = [send_body(requester=crowded) for _ in range(3)]  # one fits, in its turn
    blocked = send_body(requester=crowded, channel="email", content={"sms_text": "x"})
    texts = [sms_body(requester=crowded, recipient={"mobiles": [mobile()]}) for _ in range(2)]
    others = [send_body(requester=roomy) for _ in range(2)]  # fit together
    commands = [emails[0], texts[0], others[0], blocked, emails[1], others[1], texts[1], emails[2]]
    await send_together(runtime, commands)

    async def status(body: dict[str, Any]) -> str:
        [row] = await message_by_key(runtime, body["idempotency_key"])
        return str(row["status"])

    created = [(await message_by_key(runtime, b["idempotency_key"]))[0] for b in commands]
    assert len({row["created_at"] for row in created}) < len(commands)  # taken together
    assert [await status(b) for b in emails] == ["queued", "failed", "failed"]
    [over] = await message_by_key(runtime, emails[1]["idempotency_key"])
    assert "quota" in over["reason"]
    assert await status(blocked) == "blocked"
    assert [await status(b) for b in texts + others] == ["queued"] * 4
    # Counted: what went out, nothing for the refused or the blocked ones.
    assert await _quota(runtime, crowded) == {"email": (2, 0), "sms": (2, 2)}
    assert await _quota(runtime, roomy) == {"email": (2, 0)}
    assert not [r for r in caplog.records if "one message at a time" in r.getMessage()]
