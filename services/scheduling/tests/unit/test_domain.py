"""Scheduling's pure rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from scheduling import domain
from scheduling.domain import CalloutState

PRODUCT, OTHER = uuid.uuid4(), uuid.uuid4()


def service_type(
    *,
    apply_to_main: bool = True,
    related: list[uuid.UUID] | None = None,
    enabled: bool = True,
    span: int = 0,
) -> ServiceTypeChanged:
    return ServiceTypeChanged(
        service_type_id=uuid.uuid4(),
        version=1,
        system_name="annual",
        display_name="Annual",
        enabled=enabled,
        approval_method=ApprovalMethod.MANUAL,
        print_tag=None,
        steps=[
            StepDefinition(
                step_id=uuid.uuid4(),
                position=0,
                description="1st reminder",
                schedule=StepSchedule(kind="after", span=span, period="days"),
                initial=MessageSet(email_subject="Hi"),
                on_completion=MessageSet(),
            )
        ],
        links=[
            ServiceLinkDefinition(
                main_product_id=PRODUCT,
                apply_to_main_product=apply_to_main,
                related_product_ids=related or [],
            )
        ],
    )


def test_a_type_applies_to_its_main_product_only_when_told() -> None:
    assert domain.applies_to(service_type(), PRODUCT)
    assert not domain.applies_to(service_type(apply_to_main=False), PRODUCT)
    assert domain.applies_to(service_type(apply_to_main=False, related=[OTHER]), OTHER)
    assert not domain.applies_to(service_type(), OTHER)
    assert not domain.applies_to(service_type(enabled=False), PRODUCT)


def test_approval_method_decides_the_first_state() -> None:
    assert domain.initial_state(ApprovalMethod.AUTOMATIC) is CalloutState.APPROVED
    assert domain.initial_state(ApprovalMethod.MANUAL) is CalloutState.AWAITING_APPROVAL


def test_only_awaiting_callouts_can_be_approved() -> None:
    assert (
        domain.transition(domain.Action.APPROVE, CalloutState.AWAITING_APPROVAL)
        is CalloutState.APPROVED
    )
    with pytest.raises(domain.InvalidTransition):
        domain.transition(domain.Action.APPROVE, CalloutState.SENT)


def test_plan_leaves_out_occurrences_older_than_the_catch_up_window() -> None:
    today = date(2026, 11, 23)
    assert [p.scheduled_for for p in domain.plan(service_type(), today, today, 400, 30)] == [today]
    # An old occurrence is still part of the schedule (a pending callout for it stays)
    # but no callout is created for it.
    [old] = domain.plan(service_type(), date(2020, 1, 1), today, 400, 30)
    assert not old.creatable


def test_the_shared_rule_decides_pinned_disabled_and_deleted_types() -> None:
    pinned = service_type(apply_to_main=False)
    assert not domain.applies_to(pinned, OTHER)
    assert domain.applies_to(pinned, OTHER, pinned_service_type_id=pinned.service_type_id)
    disabled = service_type(enabled=False)
    assert not domain.applies_to(disabled, PRODUCT, pinned_service_type_id=disabled.service_type_id)
    deleted = service_type().model_copy(update={"deleted": True})
    assert not domain.applies_to(deleted, PRODUCT)


STOCKHOLM = ZoneInfo("Europe/Stockholm")
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
OFFICE = domain.SendingWindow(WEEKDAYS, time(8), time(18), STOCKHOLM)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def _open(window: domain.SendingWindow, at: datetime) -> bool:
    """The window is open at ``at``: its next opening is that moment itself."""
    return window.next_opening(at) == at


def test_inside_the_window_the_next_opening_is_now() -> None:
    at = local(2026, 11, 23, 10, 0)  # a Monday
    assert OFFICE.next_opening(at) == at
    assert _open(OFFICE, at.astimezone(UTC))
    assert OFFICE.next_opening(local(2026, 11, 23, 8, 0)) == local(2026, 11, 23, 8, 0)


def test_before_and_after_the_window_it_waits_for_the_next_opening() -> None:
    assert OFFICE.next_opening(local(2026, 11, 23, 6, 0)) == local(2026, 11, 23, 8, 0)
    assert OFFICE.next_opening(local(2026, 11, 23, 18, 0)) == local(2026, 11, 24, 8, 0)
    # In UTC too: 07:00 UTC is 08:00 in Stockholm in winter.
    opening = OFFICE.next_opening(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))
    assert opening is not None
    assert opening.astimezone(UTC) == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def test_a_week_end_waits_for_monday() -> None:
    monday = local(2026, 11, 30, 8, 0)
    assert OFFICE.next_opening(local(2026, 11, 27, 18, 30)) == monday  # Friday evening
    assert OFFICE.next_opening(local(2026, 11, 28, 12, 0)) == monday  # Saturday
    assert OFFICE.next_opening(local(2026, 11, 29, 23, 59)) == monday  # Sunday night
    # Across a year end as well.
    assert OFFICE.next_opening(local(2027, 1, 1, 19, 0)) == local(2027, 1, 4, 8, 0)


def test_the_window_keeps_its_local_hours_across_dst_changes() -> None:
    # Spring forward in Stockholm: Sunday 2027-03-28 02:00 -> 03:00.
    before = OFFICE.next_opening(local(2027, 3, 26, 19, 0))  # Friday, CET
    assert before is not None
    assert before.astimezone(UTC) == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST
    # Fall back: Sunday 2026-10-25 03:00 -> 02:00.
    after = OFFICE.next_opening(datetime(2026, 10, 23, 16, 30, tzinfo=UTC))  # Fri 18:30 CEST
    assert after is not None
    assert after.astimezone(UTC) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)  # 08:00 CET


def test_an_opening_in_the_spring_forward_gap_opens_after_the_jump() -> None:
    night = domain.SendingWindow(frozenset({7}), time(2, 30), time(4), STOCKHOLM)
    opening = night.next_opening(datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    assert opening is not None
    # 02:30 does not exist that night; the window opens at 01:30 UTC (03:30 CEST).
    assert opening.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert _open(night, opening)


def test_a_window_across_midnight_belongs_to_the_day_it_opens() -> None:
    nights = domain.SendingWindow(frozenset({5}), time(22), time(6), STOCKHOLM)  # Friday night
    saturday_early = local(2026, 11, 28, 3, 0)
    assert nights.next_opening(saturday_early) == saturday_early
    assert nights.next_opening(local(2026, 11, 28, 7, 0)) == local(2026, 12, 4, 22, 0)


def test_a_window_without_weekdays_never_opens() -> None:
    never = domain.SendingWindow(frozenset(), time(8), time(18), STOCKHOLM)
    assert never.next_opening(local(2026, 11, 23, 10, 0)) is None


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        # hypothesis takes naive bounds and adds the zone itself
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001
        max_value=datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    days=st.frozensets(st.integers(1, 7), min_size=1),
    start_minute=st.integers(0, 23 * 60),
    length=st.integers(1, 12 * 60),
    zone=st.sampled_from(["Europe/Stockholm", "America/New_York", "Australia/Sydney", "UTC"]),
)
def test_the_next_opening_is_open_and_nothing_opens_earlier(
    moment: datetime, days: frozenset[int], start_minute: int, length: int, zone: str
) -> None:
    end_minute = min(start_minute + length, 24 * 60 - 1)
    window = domain.SendingWindow(
        days,
        time(start_minute // 60, start_minute % 60),
        time(end_minute // 60, end_minute % 60),
        ZoneInfo(zone),
    )
    opening = window.next_opening(moment)
    assert opening is not None
    assert opening >= moment
    assert opening - moment <= timedelta(days=8)
    assert _open(window, opening)
    if opening > moment:
        # Closed from now until it opens: sampled every quarter hour.
        probe = moment
        while probe < opening:
            assert not _open(window, probe)
            probe += timedelta(minutes=15)


def test_due_at_is_the_window_start_in_the_local_zone() -> None:
    due = domain.due_at(date(2026, 11, 23), ZoneInfo("Europe/Stockholm"), time(8))
    assert due.astimezone(UTC) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_only_active_items_are_serviceable() -> None:
    assert domain.is_serviceable("active")
    assert not domain.is_serviceable("inactive")
    assert not domain.is_serviceable("scrapped")


# --- what "Recalculate messages" leaves in the history ---------------------------------


def _snap(
    state: CalloutState = CalloutState.AWAITING_APPROVAL,
    on: date = date(2026, 12, 1),
    customer: uuid.UUID = PRODUCT,
    org_unit: str | None = "ou",
    error: str | None = None,
) -> domain.CalloutSnapshot:
    return domain.CalloutSnapshot(state, on, customer, org_unit, error)


def test_recalculation_names_each_change_and_skips_untouched_callouts() -> None:
    same, moved, owner, withdrawn, created = (uuid.UUID(int=i) for i in range(1, 6))
    before = {
        same: _snap(),
        moved: _snap(),
        owner: _snap(),
        withdrawn: _snap(CalloutState.APPROVED),
    }
    after = {
        same: _snap(),
        moved: _snap(on=date(2026, 12, 15)),
        owner: _snap(customer=OTHER),
        withdrawn: _snap(CalloutState.CANCELLED, error="the serial item is scrapped"),
        created: _snap(on=date(2027, 1, 1)),
    }
    changes = {c.callout_id: c for c in domain.recalculation_changes(before, after)}
    assert set(changes) == {moved, owner, withdrawn, created}
    assert changes[moved].detail == "moved from 2026-12-01 to 2026-12-15"
    assert changes[owner].kind == "updated"
    assert (changes[withdrawn].from_state, changes[withdrawn].to_state) == (
        CalloutState.APPROVED,
        CalloutState.CANCELLED,
    )
    assert changes[withdrawn].detail == "withdrawn: the serial item is scrapped"
    assert (changes[created].kind, changes[created].detail) == ("created", "created for 2027-01-01")
