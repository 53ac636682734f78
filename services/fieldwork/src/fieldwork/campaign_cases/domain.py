"""Pure rules of ticking campaign cases done at an order's completion."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence


def unticked(done: Sequence[uuid.UUID], offered: Collection[uuid.UUID]) -> int | None:
    """The position of the first id in ``done`` that is not among the ``offered`` cases
    (the open campaign cases of the order's serial items), or None when all are."""
    for index, case_id in enumerate(done):
        if case_id not in offered:
            return index
    return None


def once_each(done: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """``done`` without repeats, in the order given (a case ticked twice is done once)."""
    return list(dict.fromkeys(done))
