"""Notifications' migrations over a database that already holds messages, and back down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.migrations import downgrade, upgrade

from ..conftest import MIGRATIONS


def _sql(url: str, statement: str, params: dict[str, Any]) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params)
                return list(result.mappings()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


_MESSAGE = (
    "INSERT INTO message (id, requester, requester_reference, idempotency_key,"
    " channel_choice, requested_emails, recipients, status, created_at, updated_at,"
    " sms_text, sms_encoding, sms_segments)"
    " VALUES (:id, 'tests', 'ref', :key, 'sms', '{}', '{}', 'sent', now(), now(),"
    " 'x', :encoding, 1)"
)


def _encodings(url: str) -> dict[uuid.UUID, str | None]:
    rows = _sql(url, "SELECT id, sms_encoding FROM message", {})
    return {r["id"]: r["sms_encoding"] for r in rows}


def test_0006_spells_stored_sms_encodings_as_the_shared_module_does(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("notifications_migrations", None)
    upgrade(url, MIGRATIONS, "0005")
    gsm, ucs, none = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for message_id, encoding in ((gsm, "gsm7"), (ucs, "ucs2"), (none, None)):
        _sql(url, _MESSAGE, {"id": message_id, "key": str(message_id), "encoding": encoding})

    upgrade(url, MIGRATIONS)
    assert _encodings(url) == {gsm: "gsm-7", ucs: "ucs-2", none: None}
    # And back: the old spelling for the code before it.
    downgrade(url, MIGRATIONS, "0005")
    assert _encodings(url) == {gsm: "gsm7", ucs: "ucs2", none: None}


def test_every_revision_goes_down_and_up_again(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("notifications_round_trip", None)
    upgrade(url, MIGRATIONS)
    downgrade(url, MIGRATIONS)
    tables = _sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", {})
    assert [t["tablename"] for t in tables] == ["alembic_version"]
    upgrade(url, MIGRATIONS)


def test_0007_forgets_unconfirmed_on_the_way_down(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("notifications_migrations_0007", None)
    upgrade(url, MIGRATIONS)
    unsure = uuid.uuid4()
    _sql(url, _MESSAGE, {"id": unsure, "key": str(unsure), "encoding": None})
    _sql(url, "UPDATE message SET status = 'unconfirmed' WHERE id = :id", {"id": unsure})
    _sql(
        url,
        "INSERT INTO delivery_attempt (id, message_id, number, channel, recipients, started_at)"
        " VALUES (:id, :message, 1, 'sms', '{}', now())",
        {"id": uuid.uuid4(), "message": unsure},
    )
    downgrade(url, MIGRATIONS, "0006")
    # The code before knows no unconfirmed: the message waits to be sent again.
    assert _sql(url, "SELECT status FROM message", {}) == [{"status": "queued"}]
    upgrade(url, MIGRATIONS)
    assert _sql(url, "SELECT count(*) AS n FROM delivery_attempt", {}) == [{"n": 0}]


def _attempt(url: str, phase: str | None, outcome: str | None = None) -> uuid.UUID:
    attempt = uuid.uuid4()
    columns, values = "", ""
    if phase is not None:
        columns, values = ", phase", ", :phase"
    _sql(
        url,
        "INSERT INTO delivery_attempt (id, message_id, number, channel, recipients,"
        f" started_at, outcome{columns}) VALUES (:id, :message, 1, 'email', '{{}}', now(),"
        f" :outcome{values})",
        {"id": attempt, "message": uuid.uuid4(), "outcome": outcome, "phase": phase},
    )
    return attempt


def _attempts(url: str) -> dict[uuid.UUID, tuple[str | None, str | None]]:
    rows = _sql(url, "SELECT * FROM delivery_attempt", {})
    return {r["id"]: (r.get("phase"), r["outcome"]) for r in rows}


def test_0008_counts_older_attempts_as_handing_over_and_ends_preparing_ones_on_the_way_down(
    service_database: Callable[[str, Path | None], str],
) -> None:
    url = service_database("notifications_migrations_0008", None)
    upgrade(url, MIGRATIONS, "0007")
    # Written before the phase existed (or by a sender of the older code): maybe sent.
    older = _attempt(url, None)
    upgrade(url, MIGRATIONS)
    assert _attempts(url) == {older: ("handing_over", None)}

    preparing = _attempt(url, "preparing")
    handing_over = _attempt(url, "handing_over")
    sent = _attempt(url, "preparing", "sent")
    downgrade(url, MIGRATIONS, "0007")
    # The code before takes every unfinished attempt for maybe sent: one still
    # preparing is ended not_sent so that its message is sent, not held.
    assert _attempts(url) == {
        older: (None, None),
        preparing: (None, "not_sent"),
        handing_over: (None, None),
        sent: (None, "sent"),
    }
    upgrade(url, MIGRATIONS)
    assert _attempts(url)[handing_over] == ("handing_over", None)
