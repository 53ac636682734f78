"""What planning changes, decided without I/O: given items, their workflows and the
callouts those have, which callouts to create, move and withdraw (and why)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_schedule import local_date
from scheduling import domain
from scheduling.domain import CalloutState

DELETED_REASON = "service type deleted"
NOT_APPLICABLE_REASON = "the service type no longer applies to the item"


class PlannedItem(Protocol):
    """What planning reads of a serial item (a row of the item projection)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def product_id(self) -> uuid.UUID: ...
    @property
    def pinned_service_type_id(self) -> uuid.UUID | None: ...
    @property
    def owner_customer_id(self) -> uuid.UUID: ...
    @property
    def org_unit(self) -> str | None: ...
    @property
    def startup_date(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def action_code(self) -> str | None: ...


class ExistingCallout(Protocol):
    """What planning reads of a callout a workflow has already."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def state(self) -> str: ...
    @property
    def send_requested_at(self) -> datetime | None: ...
    @property
    def scheduled_for(self) -> date: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def customer_id(self) -> uuid.UUID: ...
    @property
    def org_unit(self) -> str | None: ...
    @property
    def service_type_name(self) -> str | None: ...
    @property
    def step_description(self) -> str | None: ...


# A workflow's callouts by (step, occurrence).
CalloutsByOccurrence = Mapping[tuple[uuid.UUID, int], ExistingCallout]


@dataclass(frozen=True, slots=True)
class NewCallout:
    workflow_id: uuid.UUID
    serial_item_id: uuid.UUID
    customer_id: uuid.UUID
    step_id: uuid.UUID
    occurrence: int
    org_unit: str | None
    scheduled_for: date
    due_at: datetime
    state: CalloutState
    approved_at: datetime | None
    service_type_name: str
    step_description: str | None


@dataclass(frozen=True, slots=True)
class MovedCallout:
    """A pending callout following its item's new date, owner, org unit or names."""

    callout_id: uuid.UUID
    scheduled_for: date
    due_at: datetime
    customer_id: uuid.UUID
    org_unit: str | None
    service_type_name: str
    step_description: str | None


@dataclass
class PlanChanges:
    created: list[NewCallout] = field(default_factory=list)
    moved: list[MovedCallout] = field(default_factory=list)
    # reason -> the pending callouts withdrawn for it
    withdrawn: dict[str, list[uuid.UUID]] = field(default_factory=lambda: defaultdict(list))


@dataclass(frozen=True)
class PlanningPolicy:
    """The settings and the moment a planning pass works with."""

    today: date
    now: datetime
    horizon_days: int
    catch_up_days: int


def applicability(
    service_type: ServiceTypeChanged, items: Sequence[PlannedItem]
) -> dict[uuid.UUID, bool]:
    """Item id -> whether the type applies to it (the shared rule, pins included)."""
    return {item.id: _applies(service_type, item) for item in items}


def _applies(service_type: ServiceTypeChanged, item: PlannedItem) -> bool:
    return domain.applies_to(
        service_type,
        item.product_id,
        pinned_service_type_id=item.pinned_service_type_id,
        action_code=item.action_code,
    )


def startup(item: PlannedItem, began: datetime | None, zone: ZoneInfo) -> date | None:
    """The workflow's initiation (seed 000's "Startup"): the item's startup date when it
    has one, otherwise the day its workflow of the type began (the item came under the
    type), in the org unit's zone."""
    if item.startup_date is not None:
        return item.startup_date
    return None if began is None else local_date(began, zone)


def withdrawal_reason(service_type: ServiceTypeChanged, applies: bool, item_status: str) -> str:
    """Why a pending callout the plan no longer has is withdrawn, in words users read."""
    if service_type.deleted:
        return DELETED_REASON
    if not applies:
        return NOT_APPLICABLE_REASON
    if not domain.is_serviceable(item_status):
        return f"the serial item is {item_status}"
    return "no longer scheduled by the service type"


def plan_workflows(
    service_type: ServiceTypeChanged,
    items: Sequence[PlannedItem],
    applies: Mapping[uuid.UUID, bool],
    workflows: Mapping[uuid.UUID, uuid.UUID],
    existing: Mapping[uuid.UUID, CalloutsByOccurrence],
    zones: Mapping[str | None, ZoneInfo],
    policy: PlanningPolicy,
    began: Mapping[uuid.UUID, datetime] | None = None,
) -> PlanChanges:
    """Bring the type's workflows of ``items`` (item id -> workflow id) in line with the
    plan: create the callouts they lack up to the horizon, move pending ones to their new
    date / owner / org unit / names, withdraw pending ones the plan no longer has. Sent,
    completed, cancelled and failed ones are history and never touched; a callout already
    handed to notifications is not moved or withdrawn either. ``began`` (workflow id ->
    when it was created) is the startup of an item without a startup date (``startup``)."""
    changes = PlanChanges()
    state = domain.initial_state(service_type.approval_method)
    approved_at = policy.now if state is CalloutState.APPROVED else None
    steps = {s.step_id: s.description for s in service_type.steps}
    plans: dict[date | None, list[domain.PlannedCallout]] = {}  # items share startups
    for item in items:
        workflow_id = workflows.get(item.id)
        if workflow_id is None:
            continue
        planned: list[domain.PlannedCallout] = []
        zone = zones[item.org_unit]
        if applies[item.id] and domain.is_serviceable(item.status):
            start = startup(item, (began or {}).get(workflow_id), zone)
            if start not in plans:
                plans[start] = domain.plan(
                    service_type,
                    start,
                    policy.today,
                    policy.horizon_days,
                    policy.catch_up_days,
                )
            planned = plans[start]
        have = dict(existing.get(workflow_id, {}))
        for p in planned:
            row = have.pop((p.step_id, p.occurrence), None)
            description = steps.get(p.step_id)
            if row is None:
                if p.creatable:
                    # Start of the day in the org unit's zone: the dispatcher holds it
                    # back until the org unit's sending window opens.
                    changes.created.append(
                        NewCallout(
                            workflow_id=workflow_id,
                            serial_item_id=item.id,
                            customer_id=item.owner_customer_id,
                            step_id=p.step_id,
                            occurrence=p.occurrence,
                            org_unit=item.org_unit,
                            scheduled_for=p.scheduled_for,
                            due_at=domain.due_at(p.scheduled_for, zone),
                            state=state,
                            approved_at=approved_at,
                            service_type_name=service_type.display_name,
                            step_description=description,
                        )
                    )
            elif _movable(row) and (
                row.scheduled_for != p.scheduled_for
                or row.customer_id != item.owner_customer_id
                or row.org_unit != item.org_unit
                or row.service_type_name != service_type.display_name
                or row.step_description != description
            ):
                # A new date or org unit makes it due at the start of the new day; an
                # owner or name change keeps the due time (a deferral stays).
                moved = row.scheduled_for != p.scheduled_for or row.org_unit != item.org_unit
                changes.moved.append(
                    MovedCallout(
                        callout_id=row.id,
                        scheduled_for=p.scheduled_for,
                        due_at=domain.due_at(p.scheduled_for, zone) if moved else row.due_at,
                        customer_id=item.owner_customer_id,
                        org_unit=item.org_unit,
                        service_type_name=service_type.display_name,
                        step_description=description,
                    )
                )
        # Pending callouts the new plan no longer has are withdrawn, never silently sent.
        withdrawn = [row.id for row in have.values() if _movable(row)]
        if withdrawn:
            reason = withdrawal_reason(service_type, applies[item.id], item.status)
            changes.withdrawn[reason] += withdrawn
    return changes


def _movable(row: ExistingCallout) -> bool:
    return row.state in domain.PENDING_STATES and row.send_requested_at is None


@dataclass(frozen=True)
class Replan:
    """One type's share of re-planning a set of items: the items it applies to (to plan)
    and those whose workflow of it no longer applies (to withdraw, with ``reason``)."""

    service_type: ServiceTypeChanged
    applying: list[PlannedItem]
    withdrawn: list[uuid.UUID]
    reason: str


def replans(
    types: Sequence[ServiceTypeChanged],
    items: Sequence[PlannedItem],
    workflows: Collection[tuple[uuid.UUID, uuid.UUID]],
) -> list[Replan]:
    """What re-planning ``items`` means for each type: plan those it applies to, withdraw
    what the others have pending where they have a workflow ((type id, item id) pairs)."""
    result = []
    for service_type in types:
        type_id = service_type.service_type_id
        applying: list[PlannedItem] = []
        withdrawn: list[uuid.UUID] = []
        for item in items:
            if _applies(service_type, item):
                applying.append(item)
            elif (type_id, item.id) in workflows:
                withdrawn.append(item.id)
        if applying or withdrawn:
            reason = DELETED_REASON if service_type.deleted else NOT_APPLICABLE_REASON
            result.append(Replan(service_type, applying, withdrawn, reason))
    return result
