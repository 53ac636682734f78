"""A batch of notifications' results (``results.addressed`` and ``results.changes``):
only scheduling's own results count, and each callout's results apply in the order they
came, each to the callout as the ones before it left it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import Channel, MessageFailed, MessageSent
from scheduling import domain, results
from scheduling.domain import CalloutState, Outcome, Purpose

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


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
            reason="550 mailbox unavailable",
            trace_id=None,
        )
    )


def _callout(attempt: int) -> dict[str, Any]:
    return {
        "state": CalloutState.APPROVED,
        "approved_at": NOW,
        "approved_by": "amy",
        "send_requested_at": NOW,
        "send_attempt": attempt,
        "completion_requested_at": None,
        "completion_attempt": 0,
    }


def test_only_scheduling_s_own_results_are_addressed() -> None:
    callout = uuid.uuid4()
    mine = results.addressed(
        _sent("scheduling", domain.idempotency_key(callout, Purpose.INITIAL, 2))
    )
    assert mine is not None
    assert (mine.callout_id, mine.purpose, mine.attempt) == (callout, Purpose.INITIAL, 2)
    assert mine.result.outcome is Outcome.SENT
    assert mine.result.send_to == "a@example.com"
    assert results.addressed(_sent("campaigns", "whatever")) is None
    assert results.addressed(_sent("scheduling", "not-a-callout-key")) is None


def test_each_callouts_results_apply_in_the_order_they_came() -> None:
    one, two, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    batch = [
        results.addressed(e)
        for e in (
            _failed(domain.idempotency_key(one, Purpose.INITIAL, 1)),  # an older attempt
            _sent("scheduling", domain.idempotency_key(two, Purpose.INITIAL, 1)),
            _sent("scheduling", domain.idempotency_key(one, Purpose.INITIAL, 2)),
            # The same attempt's failure after its success: the callout has moved on.
            _failed(domain.idempotency_key(one, Purpose.INITIAL, 2)),
            _sent("scheduling", domain.idempotency_key(gone, Purpose.INITIAL, 1)),
        )
    ]
    changed = results.changes(
        {one: _callout(2), two: _callout(1)}, [a for a in batch if a is not None]
    )
    assert set(changed) == {one, two}  # the callout that is gone changes nothing
    assert changed[one]["state"] == CalloutState.SENT
    assert changed[one]["error"] is None
    sent_one = batch[2]
    assert sent_one is not None
    assert changed[one]["message_id"] == sent_one.result.message_id
    assert changed[two]["state"] == CalloutState.SENT
    assert changed[two]["send_to"] == "a@example.com"


def test_a_failure_records_its_reason_on_the_callout() -> None:
    callout = uuid.uuid4()
    failure = results.addressed(_failed(domain.idempotency_key(callout, Purpose.INITIAL, 1)))
    assert failure is not None
    changed = results.changes({callout: _callout(1)}, [failure])
    assert changed[callout]["state"] == CalloutState.FAILED
    assert changed[callout]["error"] == "550 mailbox unavailable"
    assert changed[callout]["message_id"] == failure.result.message_id
