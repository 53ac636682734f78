"""Scheduling's rules: which types apply to an item, callout states, when to send. No I/O."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aftersales_contracts import channels
from aftersales_contracts.notifications import BlockReason
from aftersales_contracts.servicetypes import ApprovalMethod, ServiceTypeChanged
from aftersales_schedule import occurrences
from aftersales_schedule.applicability import applies_to, linked_products

__all__ = ["applies_to", "linked_products"]  # the shared rule, re-exported for callers


class CalloutState(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    SENT = "sent"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    FAILED_AT_COMPLETION = "failed_at_completion"
    BLOCKED_BY_ALLOWED_METHODS = "blocked_by_allowed_methods"
    SMS_SETUP_MISSING = "sms_setup_missing"
    EMAIL_SETTINGS_MISSING = "email_settings_missing"
    PREFERRED_NOT_POSSIBLE = "preferred_communication_not_possible"
    NOTHING_TO_SEND = "nothing_to_send"


# Callouts a recomputation may move or withdraw; the rest are history.
PENDING_STATES = frozenset({CalloutState.AWAITING_APPROVAL, CalloutState.APPROVED})

STATE_FOR_BLOCK = {
    BlockReason.ALLOWED_METHODS: CalloutState.BLOCKED_BY_ALLOWED_METHODS,
    BlockReason.SMS_SETUP_MISSING: CalloutState.SMS_SETUP_MISSING,
    BlockReason.EMAIL_SETTINGS_MISSING: CalloutState.EMAIL_SETTINGS_MISSING,
    BlockReason.PREFERRED_NOT_POSSIBLE: CalloutState.PREFERRED_NOT_POSSIBLE,
    BlockReason.NOTHING_TO_SEND: CalloutState.NOTHING_TO_SEND,
}


class InvalidTransition(Exception):
    def __init__(self, action: str, state: CalloutState, why: str | None = None) -> None:
        super().__init__(
            f"cannot {action.replace('_', ' ')} a callout in state {state.value!r}"
            + (f": {why}" if why else "")
        )
        self.action = action
        self.state = state


def is_serviceable(item_status: str) -> bool:
    """Only an active item gets callouts; an inactive or scrapped one loses its pending ones."""
    return item_status == "active"


def initial_state(approval: ApprovalMethod) -> CalloutState:
    if approval is ApprovalMethod.AUTOMATIC:
        return CalloutState.APPROVED
    return CalloutState.AWAITING_APPROVAL


@dataclass(frozen=True)
class PlannedCallout:
    step_id: uuid.UUID
    occurrence: int
    scheduled_for: date
    # False for an occurrence older than the catch-up window: an existing pending callout
    # for it stays (it is still part of the schedule), but none is created.
    creatable: bool = True


def plan(
    service_type: ServiceTypeChanged,
    startup: date | None,
    today: date,
    horizon_days: int,
    catch_up_days: int,
) -> list[PlannedCallout]:
    """The callouts a workflow should have: occurrences up to the horizon; those older
    than the catch-up window are not created (a product registered years after its
    startup must not flood its customer with overdue reminders)."""
    horizon = horizon_until(today, horizon_days)
    earliest = today - timedelta(days=catch_up_days)
    return [
        PlannedCallout(o.step_id, o.index, o.on, creatable=o.on >= earliest)
        for o in occurrences(service_type.steps, startup, horizon)
    ]


def horizon_until(today: date, horizon_days: int) -> date:
    """The last day a workflow's callouts are generated for, planned on ``today``."""
    return today + timedelta(days=horizon_days)


def due_at(scheduled_for: date, zone: ZoneInfo, window_start: time = time(0)) -> datetime:
    """The first instant a callout may be sent: its date, at ``window_start``, locally.
    Planning uses the start of the day; the dispatcher defers it into the sending window."""
    return datetime.combine(scheduled_for, window_start, tzinfo=zone)


ALL_WEEKDAYS = frozenset(range(1, 8))


@dataclass(frozen=True)
class SendingWindow:
    """When callouts may be sent: on these ISO weekdays (1 Monday .. 7 Sunday), from
    ``start`` to ``end`` local time in ``zone`` (the org unit's). ``start`` < ``end``
    opens and closes on the same day; ``start`` > ``end`` runs across midnight (the
    service-wide default may), and the weekday is the day it opens."""

    weekdays: frozenset[int]
    start: time
    end: time
    zone: ZoneInfo

    def next_opening(self, now: datetime) -> datetime | None:
        """``now`` when the window is open, else the next instant it opens (None when it
        never does: no weekdays). Local wall times are turned into instants day by day,
        so a window keeps its local hours across DST changes; an opening inside a
        spring-forward gap opens when the clocks have jumped."""
        if not self.weekdays:
            return None
        local_today = now.astimezone(self.zone).date()
        # Yesterday too: a window across midnight opened then may still be open.
        for offset in range(-1, 9):
            day = local_today + timedelta(days=offset)
            if day.isoweekday() not in self.weekdays:
                continue
            opens = _instant(day, self.start, self.zone)
            closing_day = day if self.start < self.end else day + timedelta(days=1)
            closes = _instant(closing_day, self.end, self.zone)
            if opens <= now < closes:
                return now
            if now < opens:
                return opens
        return None  # unreachable with at least one weekday


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a local wall time happens; a time skipped by DST maps past the gap."""
    local = datetime.combine(day, at, tzinfo=zone)
    # Round trip through UTC: a nonexistent wall time (fold=0) comes back normalized.
    return local.astimezone(UTC).astimezone(zone)


# --- the state machine ---------------------------------------------------------------
#
# Every user action and every notifications result is a row in a table below: the
# from-states it applies to and the state it leads to. Nothing else moves a callout
# (planning only creates pending callouts and cancels withdrawn ones).

ERROR_STATES = frozenset(
    {
        CalloutState.FAILED,
        CalloutState.FAILED_AT_COMPLETION,
        CalloutState.BLOCKED_BY_ALLOWED_METHODS,
        CalloutState.SMS_SETUP_MISSING,
        CalloutState.EMAIL_SETTINGS_MISSING,
        CalloutState.PREFERRED_NOT_POSSIBLE,
        CalloutState.NOTHING_TO_SEND,
    }
)


class Action(enum.StrEnum):
    APPROVE = "approve"
    SEND_NOW = "send_now"
    MARK_COMPLETED = "mark_completed"
    CANCEL = "cancel"
    RESEND = "resend"
    UPDATE_RECIPIENT = "update_recipient"
    SYNCHRONIZE = "synchronize"
    UPDATE_RECIPIENT_AND_SYNCHRONIZE = "update_recipient_and_synchronize"
    SHOW_ERROR = "show_error"
    CREATE_SERVICE_ORDER = "create_service_order"


class SelectionRule(enum.Enum):
    """How an action treats a selection: act on the rows that qualify and skip the rest
    (``ANY``: the button is active when at least one selected row qualifies), or refuse
    the whole selection when one row does not (``ALL``: active when none of the selected
    rows is in a refused state)."""

    ANY = "any"
    ALL = "all"


S = CalloutState
_RESENDABLE = (
    S.FAILED,
    S.SMS_SETUP_MISSING,
    S.EMAIL_SETTINGS_MISSING,
    S.PREFERRED_NOT_POSSIBLE,
    S.NOTHING_TO_SEND,
)

# The seed's "Synchronize communication info" states (and "Update recipient and
# synchronize"'s: "the same states").
_SYNCHRONIZABLE = (S.SENT, S.FAILED, S.AWAITING_APPROVAL, S.APPROVED)

# action -> {from-state: to-state}; a state not listed refuses the action.
TRANSITIONS: dict[Action, dict[CalloutState, CalloutState]] = {
    Action.APPROVE: {S.AWAITING_APPROVAL: S.APPROVED},
    # Approves and sends at once, outside the sending window too: a person asked for it.
    Action.SEND_NOW: {S.AWAITING_APPROVAL: S.APPROVED, S.APPROVED: S.APPROVED},
    # Completing sends the step's on-completion message (when it has one); a failure of
    # that message moves the callout on to "failed at completion".
    Action.MARK_COMPLETED: {
        s: S.COMPLETED for s in CalloutState if s not in (S.COMPLETED, S.CANCELLED)
    },
    Action.CANCEL: {s: S.CANCELLED for s in CalloutState if s not in (S.COMPLETED, S.CANCELLED)},
    # Resending reschedules: the callout is approved again and due at once.
    Action.RESEND: dict.fromkeys(_RESENDABLE, S.APPROVED),
    # The new contact data is in catalog; once the projection has it the callout is sent again.
    Action.UPDATE_RECIPIENT: {
        S.FAILED: S.APPROVED,
        S.BLOCKED_BY_ALLOWED_METHODS: S.APPROVED,
    },
    # Re-reads the recipient from the customer projection, in the seed's states, and
    # nothing else: it never sends (a failed callout stays failed until resent).
    Action.SYNCHRONIZE: {s: s for s in _SYNCHRONIZABLE},
    # The same once the customer's new details (saved in catalog) have arrived.
    Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE: {s: s for s in _SYNCHRONIZABLE},
    # Not a transition: only a guard (an error exists to be shown in these states).
    Action.SHOW_ERROR: {s: s for s in ERROR_STATES},
    # Not a transition either: asks field work to open a visit; the callout keeps its
    # state until that order is completed. A completed or cancelled callout (a failed
    # on-completion message included: the callout was completed) needs no visit.
    Action.CREATE_SERVICE_ORDER: {
        s: s for s in CalloutState if s not in (S.COMPLETED, S.CANCELLED, S.FAILED_AT_COMPLETION)
    },
}

SELECTION_RULES: dict[Action, SelectionRule] = {
    Action.APPROVE: SelectionRule.ANY,
    Action.SEND_NOW: SelectionRule.ANY,
    Action.MARK_COMPLETED: SelectionRule.ALL,
    Action.CANCEL: SelectionRule.ALL,
    Action.RESEND: SelectionRule.ANY,
    Action.UPDATE_RECIPIENT: SelectionRule.ANY,
    Action.SYNCHRONIZE: SelectionRule.ANY,
    Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE: SelectionRule.ANY,
    Action.SHOW_ERROR: SelectionRule.ANY,
    # One callout at a time (no selection route offers it); ANY for completeness.
    Action.CREATE_SERVICE_ORDER: SelectionRule.ANY,
}


def transition(action: Action, state: CalloutState, *, sending: bool = False) -> CalloutState:
    """The state ``action`` leads to from ``state``; raises ``InvalidTransition`` with the
    reason when the action does not apply. ``sending``: a send request is in flight (an
    approved callout handed to notifications, no result yet)."""
    target = TRANSITIONS[action].get(state)
    if target is None:
        raise InvalidTransition(action.value, state)
    if action is Action.SEND_NOW and sending:
        raise InvalidTransition(action.value, state, "its message is being sent already")
    return target


def refusal(action: Action, state: CalloutState, *, sending: bool = False) -> str | None:
    """Why ``action`` does not apply in ``state``, or None when it does."""
    try:
        transition(action, state, sending=sending)
    except InvalidTransition as error:
        return str(error)
    return None


class Purpose(enum.StrEnum):
    """Which of a step's two messages a send request carries."""

    INITIAL = "initial"
    COMPLETION = "completion"


class Outcome(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


# (purpose, state the callout is in) -> outcome -> new state. A result for a callout in
# any other state (cancelled meanwhile, or resent since) changes nothing.
RESULTS: dict[tuple[Purpose, CalloutState], dict[Outcome, CalloutState | None]] = {
    (Purpose.INITIAL, S.APPROVED): {
        Outcome.SENT: S.SENT,
        Outcome.FAILED: S.FAILED,
        Outcome.BLOCKED: None,  # the block reason decides: see result_state
    },
    (Purpose.COMPLETION, S.COMPLETED): {
        Outcome.SENT: S.COMPLETED,
        Outcome.FAILED: S.FAILED_AT_COMPLETION,
        Outcome.BLOCKED: S.FAILED_AT_COMPLETION,
    },
}


def result_state(
    purpose: Purpose,
    state: CalloutState,
    outcome: Outcome,
    block_reason: BlockReason | None = None,
) -> CalloutState | None:
    """The state a notifications result moves a callout to, or None to ignore it."""
    outcomes = RESULTS.get((purpose, state))
    if outcomes is None:
        return None
    target = outcomes[outcome]
    if target is None:  # an initial message blocked: one state per block reason
        if block_reason is None:
            raise ValueError("a blocked result needs its reason")
        return STATE_FOR_BLOCK[block_reason]
    return target


def idempotency_key(callout_id: uuid.UUID, purpose: Purpose, attempt: int) -> str:
    if purpose is Purpose.INITIAL:
        return f"callout:{callout_id}:{attempt}"  # the format results in flight still carry
    return f"callout:{callout_id}:{purpose.value}:{attempt}"


def parse_idempotency_key(key: str) -> tuple[uuid.UUID, Purpose, int] | None:
    """The callout, purpose and attempt a result is for; None when the key is not ours."""
    parts = key.split(":")
    try:
        if len(parts) == 3 and parts[0] == "callout":
            return uuid.UUID(parts[1]), Purpose.INITIAL, int(parts[2])
        if len(parts) == 4 and parts[0] == "callout":
            return uuid.UUID(parts[1]), Purpose(parts[2]), int(parts[3])
    except ValueError:
        return None
    return None


# --- what the list shows ---------------------------------------------------------------


def localized(name: str, translations: dict[str, str], language: str | None) -> str:
    """The name in ``language`` (``sv-SE`` falls back to ``sv``), else the default name."""
    if not language:
        return name
    if language in translations:
        return translations[language]
    base = language.split("-")[0]
    return translations.get(base, name)


def send_to(
    emails: list[str], mobiles: list[str], allowed: list[str], preferred: str | None
) -> str | None:
    """Where a message would go today, from the customer's communication settings: the
    rule notifications sends by (``aftersales_contracts.channels.choose``), so the list
    shows the addresses or number that will really be used; None when it would be
    blocked."""
    choice = channels.choose(emails=emails, mobiles=mobiles, allowed=allowed, preferred=preferred)
    return choice.shown() if isinstance(choice, channels.Chosen) else None


# A callout's own ``send_to`` is where its message went (a sent result) or what
# synchronize read; until its message has gone the list shows where it would go now.
SHOWS_STORED_SEND_TO = frozenset({S.SENT, S.COMPLETED, S.FAILED_AT_COMPLETION})


def shown_send_to(state: CalloutState, stored: str | None, current: str | None) -> str | None:
    """The list's "Send to" for a callout in ``state``."""
    if state in SHOWS_STORED_SEND_TO and stored:
        return stored
    return current


# --- what a recalculation changed ----------------------------------------------------


@dataclass(frozen=True)
class CalloutSnapshot:
    """What a user sees change when a callout is re-planned."""

    state: CalloutState
    scheduled_for: date
    customer_id: uuid.UUID
    org_unit: str | None
    error: str | None


@dataclass(frozen=True)
class Change:
    callout_id: uuid.UUID
    kind: str  # created | moved | updated | withdrawn
    from_state: CalloutState
    to_state: CalloutState
    detail: str


def recalculation_changes(
    before: dict[uuid.UUID, CalloutSnapshot], after: dict[uuid.UUID, CalloutSnapshot]
) -> list[Change]:
    """The history entries "Recalculate messages" leaves on the callouts it changed: one
    per created, moved, otherwise updated or withdrawn callout; untouched ones get none."""
    changes = []
    for callout_id, now in after.items():
        was = before.get(callout_id)
        if was is None:
            detail = f"created for {now.scheduled_for.isoformat()}"
            changes.append(Change(callout_id, "created", now.state, now.state, detail))
        elif was.state != now.state:
            detail = f"withdrawn: {now.error}" if now.error else "withdrawn"
            changes.append(Change(callout_id, "withdrawn", was.state, now.state, detail))
        elif was.scheduled_for != now.scheduled_for:
            detail = (
                f"moved from {was.scheduled_for.isoformat()} to {now.scheduled_for.isoformat()}"
            )
            changes.append(Change(callout_id, "moved", was.state, now.state, detail))
        elif (was.customer_id, was.org_unit) != (now.customer_id, now.org_unit):
            detail = "the item's owner or org unit changed"
            changes.append(Change(callout_id, "updated", was.state, now.state, detail))
    return changes
