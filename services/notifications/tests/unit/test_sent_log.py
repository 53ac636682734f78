"""The sent log's pure parts: its cursor (the kit's, in the log's order) and the
"object changed since" flag."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from aftersales_kit.pagination import InvalidCursor, decode_cursor, encode_cursor
from notifications.sent_log.domain import ORDER, latest_version, object_changed

KINDS = (datetime, uuid.UUID)


def test_a_cursor_round_trips_in_the_logs_order() -> None:
    at = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)
    message_id = uuid.uuid4()
    assert decode_cursor(encode_cursor((at, message_id), ORDER), KINDS, ORDER) == (at, message_id)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not-base64!",
        # Another list's order, and the time without its zone.
        encode_cursor((datetime(2026, 11, 23, tzinfo=UTC), uuid.uuid4()), "created_at"),
        encode_cursor((datetime(2026, 11, 23, 9, 0), uuid.uuid4()), ORDER),  # noqa: DTZ001
    ],
)
def test_a_cursor_the_log_did_not_give_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, KINDS, ORDER)


def test_the_latest_version_is_the_newest_any_source_knows() -> None:
    assert latest_version(None, None) is None
    assert latest_version(3, None) == 3
    assert latest_version(None, 4) == 4
    assert latest_version(5, 4) == 5


def test_an_entry_sent_for_an_older_version_is_flagged() -> None:
    assert object_changed(1, 2) is True
    assert object_changed(2, 2) is False
    # The caller's current version may lag what a send request carried: never flag then.
    assert object_changed(3, 3) is False
    assert object_changed(2, None) is False
    assert object_changed(None, 5) is None
