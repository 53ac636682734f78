"""Keyset pagination, the one shape of every list: ``{items, next_cursor}``.

A page is the rows after the last one seen, in a whitelisted sort order with the row id
as the tie breaker: no OFFSET, stable while rows are added. The cursor is opaque to
clients: URL-safe base64 of ``{"s": <sort>, "k": [<key values>]}``; a cursor from
another sort order, or one this service did not give out, is a 422 naming
``query.cursor``. A sort that is not offered is a 422 naming ``query.sort``.

Pure (no SQLAlchemy, no FastAPI): the domain may use it; ``aftersales_kit.keyset``
turns a decoded cursor into SQL, ``aftersales_kit.http`` has the query parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from aftersales_kit.problems import Unprocessable

DEFAULT_PAGE_SIZE = 50
# The largest page any list answers (exports stream instead of paging).
MAX_PAGE_SIZE = 500
# Longer than any cursor we give out (a sort key is at most a few hundred characters).
MAX_CURSOR_LENGTH = 1000

T = TypeVar("T")
Row = TypeVar("Row")
KeyValue = str | int | uuid.UUID | date | datetime | None


class InvalidSort(Unprocessable):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="query.sort")


class InvalidCursor(Unprocessable):
    def __init__(self, detail: str = "the cursor is not one this list gave out") -> None:
        super().__init__(detail, field="query.cursor")


@dataclass(frozen=True)
class Sort:
    """A whitelisted sort field and its direction (``name`` or ``-name``)."""

    field: str
    descending: bool = False

    @classmethod
    def parse(cls, text: str, allowed: Sequence[str] | frozenset[str]) -> Sort:
        descending = text.startswith("-")
        name = text[1:] if descending else text
        if name not in allowed:
            raise InvalidSort(
                f"cannot sort by {name!r}; choose one of {', '.join(sorted(allowed))}"
            )
        return cls(name, descending)

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.field


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None


def _encode_value(value: KeyValue) -> str | int | None:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(key: Sequence[KeyValue], sort: Sort | str = "") -> str:
    """An opaque cursor: the sort it belongs to and the last row's key (sort value, id)."""
    raw = json.dumps({"s": str(sort), "k": [_encode_value(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def _decode_value(value: Any, kind: type) -> KeyValue:
    if value is None:
        return None
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not an integer")
        return value
    if not isinstance(value, str):
        raise ValueError("not a string")
    if kind is str:
        return value
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("a time without its zone")
        return parsed
    if kind is date:
        return date.fromisoformat(value)
    raise TypeError(f"no cursor values of {kind!r}")


def decode_cursor(cursor: str, kinds: Sequence[type], sort: Sort | str = "") -> tuple[Any, ...]:
    """The key a cursor holds, each value of its ``kinds`` (str, int, UUID, date,
    datetime; a value may be null); ``InvalidCursor`` for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.b64decode(padded, altchars=b"-_", validate=True))
        if not isinstance(data, dict) or not isinstance(data.get("k"), list):
            raise ValueError("not a cursor")
        if data.get("s") != str(sort):
            raise InvalidCursor("the cursor belongs to another sort order")
        values = data["k"]
        if len(values) != len(kinds):
            raise ValueError("wrong number of key values")
        return tuple(_decode_value(v, k) for v, k in zip(values, kinds, strict=True))
    except InvalidCursor:
        raise
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCursor() from error


def page_of(
    rows: Sequence[Row], limit: int, key: Callable[[Row], Sequence[KeyValue]], sort: Sort | str = ""
) -> tuple[list[Row], str | None]:
    """The page and its next cursor from ``limit + 1`` rows fetched in keyset order:
    the extra row only says that there is a next page."""
    if len(rows) <= limit:
        return list(rows), None
    page = list(rows[:limit])
    return page, encode_cursor(key(page[-1]), sort)
