"""The newest snapshot of each entity in a batch (the SQL side, upsert_if_newer, is
tested against PostgreSQL in tests/integration/test_projections.py)."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales_kit.projections import newest


@dataclass(frozen=True)
class Snap:
    id: str
    version: int


def test_newest_keeps_the_highest_version_of_each_entity_whatever_the_order() -> None:
    batch = [Snap("a", 2), Snap("b", 1), Snap("a", 3), Snap("a", 1), Snap("b", 1)]
    assert newest(batch, lambda s: s.id) == {"a": Snap("a", 3), "b": Snap("b", 1)}
