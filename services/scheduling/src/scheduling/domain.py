"""Scheduling's rules: which types apply to an item, callout states, when to send. No I/O."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aftersales_contracts.notifications import BlockReason
from aftersales_contracts.servicetypes import ApprovalMethod, ServiceTypeChanged
from aftersales_schedule import occurrences


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
    def __init__(self, action: str, state: CalloutState) -> None:
        super().__init__(f"cannot {action} a callout in state {state.value!r}")
        self.action = action
        self.state = state


def is_serviceable(item_status: str) -> bool:
    """Only an active item gets callouts; an inactive or scrapped one loses its pending ones."""
    return item_status == "active"


def initial_state(approval: ApprovalMethod) -> CalloutState:
    if approval is ApprovalMethod.AUTOMATIC:
        return CalloutState.APPROVED
    return CalloutState.AWAITING_APPROVAL


def approve(state: CalloutState) -> CalloutState:
    if state is not CalloutState.AWAITING_APPROVAL:
        raise InvalidTransition("approve", state)
    return CalloutState.APPROVED


def applies_to(service_type: ServiceTypeChanged, product_id: uuid.UUID) -> bool:
    """A type applies to an item when a link names its product as main (and is applied
    to the main product) or among the related products, and the type is enabled."""
    if not service_type.enabled:
        return False
    return any(
        (link.apply_to_main_product and link.main_product_id == product_id)
        or product_id in link.related_product_ids
        for link in service_type.links
    )


@dataclass(frozen=True)
class PlannedCallout:
    step_id: uuid.UUID
    occurrence: int
    scheduled_for: date


def plan(
    service_type: ServiceTypeChanged,
    startup: date | None,
    today: date,
    horizon_days: int,
    catch_up_days: int,
) -> list[PlannedCallout]:
    """The callouts a workflow should have: occurrences up to the horizon, leaving out
    those older than the catch-up window (a product registered years after its startup
    must not flood its customer with overdue reminders)."""
    horizon = today + timedelta(days=horizon_days)
    earliest = today - timedelta(days=catch_up_days)
    return [
        PlannedCallout(o.step_id, o.index, o.on)
        for o in occurrences(service_type.steps, startup, horizon)
        if o.on >= earliest
    ]


def due_at(scheduled_for: date, zone: ZoneInfo, window_start: time) -> datetime:
    """The first instant a callout may be sent: its date, at the window's start, locally."""
    return datetime.combine(scheduled_for, window_start, tzinfo=zone)


def in_sending_window(now: datetime, zone: ZoneInfo, start: time, end: time) -> bool:
    local = now.astimezone(zone).time()
    if start <= end:
        return start <= local <= end
    return local >= start or local <= end  # a window across midnight
