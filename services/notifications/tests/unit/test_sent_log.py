"""The sent log's pure parts: the keyset cursor and the "object changed since" flag."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from notifications.sent_log import (
    InvalidCursor,
    decode_cursor,
    encode_cursor,
    latest_version,
    object_changed,
)


def test_a_cursor_round_trips() -> None:
    at = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)
    message_id = uuid.uuid4()
    assert decode_cursor(encode_cursor(at, message_id)) == (at, message_id)


@pytest.mark.parametrize("cursor", ["", "not-base64!", "e30", "eyJ0IjoieCIsImlkIjoieSJ9"])
def test_a_malformed_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_a_cursor_without_a_time_zone_is_refused() -> None:
    naive = encode_cursor(datetime(2026, 11, 23, 9, 0), uuid.uuid4())
    with pytest.raises(InvalidCursor):
        decode_cursor(naive)


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
