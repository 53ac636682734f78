"""What planning decides (planning_rules), without a database: which callouts a
workflow gets, which pending ones move, which are withdrawn, and what stays history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from scheduling import planning_rules
from scheduling.domain import CalloutState
from scheduling.planning_rules import (
    DELETED_REASON,
    NOT_APPLICABLE_REASON,
    ExistingCallout,
    PlanningPolicy,
)

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
POLICY = PlanningPolicy(today=TODAY, now=NOW, horizon_days=400, catch_up_days=30)
STOCKHOLM = ZoneInfo("Europe/Stockholm")
ZONES = {None: ZoneInfo("UTC"), "ou-1": STOCKHOLM}
PRODUCT = uuid.uuid4()
STEP = uuid.UUID(int=1)
OWNER = uuid.uuid4()


@dataclass(frozen=True)
class Item:
    id: uuid.UUID
    product_id: uuid.UUID = PRODUCT
    pinned_service_type_id: uuid.UUID | None = None
    owner_customer_id: uuid.UUID = OWNER
    org_unit: str | None = None
    startup_date: date | None = TODAY
    status: str = "active"
    action_code: str | None = None


@dataclass(frozen=True)
class Callout:
    id: uuid.UUID
    state: str
    scheduled_for: date
    due_at: datetime
    customer_id: uuid.UUID = OWNER
    org_unit: str | None = None
    service_type_name: str | None = "Annual"
    step_description: str | None = "reminder"
    send_requested_at: datetime | None = None


def _type(
    *, approval: ApprovalMethod = ApprovalMethod.MANUAL, span: int = 0, **changes: object
) -> ServiceTypeChanged:
    return ServiceTypeChanged(
        service_type_id=uuid.uuid4(),
        version=1,
        system_name="annual",
        display_name="Annual",
        enabled=True,
        approval_method=approval,
        print_tag=None,
        steps=[
            StepDefinition(
                step_id=STEP,
                position=0,
                description="reminder",
                schedule=StepSchedule(kind="after", span=span, period="days"),
                initial=MessageSet(email_subject="Due"),
                on_completion=MessageSet(),
            )
        ],
        links=[
            ServiceLinkDefinition(
                main_product_id=PRODUCT, apply_to_main_product=True, related_product_ids=[]
            )
        ],
    ).model_copy(update=changes)


def _plan(
    service_type: ServiceTypeChanged,
    item: Item,
    existing: dict[tuple[uuid.UUID, int], ExistingCallout] | None = None,
    began: datetime | None = None,
) -> planning_rules.PlanChanges:
    workflow = uuid.uuid4()
    applies = planning_rules.applicability(service_type, [item])
    return planning_rules.plan_workflows(
        service_type,
        [item],
        applies,
        {item.id: workflow},
        {workflow: existing or {}},
        ZONES,
        POLICY,
        {workflow: began} if began is not None else None,
    )


def _pending(scheduled_for: date = TODAY, **changes: object) -> Callout:
    due = datetime.combine(scheduled_for, datetime.min.time(), UTC)
    callout = Callout(uuid.uuid4(), CalloutState.AWAITING_APPROVAL, scheduled_for, due)
    return replace(callout, **changes)  # type: ignore[arg-type]


def test_a_new_workflow_gets_its_callouts_due_at_the_start_of_the_day_locally() -> None:
    item = Item(uuid.uuid4(), org_unit="ou-1")
    changes = _plan(_type(approval=ApprovalMethod.AUTOMATIC), item)
    [new] = changes.created
    assert (new.serial_item_id, new.step_id, new.occurrence) == (item.id, STEP, 0)
    assert (new.scheduled_for, new.org_unit) == (TODAY, "ou-1")
    assert new.due_at == datetime(2026, 11, 23, tzinfo=STOCKHOLM)
    assert (new.state, new.approved_at) == (CalloutState.APPROVED, NOW)
    assert (changes.moved, dict(changes.withdrawn)) == ([], {})
    manual = _plan(_type(), item).created[0]
    assert (manual.state, manual.approved_at) == (CalloutState.AWAITING_APPROVAL, None)


def test_occurrences_older_than_the_catch_up_window_are_not_created() -> None:
    old = Item(uuid.uuid4(), startup_date=TODAY - timedelta(days=31))
    assert _plan(_type(), old).created == []
    # One that exists already stays: it is still part of the schedule.
    existing = _pending(TODAY - timedelta(days=31))
    kept = _plan(_type(), old, {(STEP, 0): existing})
    assert (kept.created, kept.moved, dict(kept.withdrawn)) == ([], [], {})


def test_planning_what_is_there_changes_nothing() -> None:
    existing = _pending()
    changes = _plan(_type(), Item(uuid.uuid4()), {(STEP, 0): existing})
    assert (changes.created, changes.moved, dict(changes.withdrawn)) == ([], [], {})


def test_a_pending_callout_follows_a_new_date_and_becomes_due_that_day() -> None:
    existing = _pending()
    [move] = _plan(_type(span=10), Item(uuid.uuid4()), {(STEP, 0): existing}).moved
    later = TODAY + timedelta(days=10)
    assert (move.callout_id, move.scheduled_for) == (existing.id, later)
    assert move.due_at == datetime.combine(later, datetime.min.time(), ZoneInfo("UTC"))


def test_a_new_owner_moves_the_callout_but_keeps_its_due_time() -> None:
    deferred = NOW + timedelta(days=2)  # the dispatcher deferred it into a window
    existing = _pending(due_at=deferred)
    owner = uuid.uuid4()
    [move] = _plan(
        _type(), Item(uuid.uuid4(), owner_customer_id=owner), {(STEP, 0): existing}
    ).moved
    assert (move.customer_id, move.due_at, move.scheduled_for) == (owner, deferred, TODAY)


def test_history_and_callouts_in_flight_are_never_touched() -> None:
    for existing in (
        _pending(state=CalloutState.SENT),
        _pending(state=CalloutState.FAILED),
        _pending(state=CalloutState.APPROVED, send_requested_at=NOW),
    ):
        moved = _plan(_type(span=10), Item(uuid.uuid4()), {(STEP, 0): existing})
        assert (moved.created, moved.moved) == ([], []), existing.state
        gone = _plan(_type(), Item(uuid.uuid4(), status="scrapped"), {(STEP, 0): existing})
        assert dict(gone.withdrawn) == {}, existing.state


def test_pending_callouts_the_plan_no_longer_has_are_withdrawn_with_the_reason() -> None:
    def withdrawn(service_type: ServiceTypeChanged, item: Item) -> dict[str, list[uuid.UUID]]:
        existing = _pending()
        changes = _plan(service_type, item, {(STEP, 0): existing})
        assert changes.created == []
        return dict(changes.withdrawn.items())

    item = Item(uuid.uuid4())
    assert list(withdrawn(_type(), replace(item, status="scrapped"))) == [
        "the serial item is scrapped"
    ]
    assert list(withdrawn(_type(deleted=True), item)) == [DELETED_REASON]
    assert list(withdrawn(_type(enabled=False), item)) == [NOT_APPLICABLE_REASON]
    assert list(withdrawn(_type(), replace(item, product_id=uuid.uuid4()))) == [
        NOT_APPLICABLE_REASON
    ]
    # A step that moved on to another occurrence: the old one is no longer scheduled.
    existing = _pending()
    changes = _plan(_type(), item, {(STEP, 5): existing})
    assert dict(changes.withdrawn) == {"no longer scheduled by the service type": [existing.id]}
    assert len(changes.created) == 1


def test_items_without_a_workflow_are_left_alone() -> None:
    item = Item(uuid.uuid4())
    service_type = _type()
    changes = planning_rules.plan_workflows(
        service_type, [item], {item.id: True}, {}, {}, ZONES, POLICY
    )
    assert (changes.created, changes.moved, dict(changes.withdrawn)) == ([], [], {})


def test_replans_plan_applying_types_and_withdraw_the_others_where_there_is_a_workflow() -> None:
    linked, deleted, elsewhere = _type(), _type(deleted=True), _type()
    elsewhere = elsewhere.model_copy(update={"links": []})
    item, other = Item(uuid.uuid4()), Item(uuid.uuid4())
    workflows = {(deleted.service_type_id, item.id), (elsewhere.service_type_id, other.id)}
    replans = planning_rules.replans([linked, deleted, elsewhere], [item, other], workflows)
    by_type = {r.service_type.service_type_id: r for r in replans}
    assert [i.id for i in by_type[linked.service_type_id].applying] == [item.id, other.id]
    assert by_type[deleted.service_type_id].withdrawn == [item.id]
    assert by_type[deleted.service_type_id].reason == DELETED_REASON
    assert by_type[elsewhere.service_type_id].withdrawn == [other.id]
    assert by_type[elsewhere.service_type_id].reason == NOT_APPLICABLE_REASON
    # A type with nothing to plan and nothing to withdraw is left out.
    assert len(planning_rules.replans([elsewhere], [item], set())) == 0


# --- "Startup" is the workflow's initiation (issue 17, item 12) --------------------------


def test_the_items_startup_date_is_the_startup_when_it_has_one() -> None:
    item = Item(uuid.uuid4(), startup_date=TODAY - timedelta(days=3))
    began = NOW - timedelta(days=1)
    [new] = _plan(_type(span=10), item, began=began).created
    assert new.scheduled_for == TODAY + timedelta(days=7)


def test_without_a_startup_date_the_workflow_began_in_the_org_units_zone() -> None:
    # 23:30 UTC on November 20 is already November 21 in Stockholm.
    began = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    item = Item(uuid.uuid4(), startup_date=None, org_unit="ou-1")
    [new] = _plan(_type(span=10), item, began=began).created
    assert new.scheduled_for == date(2026, 12, 1)
    unzoned = Item(uuid.uuid4(), startup_date=None)
    [new] = _plan(_type(span=10), unzoned, began=began).created
    assert new.scheduled_for == date(2026, 11, 30)
    # Before issue 17 such an item got no callouts at all.
    assert planning_rules.startup(item, None, STOCKHOLM) is None


# --- a link's pre-code narrows it to the item's action code (issue 17, item 8) ------------


def test_a_pre_coded_link_plans_only_items_of_its_action_code() -> None:
    link = ServiceLinkDefinition(
        main_product_id=PRODUCT, apply_to_main_product=True, related_product_ids=[],
        pre_code="INSP",
    )  # fmt: skip
    service_type = _type(links=[link])
    inspected = Item(uuid.uuid4(), action_code="INSP")
    repaired = Item(uuid.uuid4(), action_code="REPAIR")
    plain = Item(uuid.uuid4())
    applies = planning_rules.applicability(service_type, [inspected, repaired, plain])
    assert applies == {inspected.id: True, repaired.id: False, plain.id: False}
    assert len(_plan(service_type, inspected).created) == 1
    assert _plan(service_type, repaired).created == []
    # A pending callout of an item whose action code changed away is withdrawn.
    pending = _pending()
    changes = _plan(service_type, repaired, {(STEP, 0): pending})
    assert changes.withdrawn == {NOT_APPLICABLE_REASON: [pending.id]}
    [replan] = planning_rules.replans(
        [service_type], [inspected, repaired], {(service_type.service_type_id, repaired.id)}
    )
    assert [i.id for i in replan.applying] == [inspected.id]
    assert replan.withdrawn == [repaired.id]


def test_a_monthly_schedule_repeating_every_three_months_is_planned() -> None:
    """Issue 17, item 7: planned like any other repeat, keyed by occurrence."""
    [step] = _type().steps
    quarterly = step.model_copy(
        update={
            "schedule": StepSchedule(
                kind="monthly", day=1, repeat_every=3, repeat_period="months", limit_repetitions=3
            )
        }
    )
    created = _plan(_type(steps=[quarterly]), Item(uuid.uuid4())).created
    assert [(c.scheduled_for, c.occurrence) for c in created] == [
        (date(2026, 12, 1), 0),
        (date(2027, 3, 1), 1),
        (date(2027, 6, 1), 2),
    ]
