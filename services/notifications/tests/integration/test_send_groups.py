"""HTTP send requests in flight together, stored in one transaction (``sending.groups``):
each answered as if it came alone, and a group that loses a race for a key goes one
request at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncTransaction

from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import unique
from aftersales_testing.waiting import eventually
from notifications import tables
from notifications.settings import Settings

from .helpers import send_body
from .test_sending import message_by_key


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A small daily e-mail quota (``api`` and ``client`` use it in this module)."""
    return settings.model_copy(update={"daily_emails_per_requester": 3})


async def test_requests_in_flight_together_are_each_answered_as_if_alone(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    crowded, other, users = unique("g-"), unique("g-"), unique("g-")
    earlier = send_body(requester=crowded)
    assert (await client.post("/messages", json=earlier)).status_code == 202
    plain = [send_body(requester=crowded) for _ in range(3)]  # two of the day's three left
    invalid = send_body(requester=other, values={"serial_number": "SN-1"})
    twice = send_body(requester=other)
    mine = [send_body(requester=users) for _ in range(3)]
    bodies: list[tuple[dict[str, Any], str]] = [
        *[(body, "planner") for body in plain],
        (invalid, "planner"),
        (earlier, "planner"),
        (twice, "planner"),
        (twice, "planner"),
        *[(body, f"user-{i}") for i, body in enumerate(mine)],
    ]
    answers = await asyncio.gather(
        *(
            client.post("/messages", json=body, headers={"X-Aftersales-User": user})
            for body, user in bodies
        )
    )
    statuses = [a.status_code for a in answers]

    assert sorted(statuses[:3]) == [202, 202, 429]
    over = answers[statuses[:3].index(429)]
    assert over.json()["field"] == "requester"
    assert "Retry-After" in over.headers
    assert statuses[3] == 422
    assert answers[3].json()["field"] == "values.customer_name"
    assert statuses[4] == 200
    assert answers[4].json()["id"] == (await _first(runtime, earlier))
    # The same key twice at once: one message, the second answered with it.
    assert sorted(statuses[5:7]) == [200, 202]
    assert answers[5].json()["id"] == answers[6].json()["id"]
    assert statuses[7:] == [202, 202, 202]
    # Each message is its own request's: who asked for it.
    for i, body in enumerate(mine):
        [row] = await message_by_key(runtime, body["idempotency_key"])
        assert row["requested_by"] == f"user-{i}"
    # Nothing of a refused request is stored or counted.
    refused = plain[statuses[:3].index(429)]
    assert await message_by_key(runtime, refused["idempotency_key"]) == []
    assert await message_by_key(runtime, invalid["idempotency_key"]) == []
    assert await _emails_counted(runtime, crowded) == 3
    assert await _emails_counted(runtime, other) == 1  # twice: once
    assert await _emails_counted(runtime, users) == 3
    # Stored together: requests in flight at once share a transaction (and its clock).
    created = {(await message_by_key(runtime, b["idempotency_key"]))[0]["created_at"] for b in mine}
    assert len(created) < len(mine)


async def test_a_group_that_loses_a_key_to_another_transaction_goes_one_by_one(
    client: httpx.AsyncClient, runtime: ServiceRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="notifications.sending.groups")
    requester = unique("g-")
    stored = send_body(requester=requester)
    response = await client.post("/messages", json=stored)
    assert response.status_code == 202
    contested = send_body(requester=requester)
    others = [send_body(requester=unique("g-")) for _ in range(3)]
    async with _rival(runtime, like=stored, key=contested["idempotency_key"]) as (
        rival_id,
        rival_transaction,
    ):
        posting = asyncio.gather(
            *(client.post("/messages", json=body) for body in [contested, *others])
        )
        await eventually(lambda: _waiting_for_a_lock(runtime))
        await rival_transaction.commit()
        answers = await posting

    assert answers[0].status_code == 200
    assert answers[0].json()["id"] == str(rival_id)
    assert [a.status_code for a in answers[1:]] == [202, 202, 202]
    for body in others:
        assert len(await message_by_key(runtime, body["idempotency_key"])) == 1
    assert [r for r in caplog.records if "one request at a time" in r.getMessage()]


async def _first(runtime: ServiceRuntime, body: dict[str, Any]) -> str:
    [row] = await message_by_key(runtime, body["idempotency_key"])
    return str(row["id"])


async def _emails_counted(runtime: ServiceRuntime, requester: str) -> int:
    async with runtime.sessionmaker() as session:
        counted = await session.scalar(
            select(tables.send_quota.c.messages).where(
                tables.send_quota.c.requester == requester,
                tables.send_quota.c.channel == "email",
            )
        )
    return int(counted or 0)


async def _waiting_for_a_lock(runtime: ServiceRuntime) -> bool:
    async with runtime.engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def test_a_group_waiting_for_a_lock_holds_only_its_own_requests(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    requester = unique("g-")
    stored = send_body(requester=requester)
    assert (await client.post("/messages", json=stored)).status_code == 202
    contested = send_body(requester=requester)
    async with _rival(runtime, like=stored, key=contested["idempotency_key"]) as (
        _,
        rival_transaction,
    ):
        waiting = asyncio.ensure_future(client.post("/messages", json=contested))
        await eventually(lambda: _waiting_for_a_lock(runtime))
        # Meanwhile other requests are stored by groups of their own.
        later = await asyncio.gather(
            *(client.post("/messages", json=send_body(requester=unique("g-"))) for _ in range(3))
        )
        assert [a.status_code for a in later] == [202, 202, 202]
        assert not waiting.done()
        await rival_transaction.commit()
        assert (await waiting).status_code == 200


@contextlib.asynccontextmanager
async def _rival(
    runtime: ServiceRuntime, *, like: dict[str, Any], key: str
) -> AsyncIterator[tuple[uuid.UUID, AsyncTransaction]]:
    """Another transaction (another replica) that stores ``key`` first (a copy of the
    message of ``like``) and has not committed yet: a group's lookup does not see it, its
    insert waits for it. The caller commits it."""
    async with runtime.engine.connect() as rival:
        transaction = await rival.begin()
        row = (await message_by_key(runtime, like["idempotency_key"]))[0]
        rival_id = uuid.uuid4()
        await rival.execute(
            insert(tables.message).values({**row, "id": rival_id, "idempotency_key": key})
        )
        yield rival_id, transaction
