"""The order a batch of notifications' results is recorded in (``results.in_lock_order``):
callouts locked by id, each callout's results as they came, other requesters' first."""

from __future__ import annotations

import uuid
from typing import Any

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import Channel, MessageFailed, MessageSent
from scheduling import domain, results
from scheduling.domain import Purpose


def _sent(requester: str, key: str) -> Envelope[Any]:
    return Envelope.wrap(
        MessageSent(
            message_id=uuid.uuid4(),
            idempotency_key=key,
            requester=requester,
            requester_reference="r",
            business_object=None,
            channel=Channel.EMAIL,
            sent_to=["a@example.com"],
        )
    )


def _failed(key: str) -> Envelope[Any]:
    return Envelope.wrap(
        MessageFailed(
            message_id=uuid.uuid4(),
            idempotency_key=key,
            requester="scheduling",
            requester_reference="r",
            business_object=None,
            channel=Channel.EMAIL,
            reason="550",
            trace_id=None,
        )
    )


def test_results_are_recorded_in_callout_order_each_callouts_in_arrival_order() -> None:
    low, high = sorted([uuid.uuid4(), uuid.uuid4()], key=str)
    first_high = _sent("scheduling", domain.idempotency_key(high, Purpose.INITIAL, 1))
    low_sent = _sent("scheduling", domain.idempotency_key(low, Purpose.INITIAL, 1))
    then_high = _failed(domain.idempotency_key(high, Purpose.INITIAL, 2))
    foreign = _sent("campaigns", "whatever")
    not_ours = _sent("scheduling", "not-a-callout-key")
    ordered = results.in_lock_order([first_high, low_sent, then_high, foreign, not_ours])
    assert ordered == [foreign, not_ours, low_sent, first_high, then_high]
