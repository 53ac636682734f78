"""What actions and results do to a callout (action_rules), without a database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from aftersales_contracts.notifications import BlockReason
from scheduling import action_rules, domain
from scheduling.action_rules import Facts, Result
from scheduling.domain import Action, CalloutState, Outcome, Purpose

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)
S = CalloutState


@dataclass(frozen=True)
class Callout:
    state: str
    approved_at: datetime | None = None
    approved_by: str | None = None
    send_requested_at: datetime | None = None
    send_attempt: int = 0
    completion_requested_at: datetime | None = None
    completion_attempt: int = 0


def _effect(action: Action, callout: Callout, facts: Facts | None = None) -> action_rules.Effect:
    target = domain.transition(action, CalloutState(callout.state))
    return action_rules.effect(action, callout, target, "ada", NOW, facts or Facts())


def test_approve_records_who_and_when() -> None:
    effect = _effect(Action.APPROVE, Callout(S.AWAITING_APPROVAL))
    assert effect.values == {"state": S.APPROVED, "approved_at": NOW, "approved_by": "ada"}
    assert (effect.detail, effect.send) == (None, None)


def test_send_now_sends_the_next_attempt_and_keeps_an_earlier_approval() -> None:
    effect = _effect(Action.SEND_NOW, Callout(S.APPROVED, EARLIER, "bob", send_attempt=2))
    assert effect.send == (Purpose.INITIAL, 3)
    assert effect.values["send_attempt"] == 3
    assert effect.values["send_requested_at"] == NOW
    assert (effect.values["approved_at"], effect.values["approved_by"]) == (EARLIER, "bob")
    waiting = _effect(Action.SEND_NOW, Callout(S.AWAITING_APPROVAL))
    assert (waiting.values["approved_at"], waiting.values["approved_by"]) == (NOW, "ada")


def test_mark_completed_sends_the_completion_message_only_when_the_step_has_one() -> None:
    sent = Callout(S.SENT, completion_attempt=1)
    quiet = _effect(Action.MARK_COMPLETED, sent)
    assert quiet.send is None
    assert quiet.detail == "the step has no on-completion message"
    assert "completion_attempt" not in quiet.values
    loud = _effect(Action.MARK_COMPLETED, sent, Facts(has_completion_message=True))
    assert loud.send == (Purpose.COMPLETION, 2)
    assert loud.values["completion_requested_at"] == NOW
    assert loud.state_after(S.SENT) is S.COMPLETED


def test_cancel_and_resend() -> None:
    cancel = _effect(Action.CANCEL, Callout(S.APPROVED))
    assert cancel.values == {"state": S.CANCELLED, "cancelled_at": NOW, "cancelled_by": "ada"}
    resend = _effect(Action.RESEND, Callout(S.FAILED, send_requested_at=EARLIER))
    assert resend.values == action_rules.retry(NOW)
    assert resend.send is None  # the dispatcher sends it, inside the window


def test_update_recipient_waits_for_a_customer_version_not_yet_projected() -> None:
    blocked = Callout(S.BLOCKED_BY_ALLOWED_METHODS)
    waiting = _effect(
        Action.UPDATE_RECIPIENT, blocked, Facts(customer_version=3, projected_customer_version=2)
    )
    # Since now, for this action: the wait times out (on_wait_timeout).
    assert waiting.values == {
        "resend_at_customer_version": 3,
        "customer_wait_since": NOW,
        "customer_wait_action": "update_recipient",
    }
    assert waiting.detail == "resend when customer version 3 arrives"
    assert waiting.state_after(S.BLOCKED_BY_ALLOWED_METHODS) is S.BLOCKED_BY_ALLOWED_METHODS
    unknown = _effect(Action.UPDATE_RECIPIENT, blocked, Facts(customer_version=1))
    assert unknown.values["resend_at_customer_version"] == 1  # not projected at all
    for facts in (Facts(customer_version=3, projected_customer_version=3), Facts()):
        assert _effect(Action.UPDATE_RECIPIENT, blocked, facts).values == action_rules.retry(NOW)
    # A resend ends any wait.
    assert action_rules.retry(NOW).items() >= action_rules.NOT_WAITING.items()


def test_synchronize_only_rereads_the_recipient() -> None:
    facts = Facts(send_to="new@example.com")
    for state in (S.SENT, S.FAILED, S.APPROVED, S.AWAITING_APPROVAL):
        effect = _effect(Action.SYNCHRONIZE, Callout(state), facts)
        assert effect.values == {"send_to": "new@example.com"} | action_rules.NOT_WAITING
        assert effect.send is None
        assert effect.state_after(state) is state


def test_update_recipient_and_synchronize_rereads_once_the_version_is_here() -> None:
    action = Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE
    failed = Callout(S.FAILED)
    here = Facts(customer_version=2, projected_customer_version=2, send_to="new@example.com")
    now = _effect(action, failed, here)
    assert now.values == {"send_to": "new@example.com"} | action_rules.NOT_WAITING
    assert (now.send, now.state_after(S.FAILED)) == (None, S.FAILED)
    later = _effect(action, failed, Facts(customer_version=3, projected_customer_version=2))
    assert later.values == {
        "resend_at_customer_version": 3,
        "customer_wait_since": NOW,
        "customer_wait_action": "update_recipient_and_synchronize",
    }
    assert later.detail == "synchronize when customer version 3 arrives"
    arrived = action_rules.on_customer_arrival(S.FAILED, NOW, "new@example.com", action.value)
    # Re-read, still failed, nothing sent (no retry values).
    assert arrived == {"send_to": "new@example.com"} | action_rules.NOT_WAITING
    moved_on = action_rules.on_customer_arrival(S.CANCELLED, NOW, "x", action.value)
    assert moved_on == action_rules.NOT_WAITING


def test_a_wait_for_a_version_that_never_comes_times_out_visibly() -> None:
    values, detail = action_rules.on_wait_timeout(S.BLOCKED_BY_ALLOWED_METHODS, NOW, 24)
    assert detail == "the recipient's update did not arrive within 24 hours"
    assert values == action_rules.NOT_WAITING | {"error": detail, "error_at": NOW}
    assert "state" not in values  # it stays where it was
    synced, _ = action_rules.on_wait_timeout(
        S.SENT, NOW, 1.5, Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE.value
    )
    assert synced["error"] == "the recipient's update did not arrive within 1.5 hours"
    # Moved on meanwhile (cancelled): it only stops waiting, no error, no history.
    assert action_rules.on_wait_timeout(S.CANCELLED, NOW, 24) == (action_rules.NOT_WAITING, None)


def test_show_error_is_not_a_command() -> None:
    with pytest.raises(AssertionError):
        action_rules.effect(Action.SHOW_ERROR, Callout(S.FAILED), S.FAILED, "ada", NOW)


def test_a_customer_arriving_resends_only_what_may_still_be_resent() -> None:
    values = action_rules.on_customer_arrival(S.FAILED, NOW, "ada@example.net")
    assert values == action_rules.retry(NOW) | {"send_to": "ada@example.net"}
    # Cancelled meanwhile: it stops waiting, and stays cancelled.
    assert action_rules.on_customer_arrival(S.CANCELLED, NOW, "x") == action_rules.NOT_WAITING


def test_a_result_for_an_older_attempt_changes_nothing() -> None:
    requested = Callout(S.APPROVED, send_requested_at=EARLIER, send_attempt=2)
    sent = Result(Outcome.SENT, uuid.uuid4(), sent_at=NOW, send_to="ada@example.com")
    assert action_rules.result_values(requested, Purpose.INITIAL, 1, sent) is None
    values = action_rules.result_values(requested, Purpose.INITIAL, 2, sent)
    assert values == {
        "state": S.SENT,
        "message_id": sent.message_id,
        "sent_at": NOW,
        "send_to": "ada@example.com",
        "error": None,
        "trace_id": None,
        "error_at": None,
    }
    # Not requested (resent since, due again): no attempt is current.
    assert (
        action_rules.result_values(
            replace(requested, send_requested_at=None), Purpose.INITIAL, 2, sent
        )
        is None
    )


def test_a_completion_result_keeps_the_steps_recipient_and_records_its_own_message() -> None:
    completed = Callout(S.COMPLETED, completion_requested_at=EARLIER, completion_attempt=1)
    sent = Result(Outcome.SENT, uuid.uuid4(), sent_at=NOW, send_to="ada@example.com")
    values = action_rules.result_values(completed, Purpose.COMPLETION, 1, sent)
    assert values is not None
    assert values["completion_message_id"] == sent.message_id
    assert "send_to" not in values
    assert "message_id" not in values
    blocked = Result(
        Outcome.BLOCKED, uuid.uuid4(), block_reason=BlockReason.NOTHING_TO_SEND, error="empty"
    )
    failed = action_rules.result_values(completed, Purpose.COMPLETION, 1, blocked)
    assert failed is not None
    assert (failed["state"], failed["error"]) == (S.FAILED_AT_COMPLETION, "empty")


def test_a_blocked_result_names_its_state_and_error() -> None:
    requested = Callout(S.APPROVED, send_requested_at=EARLIER, send_attempt=1)
    blocked = Result(
        Outcome.BLOCKED,
        uuid.uuid4(),
        block_reason=BlockReason.SMS_SETUP_MISSING,
        error="no sender",
        trace_id="ab" * 16,
        error_at=NOW,
    )
    values = action_rules.result_values(requested, Purpose.INITIAL, 1, blocked)
    assert values == {
        "state": S.SMS_SETUP_MISSING,
        "message_id": blocked.message_id,
        "error": "no sender",
        "trace_id": "ab" * 16,
        "error_at": NOW,
    }


def test_history_entries_name_the_move() -> None:
    callout_id = uuid.uuid4()
    entry = action_rules.history_entry(
        callout_id, "approve", "ada", NOW, S.AWAITING_APPROVAL, S.APPROVED
    )
    assert entry == {
        "callout_id": callout_id,
        "action": "approve",
        "actor": "ada",
        "at": NOW,
        "from_state": S.AWAITING_APPROVAL,
        "to_state": S.APPROVED,
        "detail": None,
    }


@dataclass(frozen=True)
class Ordered:
    service_order_requested_at: datetime | None = None
    service_order_number: str | None = None
    service_order_stage: str | None = None
    service_order_version: int | None = None


def test_create_service_order_records_who_asked_and_keeps_the_state() -> None:
    effect = _effect(Action.CREATE_SERVICE_ORDER, Callout(S.SENT))
    assert effect.values == {"service_order_requested_at": NOW, "service_order_requested_by": "ada"}
    assert effect.send is None
    assert effect.state_after(S.SENT) is S.SENT


def test_a_callout_gets_one_service_order() -> None:
    assert action_rules.service_order_refusal(Ordered()) is None
    waiting = action_rules.service_order_refusal(Ordered(service_order_requested_at=EARLIER))
    assert waiting is not None
    assert "being opened" in waiting
    for stage in ("new", "planned", "completed", "cancelled"):
        refusal = action_rules.service_order_refusal(Ordered(EARLIER, "SO-000007", stage, 1))
        assert refusal == f"the callout has service order SO-000007 ({stage})"


def test_order_events_apply_only_when_newer() -> None:
    order_id = uuid.uuid4()
    news = action_rules.OrderNews(order_id, "SO-000001", "new", 1)
    assert action_rules.order_values(Ordered(EARLIER), news) == {
        "service_order_id": order_id,
        "service_order_number": "SO-000001",
        "service_order_stage": "new",
        "service_order_version": 1,
    }
    completed = Ordered(EARLIER, "SO-000001", "completed", 5)
    assert action_rules.order_values(completed, news) is None
    assert action_rules.order_values(completed, replace(news, version=5)) is None
    later = action_rules.order_values(completed, replace(news, stage="cancelled", version=6))
    assert later is not None
    assert later["service_order_stage"] == "cancelled"
