"""Keyset pagination in SQL: the WHERE and ORDER BY of a page after a decoded cursor
(``aftersales_kit.pagination``), over a sort key (a column or an expression such as a
``coalesce``) and the id as the tie breaker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, literal, tuple_


def after(
    columns: Sequence[ColumnElement[Any]], values: Sequence[Any], *, descending: bool = False
) -> ColumnElement[bool]:
    """Rows strictly after the key ``values`` in the order of ``columns``."""
    key = tuple_(*columns)
    last = tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
    return key < last if descending else key > last


def order(
    columns: Sequence[ColumnElement[Any]], *, descending: bool = False
) -> list[ColumnElement[Any]]:
    return [c.desc() if descending else c.asc() for c in columns]
