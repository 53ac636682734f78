"""A service order's stage and technician status, free of I/O (seed 003).

The technician status drives the stage: Done => Completed, Cancelled => Cancelled, and
every status of an order in progress (Planned, En route, On site, Working, Break) =>
Planned. An order is otherwise Planned exactly when it has a responsible technician and
at least one standing booking, and New when it lacks either. Completed and Cancelled are
final: nothing moves an order out of them.

"Customer absent" (decision 67): allowed while the technician is en route or on site. It
records the absence, marks the booking being visited (the standing booking that started
first) as missed, and sets the status back to Planned when another standing booking
remains; with none left the order goes back to New with no status, its technician kept,
to be booked again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aftersales_contracts.fieldwork import Stage, TechnicianStatus

S = TechnicianStatus

FINAL_STAGES = frozenset({Stage.COMPLETED, Stage.CANCELLED})


class Action(enum.StrEnum):
    """What a planner or the technician's phone does to an order (the order's buttons)."""

    DEPART = "depart"
    ARRIVE = "arrive"
    START_WORK = "start_work"
    PAUSE = "break"
    RESUME = "resume"
    CUSTOMER_ABSENT = "customer_absent"
    COMPLETE = "complete"
    CANCEL = "cancel"


# Which statuses each action may start from, and the status it leads to.
_FROM: dict[Action, frozenset[TechnicianStatus]] = {
    Action.DEPART: frozenset({S.PLANNED}),
    Action.ARRIVE: frozenset({S.EN_ROUTE}),
    Action.START_WORK: frozenset({S.ON_SITE, S.EN_ROUTE}),
    Action.PAUSE: frozenset({S.WORKING}),
    Action.RESUME: frozenset({S.BREAK}),
    Action.CUSTOMER_ABSENT: frozenset({S.EN_ROUTE, S.ON_SITE}),
    # A planner may complete a planned order whose technician recorded nothing.
    Action.COMPLETE: frozenset({S.PLANNED, S.EN_ROUTE, S.ON_SITE, S.WORKING, S.BREAK}),
}
_TO: dict[Action, TechnicianStatus] = {
    Action.DEPART: S.EN_ROUTE,
    Action.ARRIVE: S.ON_SITE,
    Action.START_WORK: S.WORKING,
    Action.PAUSE: S.BREAK,
    Action.RESUME: S.WORKING,
    Action.COMPLETE: S.DONE,
    Action.CANCEL: S.CANCELLED,
}


class Refused(Exception):
    """An action or a move that does not apply; ``reason`` says why (for a 409)."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class OrderState:
    stage: Stage
    status: TechnicianStatus | None
    has_technician: bool
    standing_bookings: int


def stage_for(
    status: TechnicianStatus | None, *, has_technician: bool, standing_bookings: int
) -> Stage:
    """The stage an order with this status, technician and bookings is in."""
    if status is S.DONE:
        return Stage.COMPLETED
    if status is S.CANCELLED:
        return Stage.CANCELLED
    if status is not None and status is not S.PLANNED:
        # En route, on site, working, break: the intervention is under way.
        return Stage.PLANNED
    return Stage.PLANNED if has_technician and standing_bookings > 0 else Stage.NEW


def replanned(state: OrderState) -> OrderState:
    """The state after the technician or the bookings changed (a booking added, moved or
    removed, a technician set or cleared): Planned with a technician and a standing
    booking, else New. A visit under way keeps its status; a final order never changes."""
    if state.stage in FINAL_STAGES:
        raise Refused(f"the order is {state.stage.value}: it can no longer be planned")
    under_way = state.status not in (None, S.PLANNED)
    if under_way:
        return state
    planned = state.has_technician and state.standing_bookings > 0
    status = S.PLANNED if planned else None
    return OrderState(
        stage_for(
            status,
            has_technician=state.has_technician,
            standing_bookings=state.standing_bookings,
        ),
        status,
        state.has_technician,
        state.standing_bookings,
    )


def act(state: OrderState, action: Action) -> OrderState:
    """The state ``action`` leads to; raises ``Refused`` naming why it does not apply.

    ``CUSTOMER_ABSENT`` expects ``state.standing_bookings`` to count the bookings left
    after the visited one was marked missed (the use case marks it first)."""
    if state.stage in FINAL_STAGES:
        raise Refused(f"the order is {state.stage.value}: no action applies any more")
    if action is Action.CANCEL:
        return OrderState(
            Stage.CANCELLED, S.CANCELLED, state.has_technician, state.standing_bookings
        )
    if state.status is None:
        raise Refused(
            f"{action.value} needs a planned order (a technician and a booking); this one is new"
        )
    allowed = _FROM[action]
    if state.status not in allowed:
        names = ", ".join(sorted(s.value for s in allowed))
        raise Refused(
            f"{action.value} applies when the technician status is {names}; "
            f"it is {state.status.value}"
        )
    if action is Action.CUSTOMER_ABSENT:
        return replanned(
            OrderState(Stage.PLANNED, S.PLANNED, state.has_technician, state.standing_bookings)
        )
    status = _TO[action]
    stage = stage_for(
        status, has_technician=state.has_technician, standing_bookings=state.standing_bookings
    )
    return OrderState(stage, status, state.has_technician, state.standing_bookings)


def move(state: OrderState, to: Stage) -> Action | None:
    """What moving a card to column ``to`` means. Completed and Cancelled go through the
    Complete and Cancel actions (the returned action); Planned and New are decided by the
    technician and the bookings, so a move there only checks that the order is, or can be
    made, so: None tells the caller to replan (after booking or releasing bookings)."""
    if state.stage is to:
        return None
    if state.stage in FINAL_STAGES:
        raise Refused(f"the order is {state.stage.value}: it cannot be moved to {to.value}")
    if to is Stage.COMPLETED:
        return Action.COMPLETE
    if to is Stage.CANCELLED:
        return Action.CANCEL
    if to is Stage.NEW and state.status not in (None, S.PLANNED):
        raise Refused(
            f"the technician is {state.status.value if state.status else 'idle'}: "
            "a visit under way cannot go back to new"
        )
    return None


# --- time accounting ---------------------------------------------------------------------


@dataclass(frozen=True)
class StatusStamp:
    at: datetime
    status: TechnicianStatus | None


@dataclass(frozen=True)
class TimeSpent:
    travel: timedelta
    on_site: timedelta
    working: timedelta
    on_break: timedelta


_COUNTED = {
    S.EN_ROUTE: "travel",
    S.ON_SITE: "on_site",
    S.WORKING: "working",
    S.BREAK: "on_break",
}


def time_spent(stamps: Iterable[StatusStamp], now: datetime) -> TimeSpent:
    """Travel, on-site, working and break time from the order's status stamps (in time
    order): each status lasts until the next stamp; the last one open until ``now``."""
    totals = dict.fromkeys(_COUNTED.values(), timedelta(0))
    ordered: Sequence[StatusStamp] = sorted(stamps, key=lambda s: s.at)
    # Each stamp paired with the next (the last with None: open until ``now``).
    followers: list[StatusStamp | None] = [*ordered[1:], None] if ordered else []
    for current, following in zip(ordered, followers, strict=True):
        bucket = _COUNTED.get(current.status) if current.status else None
        if bucket is None:
            continue
        until = following.at if following is not None else now
        if until > current.at:
            totals[bucket] += until - current.at
    return TimeSpent(**totals)


def format_number(prefix: str, value: int, width: int) -> str:
    """A readable number: ``SO-000123``; wider values keep every digit."""
    return f"{prefix}{value:0{width}d}"
