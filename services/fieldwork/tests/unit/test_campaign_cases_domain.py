"""Ticking campaign cases done: which id is not offered, and a case ticked twice."""

from __future__ import annotations

import uuid

from fieldwork.campaign_cases.domain import once_each, unticked


def test_the_first_id_not_offered_is_named_by_its_position() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert unticked([a, b], {a, b}) is None
    assert unticked([], {a}) is None
    assert unticked([a, c, b, uuid.uuid4()], {a, b}) == 1
    assert unticked([a], set()) == 0


def test_a_case_ticked_twice_is_done_once_in_the_order_given() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert once_each([b, a, b, a]) == [b, a]
    assert once_each([]) == []
