"""Scheduling's pure rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

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
    assert domain.approve(CalloutState.AWAITING_APPROVAL) is CalloutState.APPROVED
    with pytest.raises(domain.InvalidTransition):
        domain.approve(CalloutState.SENT)


def test_plan_leaves_out_occurrences_older_than_the_catch_up_window() -> None:
    today = date(2026, 11, 23)
    assert [p.scheduled_for for p in domain.plan(service_type(), today, today, 400, 30)] == [today]
    assert domain.plan(service_type(), date(2020, 1, 1), today, 400, 30) == []


def test_sending_window_in_local_time_and_across_midnight() -> None:
    zone = ZoneInfo("Europe/Stockholm")
    at_nine_utc = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm
    assert domain.in_sending_window(at_nine_utc, zone, time(8), time(17))
    assert not domain.in_sending_window(at_nine_utc, zone, time(11), time(17))
    assert domain.in_sending_window(at_nine_utc, zone, time(22), time(10, 30))


def test_due_at_is_the_window_start_in_the_local_zone() -> None:
    due = domain.due_at(date(2026, 11, 23), ZoneInfo("Europe/Stockholm"), time(8))
    assert due.astimezone(UTC) == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_only_active_items_are_serviceable() -> None:
    assert domain.is_serviceable("active")
    assert not domain.is_serviceable("inactive")
    assert not domain.is_serviceable("scrapped")
