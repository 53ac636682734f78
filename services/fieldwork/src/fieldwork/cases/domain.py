"""The service case's pure rules: its status from its trips and protocols, and what the
dispatcher's review finds missing before the case may be closed. Facts in, verdicts out;
no I/O.

The status rule (decision text in the README, "Service cases"):

1. **Cancelled** once cancelled, **Completed** once the dispatcher closed it: both final
   for the rule (only the case's own actions leave Completed: none does today).
2. **Problem** when the latest problem — a visit that ended with the customer absent (an
   ``absence`` of a trip that is not cancelled), or a completed protocol reporting a
   problem — has not been resolved by anything *strictly newer*: a visit under way (a
   status En route, On site, Working or Break stamped on any trip of the case), a
   booking made (and not released) on any trip of the case, or a protocol completed
   without a problem.
3. **InProgress** while a trip that is not cancelled has its technician en route, on
   site, working or on a break.
4. **Planned** otherwise (new trips, booked trips, and trips done but not yet reviewed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from aftersales_contracts.fieldwork import CaseStatus, Stage, TechnicianStatus

# A technician status of a visit under way (seed 002: the case is InProgress).
VISIT_UNDER_WAY = frozenset(
    {
        TechnicianStatus.EN_ROUTE,
        TechnicianStatus.ON_SITE,
        TechnicianStatus.WORKING,
        TechnicianStatus.BREAK,
    }
)
# Statuses only the case's own actions set; following its orders never leaves them.
FINAL = frozenset({CaseStatus.CANCELLED, CaseStatus.COMPLETED})
# A trip still to be carried out (the review's "orders still open").
OPEN_STAGES = frozenset({Stage.NEW, Stage.PLANNED})


@dataclass(frozen=True)
class TripFacts:
    """One order of the case as the rule needs it; ``absent_at`` the latest
    customer-absent of its visits."""

    number: str
    stage: Stage
    status: TechnicianStatus | None
    absent_at: datetime | None = None


@dataclass(frozen=True)
class ProtocolFacts:
    """One protocol of the case; ``completed_at`` None while it is a draft."""

    completed_at: datetime | None
    problem_reported: bool = False
    problem_description: str | None = None


@dataclass(frozen=True)
class CaseFacts:
    current: CaseStatus
    trips: Sequence[TripFacts] = ()
    protocols: Sequence[ProtocolFacts] = ()
    # The latest stamp of a visit under way (status rows), on any trip of the case.
    last_visit_at: datetime | None = None
    # The latest creation of a booking that was not released, on any trip of the case.
    last_booked_at: datetime | None = None


@dataclass(frozen=True)
class Verdict:
    status: CaseStatus
    # Why the case is in Problem (None otherwise).
    problem_reason: str | None = None


def _latest_problem(facts: CaseFacts) -> tuple[datetime, str] | None:
    problems: list[tuple[datetime, str]] = [
        (trip.absent_at, f"the customer was absent at {trip.number}")
        for trip in facts.trips
        if trip.absent_at is not None and trip.stage is not Stage.CANCELLED
    ]
    for protocol in facts.protocols:
        if protocol.completed_at is not None and protocol.problem_reported:
            reason = (protocol.problem_description or "").strip() or "a protocol reports a problem"
            problems.append((protocol.completed_at, reason))
    if not problems:
        return None
    return max(problems, key=lambda p: p[0])


def _resolved_after(facts: CaseFacts, at: datetime) -> bool:
    """Something strictly newer than ``at`` took the case on: a visit under way, a
    booking made, a protocol completed without a problem."""
    newer = [facts.last_visit_at, facts.last_booked_at]
    newer.extend(
        p.completed_at
        for p in facts.protocols
        if p.completed_at is not None and not p.problem_reported
    )
    return any(stamp is not None and stamp > at for stamp in newer)


def case_status(facts: CaseFacts) -> Verdict:
    """The case's status by the rule in this module's docstring."""
    if facts.current in FINAL:
        return Verdict(facts.current)
    problem = _latest_problem(facts)
    if problem is not None and not _resolved_after(facts, problem[0]):
        return Verdict(CaseStatus.PROBLEM, problem[1][:500])
    if any(
        trip.stage is not Stage.CANCELLED and trip.status in VISIT_UNDER_WAY for trip in facts.trips
    ):
        return Verdict(CaseStatus.IN_PROGRESS)
    return Verdict(CaseStatus.PLANNED)


# --- the review --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFacts:
    """What the review counts, over the case's completed protocols and its trips that are
    not cancelled."""

    completed_protocols: int
    items: int
    work_minutes: int
    photos: int
    # The trips (numbers) whose order kind requires photos.
    photos_required_by: Sequence[str] = ()
    # The trips (numbers) still New or Planned.
    open_orders: Sequence[str] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str
    # The trips it concerns (order numbers), when it concerns some.
    orders: list[str] = field(default_factory=list)


def missing(facts: ReviewFacts) -> list[Finding]:
    """Everything that keeps the case from being closed, in a fixed order:
    ``no_completed_protocol``, ``no_materials``, ``no_work_time``, ``no_photos``,
    ``open_orders``; empty when it may be closed."""
    found: list[Finding] = []
    if facts.completed_protocols == 0:
        found.append(Finding("no_completed_protocol", "no protocol of the case is completed"))
    if facts.items == 0:
        found.append(Finding("no_materials", "no consumed items on the case's completed protocols"))
    if facts.work_minutes <= 0:
        found.append(Finding("no_work_time", "no work time on the case's completed protocols"))
    if facts.photos_required_by and facts.photos == 0:
        numbers = sorted(set(facts.photos_required_by))
        found.append(
            Finding(
                "no_photos",
                "the order kind of " + ", ".join(numbers) + " requires photos (before or"
                " after) and the completed protocols have none",
                numbers,
            )
        )
    if facts.open_orders:
        numbers = sorted(set(facts.open_orders))
        found.append(Finding("open_orders", "orders still open: " + ", ".join(numbers), numbers))
    return found
