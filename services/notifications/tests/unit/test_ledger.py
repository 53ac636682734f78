"""What a sender process knows of its own attempts (``delivery.ledger``): what a delivery
leaving an attempt makes certain, the answer kept until it is written, the bound."""

from __future__ import annotations

import uuid

import pytest

from notifications.delivery.domain import AttemptOutcome
from notifications.delivery.ledger import AttemptLedger


def test_an_attempt_left_before_the_hand_over_handed_nothing_over() -> None:
    ledger, attempt = AttemptLedger(), uuid.uuid4()
    ledger.started(attempt)
    running = ledger.get(attempt)
    assert running is not None
    assert running.running
    ledger.settle(attempt)
    known = ledger.get(attempt)
    assert known is not None
    assert known.outcome is AttemptOutcome.NOT_SENT
    assert known.detail == "its delivery ended before it handed anything over"


def test_an_attempt_left_after_the_hand_over_without_an_answer_is_unknown() -> None:
    ledger, attempt = AttemptLedger(), uuid.uuid4()
    ledger.started(attempt)
    ledger.handed_over(attempt)
    ledger.settle(attempt)
    known = ledger.get(attempt)
    assert known is not None
    assert known.outcome is AttemptOutcome.UNCONFIRMED


def test_a_known_answer_is_kept_by_settle_and_dropped_once_written() -> None:
    ledger, attempt = AttemptLedger(), uuid.uuid4()
    ledger.started(attempt)
    ledger.handed_over(attempt)
    ledger.ended(attempt, AttemptOutcome.SENT, accepted=["a@example.com"])
    ledger.settle(attempt)  # the outcome's write failed: the answer stays what it was
    known = ledger.get(attempt)
    assert known is not None
    assert known.outcome is AttemptOutcome.SENT
    assert known.accepted == ("a@example.com",)
    assert known.handed_over
    ledger.forget(attempt)
    assert ledger.get(attempt) is None
    ledger.settle(attempt)  # nothing known: nothing invented
    assert ledger.get(attempt) is None


def test_the_oldest_attempts_are_forgotten_past_the_capacity() -> None:
    ledger = AttemptLedger(capacity=2)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for attempt in (first, second, third):
        ledger.started(attempt)
    assert len(ledger) == 2
    assert ledger.get(first) is None
    assert ledger.get(third) is not None
    ledger.handed_over(first)  # forgotten: the database's rule applies, nothing is added
    assert ledger.get(first) is None
    with pytest.raises(ValueError, match="at least one"):
        AttemptLedger(capacity=0)
