"""What an action or a notifications result does to a callout, decided without I/O: the
columns it writes, the history entry it leaves and the message it asks for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aftersales_contracts.notifications import BlockReason
from scheduling import domain
from scheduling.domain import Action, CalloutState, Outcome, Purpose

# How a selection's 409 says that no row qualified ("none ... can be approved").
PAST_TENSE = {
    Action.APPROVE: "approved",
    Action.SEND_NOW: "sent now",
    Action.MARK_COMPLETED: "marked as completed",
    Action.CANCEL: "cancelled",
    Action.RESEND: "resent",
    Action.UPDATE_RECIPIENT: "sent to an updated recipient",
    Action.SYNCHRONIZE: "synchronized",
    Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE: "synchronized with an updated recipient",
    Action.SHOW_ERROR: "shown an error for",
    Action.CREATE_SERVICE_ORDER: "given a service order",
}


class ActedCallout(Protocol):
    """What an action reads of a callout (a row of the callout table)."""

    @property
    def state(self) -> str: ...
    @property
    def approved_at(self) -> datetime | None: ...
    @property
    def approved_by(self) -> str | None: ...
    @property
    def send_requested_at(self) -> datetime | None: ...
    @property
    def send_attempt(self) -> int: ...
    @property
    def completion_requested_at(self) -> datetime | None: ...
    @property
    def completion_attempt(self) -> int: ...


@dataclass(frozen=True)
class Facts:
    """What some actions need from elsewhere, read by the use case for that action only:
    mark completed whether the step has an on-completion message; update recipient the
    version the user saved and the one projected; synchronize the projected recipient."""

    has_completion_message: bool = False
    customer_version: int | None = None
    projected_customer_version: int | None = None
    send_to: str | None = None


@dataclass(frozen=True)
class Effect:
    """The columns an action writes, the detail of its history entry and the message to
    send now (purpose and attempt), if any."""

    values: dict[str, Any]
    detail: str | None = None
    send: tuple[Purpose, int] | None = None

    def state_after(self, before: CalloutState) -> CalloutState:
        state = self.values.get("state", before)
        return CalloutState(state)


def sending(callout: ActedCallout) -> bool:
    """A send request is in flight: approved, handed to notifications, no result yet."""
    return callout.state == CalloutState.APPROVED and callout.send_requested_at is not None


# No longer waiting for a customer version (``wait_for``).
NOT_WAITING: dict[str, Any] = {
    "resend_at_customer_version": None,
    "customer_wait_since": None,
    "customer_wait_action": None,
}


def retry(now: datetime) -> dict[str, Any]:
    """Approved again and due at once: the dispatcher sends it inside the window."""
    return {
        "state": CalloutState.APPROVED,
        "due_at": now,
        "send_requested_at": None,
    } | NOT_WAITING


def awaited_version(facts: Facts) -> int | None:
    """The customer version to wait for: the one the user saved in catalog, when
    scheduling's copy is older; None when there is nothing to wait for."""
    wanted = facts.customer_version
    if wanted is not None and (facts.projected_customer_version or 0) < wanted:
        return wanted
    return None


def wait_for(action: Action, version: int, now: datetime) -> Effect:
    """Catalog has the new contact data; its event has not reached us yet: the action is
    finished when it does (``on_customer_arrival``), or times out (``on_wait_timeout``)."""
    verb = "resend" if action is Action.UPDATE_RECIPIENT else "synchronize"
    return Effect(
        {
            "resend_at_customer_version": version,
            "customer_wait_since": now,
            "customer_wait_action": action.value,
        },
        detail=f"{verb} when customer version {version} arrives",
    )


def effect(
    action: Action,
    callout: ActedCallout,
    target: CalloutState,
    actor: str,
    now: datetime,
    facts: Facts = Facts(),
) -> Effect:
    """What ``action`` (allowed: ``target`` is ``domain.transition``'s answer) does."""
    if action is Action.APPROVE:
        return Effect({"state": target, "approved_at": now, "approved_by": actor})
    if action is Action.SEND_NOW:
        attempt = callout.send_attempt + 1
        values = {
            "state": target,
            "approved_at": callout.approved_at or now,
            "approved_by": callout.approved_by or actor,
            "due_at": now,
            "send_requested_at": now,
            "send_attempt": attempt,
        }
        return Effect(values, send=(Purpose.INITIAL, attempt))
    if action is Action.CANCEL:
        return Effect({"state": target, "cancelled_at": now, "cancelled_by": actor})
    if action is Action.MARK_COMPLETED:
        values = {"state": target, "completed_at": now, "completed_by": actor}
        if not facts.has_completion_message:
            return Effect(values, detail="the step has no on-completion message")
        attempt = callout.completion_attempt + 1
        values |= {"completion_attempt": attempt, "completion_requested_at": now}
        return Effect(values, send=(Purpose.COMPLETION, attempt))
    if action is Action.RESEND:
        return Effect(retry(now))
    awaited = awaited_version(facts)
    if action in (Action.UPDATE_RECIPIENT, Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE) and awaited:
        return wait_for(action, awaited, now)
    if action is Action.UPDATE_RECIPIENT:
        return Effect(retry(now))
    if action in (Action.SYNCHRONIZE, Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE):
        # Re-reads the recipient only: the state stays, nothing is sent.
        return Effect({"send_to": facts.send_to} | NOT_WAITING)
    if action is Action.CREATE_SERVICE_ORDER:
        return Effect(
            {"service_order_requested_at": now, "service_order_requested_by": actor},
            detail="service order requested from field work",
        )
    raise AssertionError(f"{action} is not a command")  # SHOW_ERROR is a query


def _waiting_action(name: str | None) -> Action:
    """The action a wait finishes (rows from before migration 0009 say none: resend)."""
    if name == Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE.value:
        return Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE
    return Action.UPDATE_RECIPIENT


def on_customer_arrival(
    state: CalloutState, now: datetime, send_to: str | None, waiting: str | None = None
) -> dict[str, Any]:
    """A callout waiting for its customer's new version, now that it has arrived:
    ``waiting`` (the action) "update recipient" sends it again, "update recipient and
    synchronize" re-reads the recipient; neither when the callout has moved on
    meanwhile."""
    action = _waiting_action(waiting)
    if domain.refusal(action, state) is not None:
        return dict(NOT_WAITING)
    if action is Action.UPDATE_RECIPIENT:
        return retry(now) | {"send_to": send_to}
    return {"send_to": send_to} | NOT_WAITING


def wait_timeout_error(hours: float) -> str:
    return f"the recipient's update did not arrive within {hours:g} hours"


def on_wait_timeout(
    state: CalloutState, now: datetime, hours: float, waiting: str | None = None
) -> tuple[dict[str, Any], str | None]:
    """A callout waited longer than ``hours`` for a customer version that has not come
    (one catalog never issued, say): it stops waiting and stays in its state, with the
    error saying so; the history entry's detail, or None when the callout has moved on
    meanwhile (it only stops waiting)."""
    if domain.refusal(_waiting_action(waiting), state) is not None:
        return dict(NOT_WAITING), None
    error = wait_timeout_error(hours)
    return NOT_WAITING | {"error": error, "error_at": now}, error


def history_entry(
    callout_id: uuid.UUID,
    action: str,
    actor: str,
    at: datetime,
    from_state: CalloutState,
    to_state: CalloutState,
    detail: str | None = None,
) -> dict[str, Any]:
    """A row of the callout's history (``GET /callouts/{id}/history``)."""
    return {
        "callout_id": callout_id,
        "action": action,
        "actor": actor,
        "at": at,
        "from_state": from_state,
        "to_state": to_state,
        "detail": detail,
    }


def is_current_attempt(callout: ActedCallout, purpose: Purpose, attempt: int) -> bool:
    """A result for an older attempt (the callout was resent since) changes nothing."""
    if purpose is Purpose.INITIAL:
        return callout.send_attempt == attempt and callout.send_requested_at is not None
    return callout.completion_attempt == attempt and callout.completion_requested_at is not None


@dataclass(frozen=True)
class Result:
    """A notifications result, as the callout records it."""

    outcome: Outcome
    message_id: uuid.UUID
    block_reason: BlockReason | None = None
    sent_at: datetime | None = None
    send_to: str | None = None
    error: str | None = None
    trace_id: str | None = None
    error_at: datetime | None = None


def result_values(
    callout: ActedCallout, purpose: Purpose, attempt: int, result: Result
) -> dict[str, Any] | None:
    """The columns a result writes on the callout, or None when it changes nothing (an
    older attempt's, or one for a callout that has moved on)."""
    if not is_current_attempt(callout, purpose, attempt):
        return None
    target = domain.result_state(
        purpose, CalloutState(callout.state), result.outcome, result.block_reason
    )
    if target is None:
        return None
    values: dict[str, Any] = {"state": target}
    if purpose is Purpose.COMPLETION:
        # The step's own message keeps its send_to; the completion message has its own id.
        values["completion_message_id"] = result.message_id
    else:
        values["message_id"] = result.message_id
        if result.outcome is Outcome.SENT:
            values |= {"sent_at": result.sent_at, "send_to": result.send_to}
    if result.outcome is Outcome.SENT:
        values |= {"error": None, "trace_id": None, "error_at": None}
    else:
        values |= {"error": result.error, "trace_id": result.trace_id, "error_at": result.error_at}
    return values


# --- the callout's service order (field work) ----------------------------------------


class OrderedCallout(Protocol):
    """What "create service order" and field work's events read of a callout."""

    @property
    def service_order_requested_at(self) -> datetime | None: ...
    @property
    def service_order_number(self) -> str | None: ...
    @property
    def service_order_stage(self) -> str | None: ...
    @property
    def service_order_version(self) -> int | None: ...


def service_order_refusal(callout: OrderedCallout) -> str | None:
    """Why a callout may not ask for a(nother) service order, or None. A callout gets at
    most one order, ever: field work keeps one order per callout, so after a cancelled
    order a new visit is planned in field work itself, not from the callout."""
    if callout.service_order_number is not None:
        stage = callout.service_order_stage or "open"
        return f"the callout has service order {callout.service_order_number} ({stage})"
    if callout.service_order_requested_at is not None:
        return (
            "a service order was requested at "
            f"{callout.service_order_requested_at.isoformat()} and is being opened"
        )
    return None


@dataclass(frozen=True)
class OrderNews:
    """What field work's event says of a callout's order."""

    order_id: uuid.UUID
    number: str
    stage: str
    version: int


def order_values(callout: OrderedCallout, news: OrderNews) -> dict[str, Any] | None:
    """The order columns an event writes on its callout; None for an event older than
    what the callout shows (events may arrive out of order; the order's version decides)."""
    if callout.service_order_version is not None and news.version <= callout.service_order_version:
        return None
    return {
        "service_order_id": news.order_id,
        "service_order_number": news.number,
        "service_order_stage": news.stage,
        "service_order_version": news.version,
    }


def completed_by_order_detail(number: str) -> str:
    return f"completed by service order {number}"
