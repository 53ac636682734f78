"""What each of notifications' block reasons leaves a callout in, and how a planner gets
it going again: a recipient problem by updating the recipient, the step's settings by
resending once they are mended (issue 17 item 13; seed 000's states and actions)."""

from __future__ import annotations

import pytest

from aftersales_contracts.notifications import BlockReason
from scheduling import domain
from scheduling.domain import Action, CalloutState, Outcome, Purpose

# Notifications blocks a customer without the address its allowed (or preferred) way
# needs with ALLOWED_METHODS: a recipient problem, the seed's "update recipient" state.
FIXED_BY = {
    BlockReason.ALLOWED_METHODS: Action.UPDATE_RECIPIENT,
    BlockReason.PREFERRED_NOT_POSSIBLE: Action.RESEND,
    BlockReason.SMS_SETUP_MISSING: Action.RESEND,
    BlockReason.EMAIL_SETTINGS_MISSING: Action.RESEND,
    BlockReason.NOTHING_TO_SEND: Action.RESEND,
}


def test_every_block_reason_is_fixed_by_an_action() -> None:
    assert set(FIXED_BY) == set(BlockReason)


@pytest.mark.parametrize(("reason", "action"), FIXED_BY.items())
def test_a_blocked_callout_is_fixed_the_seeds_way(reason: BlockReason, action: Action) -> None:
    state = domain.result_state(Purpose.INITIAL, CalloutState.APPROVED, Outcome.BLOCKED, reason)
    assert state is not None
    assert domain.refusal(action, state) is None
    assert domain.refusal(Action.SHOW_ERROR, state) is None
    if reason is BlockReason.ALLOWED_METHODS:
        assert state is CalloutState.BLOCKED_BY_ALLOWED_METHODS
        # The seed: resending does not remove a block of the customer's; updating does.
        assert domain.refusal(Action.RESEND, state) is not None
    else:
        # The step's (or the installation's) settings: no recipient to update.
        assert domain.refusal(Action.UPDATE_RECIPIENT, state) is not None
