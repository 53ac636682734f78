"""Keyset cursors: one format for every list, and a 422 naming the parameter for any
cursor or sort the list did not give out."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime

import pytest

from aftersales_kit.pagination import (
    InvalidCursor,
    InvalidSort,
    Page,
    Sort,
    decode_cursor,
    encode_cursor,
    page_of,
)

ID = uuid.UUID("5f0c1f8e-9a4b-4c55-8f3e-0d6c9f1f2a10")
AT = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


def test_a_cursor_round_trips_every_kind_of_key_value() -> None:
    key = ("Müller & Söhne", 7, ID, date(2026, 2, 28), AT, None)
    kinds = (str, int, uuid.UUID, date, datetime, str)
    cursor = encode_cursor(key, Sort("name"))
    assert "=" not in cursor
    assert "+" not in cursor
    assert "/" not in cursor
    assert decode_cursor(cursor, kinds, Sort("name")) == key


def test_a_cursor_of_another_sort_order_is_refused() -> None:
    cursor = encode_cursor(("a", ID), Sort("name"))
    with pytest.raises(InvalidCursor, match="another sort order") as refused:
        decode_cursor(cursor, (str, uuid.UUID), Sort("name", descending=True))
    assert (refused.value.status, refused.value.field) == (422, "query.cursor")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(json.dumps({"s": "", "k": ["x"]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"s": "", "k": [1, "no-uuid"]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"s": "", "k": ["x", str(ID)]}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps([1, 2]).encode()).decode(),
        "A" * 2000,
    ],
)
def test_a_cursor_this_list_did_not_give_out_is_a_422(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as refused:
        decode_cursor(cursor, (int, uuid.UUID))
    assert refused.value.status == 422


def test_a_time_without_its_zone_is_not_a_cursor() -> None:
    cursor = encode_cursor((datetime(2026, 1, 1, 12, 0),))  # noqa: DTZ001 - the point
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, (datetime,))


def test_sort_is_whitelisted() -> None:
    assert Sort.parse("-created_at", ("created_at", "name")) == Sort("created_at", True)
    assert str(Sort.parse("-created_at", ("created_at",))) == "-created_at"
    with pytest.raises(InvalidSort, match="choose one of created_at, name") as refused:
        Sort.parse("password", frozenset({"created_at", "name"}))
    assert (refused.value.status, refused.value.field) == (422, "query.sort")


def test_page_of_trims_the_look_ahead_row_into_a_cursor() -> None:
    rows = [{"n": n, "id": n} for n in range(4)]
    page, cursor = page_of(rows, 3, lambda r: (r["n"], r["id"]))
    assert page == rows[:3]
    assert cursor is not None
    assert decode_cursor(cursor, (int, int)) == (2, 2)
    assert page_of(rows, 4, lambda r: (r["n"],)) == (rows, None)
    empty_tail = Page[int](items=[1], next_cursor=None)
    assert empty_tail.model_dump() == {"items": [1], "next_cursor": None}
