"""The callout state machine, every state against every action and every result."""

from __future__ import annotations

import uuid

import pytest

from aftersales_contracts.notifications import BlockReason
from scheduling import domain
from scheduling.domain import Action, CalloutState, Outcome, Purpose

S = CalloutState
ALL = list(CalloutState)

# The seed's enabling rules, written out state by state (not derived from the table).
EXPECTED: dict[Action, dict[CalloutState, CalloutState]] = {
    Action.APPROVE: {S.AWAITING_APPROVAL: S.APPROVED},
    Action.SEND_NOW: {S.AWAITING_APPROVAL: S.APPROVED, S.APPROVED: S.APPROVED},
    Action.MARK_COMPLETED: {
        S.AWAITING_APPROVAL: S.COMPLETED,
        S.APPROVED: S.COMPLETED,
        S.SENT: S.COMPLETED,
        S.FAILED: S.COMPLETED,
        S.FAILED_AT_COMPLETION: S.COMPLETED,
        S.BLOCKED_BY_ALLOWED_METHODS: S.COMPLETED,
        S.SMS_SETUP_MISSING: S.COMPLETED,
        S.EMAIL_SETTINGS_MISSING: S.COMPLETED,
        S.PREFERRED_NOT_POSSIBLE: S.COMPLETED,
        S.NOTHING_TO_SEND: S.COMPLETED,
    },
    Action.CANCEL: {
        S.AWAITING_APPROVAL: S.CANCELLED,
        S.APPROVED: S.CANCELLED,
        S.SENT: S.CANCELLED,
        S.FAILED: S.CANCELLED,
        S.FAILED_AT_COMPLETION: S.CANCELLED,
        S.BLOCKED_BY_ALLOWED_METHODS: S.CANCELLED,
        S.SMS_SETUP_MISSING: S.CANCELLED,
        S.EMAIL_SETTINGS_MISSING: S.CANCELLED,
        S.PREFERRED_NOT_POSSIBLE: S.CANCELLED,
        S.NOTHING_TO_SEND: S.CANCELLED,
    },
    Action.RESEND: {
        S.FAILED: S.APPROVED,
        S.SMS_SETUP_MISSING: S.APPROVED,
        S.EMAIL_SETTINGS_MISSING: S.APPROVED,
        S.PREFERRED_NOT_POSSIBLE: S.APPROVED,
        S.NOTHING_TO_SEND: S.APPROVED,
    },
    Action.UPDATE_RECIPIENT: {S.FAILED: S.APPROVED, S.BLOCKED_BY_ALLOWED_METHODS: S.APPROVED},
    # Seed 000: "Sent", "Failed", "Awaiting approval" and "Approved"; re-reads only.
    Action.SYNCHRONIZE: {
        S.AWAITING_APPROVAL: S.AWAITING_APPROVAL,
        S.APPROVED: S.APPROVED,
        S.SENT: S.SENT,
        S.FAILED: S.FAILED,
    },
    # "Available in the same states."
    Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE: {
        S.AWAITING_APPROVAL: S.AWAITING_APPROVAL,
        S.APPROVED: S.APPROVED,
        S.SENT: S.SENT,
        S.FAILED: S.FAILED,
    },
    Action.SHOW_ERROR: {
        s: s
        for s in (
            S.FAILED,
            S.FAILED_AT_COMPLETION,
            S.BLOCKED_BY_ALLOWED_METHODS,
            S.SMS_SETUP_MISSING,
            S.EMAIL_SETTINGS_MISSING,
            S.PREFERRED_NOT_POSSIBLE,
            S.NOTHING_TO_SEND,
        )
    },
    # A guard: a visit for anything not completed or cancelled; the state stays.
    Action.CREATE_SERVICE_ORDER: {
        s: s
        for s in (
            S.AWAITING_APPROVAL,
            S.APPROVED,
            S.SENT,
            S.FAILED,
            S.BLOCKED_BY_ALLOWED_METHODS,
            S.SMS_SETUP_MISSING,
            S.EMAIL_SETTINGS_MISSING,
            S.PREFERRED_NOT_POSSIBLE,
            S.NOTHING_TO_SEND,
        )
    },
}


def test_every_action_is_specified() -> None:
    assert set(EXPECTED) == set(Action) == set(domain.TRANSITIONS) == set(domain.SELECTION_RULES)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", ALL)
def test_every_state_against_every_action(action: Action, state: CalloutState) -> None:
    expected = EXPECTED[action].get(state)
    if expected is None:
        with pytest.raises(domain.InvalidTransition) as error:
            domain.transition(action, state)
        assert state.value in str(error.value)
        assert domain.refusal(action, state) == str(error.value)
    else:
        assert domain.transition(action, state) is expected
        assert domain.refusal(action, state) is None


@pytest.mark.parametrize("action", list(Action))
def test_a_send_in_flight_only_refuses_send_now(action: Action) -> None:
    if action is Action.SEND_NOW:
        with pytest.raises(domain.InvalidTransition, match="being sent already"):
            domain.transition(action, S.APPROVED, sending=True)
    elif S.APPROVED in EXPECTED[action]:
        assert domain.transition(action, S.APPROVED, sending=True) is EXPECTED[action][S.APPROVED]


def test_selection_rules_follow_the_seed() -> None:
    # "Mark as completed" and "Cancel" are active when none of the selected rows refuse.
    all_or_nothing = {a for a, r in domain.SELECTION_RULES.items() if r is domain.SelectionRule.ALL}
    assert all_or_nothing == {Action.MARK_COMPLETED, Action.CANCEL}


BLOCKED = {
    BlockReason.ALLOWED_METHODS: S.BLOCKED_BY_ALLOWED_METHODS,
    BlockReason.SMS_SETUP_MISSING: S.SMS_SETUP_MISSING,
    BlockReason.EMAIL_SETTINGS_MISSING: S.EMAIL_SETTINGS_MISSING,
    BlockReason.PREFERRED_NOT_POSSIBLE: S.PREFERRED_NOT_POSSIBLE,
    BlockReason.NOTHING_TO_SEND: S.NOTHING_TO_SEND,
}


def _expected_result(
    purpose: Purpose, state: CalloutState, outcome: Outcome, reason: BlockReason | None
) -> CalloutState | None:
    if purpose is Purpose.INITIAL and state is S.APPROVED:
        if outcome is Outcome.SENT:
            return S.SENT
        if outcome is Outcome.FAILED:
            return S.FAILED
        assert reason is not None
        return BLOCKED[reason]
    if purpose is Purpose.COMPLETION and state is S.COMPLETED:
        return S.COMPLETED if outcome is Outcome.SENT else S.FAILED_AT_COMPLETION
    return None


RESULTS = [(Outcome.SENT, None), (Outcome.FAILED, None)] + [
    (Outcome.BLOCKED, reason) for reason in BlockReason
]


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("state", ALL)
@pytest.mark.parametrize(("outcome", "reason"), RESULTS)
def test_every_result_in_every_state(
    purpose: Purpose, state: CalloutState, outcome: Outcome, reason: BlockReason | None
) -> None:
    expected = _expected_result(purpose, state, outcome, reason)
    assert domain.result_state(purpose, state, outcome, reason) is expected


def test_every_block_reason_has_a_state() -> None:
    assert set(domain.STATE_FOR_BLOCK) == set(BlockReason)


def test_a_blocked_initial_result_needs_its_reason() -> None:
    with pytest.raises(ValueError, match="reason"):
        domain.result_state(Purpose.INITIAL, S.APPROVED, Outcome.BLOCKED, None)


def test_idempotency_keys_round_trip() -> None:
    callout = uuid.uuid4()
    for purpose in Purpose:
        key = domain.idempotency_key(callout, purpose, 3)
        assert domain.parse_idempotency_key(key) == (callout, purpose, 3)
    # Results of requests made before the purpose existed still parse as initial ones.
    assert domain.parse_idempotency_key(f"callout:{callout}:2") == (callout, Purpose.INITIAL, 2)
    for foreign in ("x", "order:1:2", f"callout:{callout}:nope", f"callout:{callout}:later:1"):
        assert domain.parse_idempotency_key(foreign) is None


def test_localized_names_fall_back_to_the_language_then_the_default() -> None:
    names = {"sv": "Pump (sv)", "de-AT": "Pumpe"}
    assert domain.localized("Pump", names, "sv-SE") == "Pump (sv)"
    assert domain.localized("Pump", names, "de-AT") == "Pumpe"
    assert domain.localized("Pump", names, "fi") == "Pump"
    assert domain.localized("Pump", names, None) == "Pump"


def test_send_to_follows_preference_and_allowed_methods() -> None:
    # The shared rule (aftersales_contracts.channels), what notifications sends by.
    emails, mobiles = ["a@example.com", "b@example.com"], ["+46701234567"]
    assert domain.send_to(emails, mobiles, ["email", "sms"], "sms") == "+46701234567"
    # Every address: notifications sends to all of them.
    assert domain.send_to(emails, mobiles, ["email", "sms"], None) == "a@example.com, b@example.com"
    assert domain.send_to(emails, mobiles, ["sms"], None) == "+46701234567"
    # A preferred method that is not allowed is blocked, not sent another way.
    assert domain.send_to(emails, mobiles, ["sms"], "email") is None
    assert domain.send_to(emails, [], ["sms"], None) is None
    # No allowed method: nothing goes (was: an empty list allowed everything).
    assert domain.send_to(emails, mobiles, [], None) is None
    assert domain.send_to([], [], ["letter"], None) == "letter"


def test_the_list_shows_where_a_message_went_or_would_go_now() -> None:
    for state in (S.SENT, S.COMPLETED, S.FAILED_AT_COMPLETION):
        assert domain.shown_send_to(state, "old@example.com", "new@example.com") == (
            "old@example.com"
        )
        assert domain.shown_send_to(state, None, "new@example.com") == "new@example.com"
    for state in (S.AWAITING_APPROVAL, S.APPROVED, S.FAILED, S.BLOCKED_BY_ALLOWED_METHODS):
        assert domain.shown_send_to(state, "old@example.com", "new@example.com") == (
            "new@example.com"
        )
