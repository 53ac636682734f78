"""Which deliveries one ack covers: the tag arithmetic of gathered acks."""

from __future__ import annotations

from aftersales_kit.acks import DeliveryTags


def test_a_turn_of_the_lowest_deliveries_is_one_multiple_ack() -> None:
    tags = DeliveryTags()
    assert tags.acks([3, 1, 2]) == (3, [])
    assert tags.acks([4, 5]) == (5, [])
    assert tags.low == 5


def test_deliveries_above_one_still_applied_are_acked_one_by_one() -> None:
    tags = DeliveryTags()
    # 1 is still being applied (another batch): 2 and 3 cannot be covered.
    assert tags.acks([2, 3]) == (None, [2, 3])
    # Once 1 is acked, the multiple ack stops at 1: 2 and 3 are acked already, and the
    # broker would not find a multiple ack's own tag among the unacknowledged.
    assert tags.acks([1]) == (1, [])
    assert tags.low == 3
    assert tags.acks([5, 4]) == (5, [])


def test_a_nack_apart_lets_the_acks_above_it_be_one() -> None:
    tags = DeliveryTags()
    tags.settled_apart(2)
    assert tags.acks([1, 3, 4]) == (4, [])


def test_only_deliveries_settled_apart_cover_nothing_to_ack() -> None:
    tags = DeliveryTags()
    tags.settled_apart(1)
    tags.settled_apart(2)
    assert tags.low == 2
    assert tags.acks([4]) == (None, [4])
    assert tags.acks([3]) == (3, [])
    assert tags.low == 4
    assert not tags.above


def test_the_same_tag_twice_in_a_turn_is_acked_once() -> None:
    tags = DeliveryTags()
    assert tags.acks([1, 1, 2]) == (2, [])
