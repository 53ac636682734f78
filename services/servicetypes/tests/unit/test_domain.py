"""The rules of a service-type definition, without I/O."""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

import pytest

from aftersales_contracts.servicetypes import (
    MessageSet,
    ServiceLinkDefinition,
    StepSchedule,
)
from servicetypes.domain import (
    InvalidServiceType,
    StepDraft,
    Violation,
    check_links,
    check_schedule,
    check_system_name,
    check_template,
    define_service_type,
    define_steps,
)

AFTER_STARTUP: dict[str, Any] = {"kind": "after", "span": 0, "period": "days"}


def _schedule(**fields: Any) -> StepSchedule:
    return StepSchedule.model_validate(fields)


def _fields(violations: list[Violation]) -> list[str]:
    return [v.field for v in violations]


def _step(schedule: dict[str, Any] | None = None, **extra: Any) -> StepDraft:
    return StepDraft(
        description="1st reminder", schedule=_schedule(**(schedule or AFTER_STARTUP)), **extra
    )


def _anchored(
    position: int | None = None, step_id: uuid.UUID | None = None, **extra: Any
) -> StepDraft:
    schedule = _schedule(
        kind="after", span=1, period="months", anchor="step", anchor_step_id=step_id
    )
    return StepDraft(
        description="2nd reminder", schedule=schedule, anchor_step_position=position, **extra
    )


def _counter() -> Any:
    numbers = itertools.count(1)
    return lambda: uuid.UUID(int=next(numbers))


# --- system name -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["annual_inspection", "a", "x1", "step_2_b"])
def test_identifiers_are_system_names(name: str) -> None:
    assert check_system_name(name) == []


@pytest.mark.parametrize("name", ["Annual", "1st", "_x", "annual-inspection", "a b", "", "ä"])
def test_other_names_are_rejected(name: str) -> None:
    assert _fields(check_system_name(name)) == ["system_name"]


# --- schedules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "never"},
        AFTER_STARTUP,
        {
            "kind": "after",
            "span": 2,
            "period": "years",
            "repeat_every": 1,
            "repeat_period": "years",
        },
        {"kind": "exact_date", "exact_date": date(2027, 3, 1), "limit_repetitions": 1},
        {"kind": "monthly", "day": 31},
        {"kind": "yearly", "day": 29, "month": 2, "limit_repetitions": 3},
        {"kind": "yearly", "day": 31, "month": 12},
        # Repeat every for every kind but "never" (issue 17, item 7).
        {"kind": "monthly", "day": 15, "repeat_every": 3, "repeat_period": "months"},
        {"kind": "monthly", "day": 15, "repeat_every": 1, "repeat_period": "years"},
        {
            "kind": "yearly",
            "day": 1,
            "month": 5,
            "repeat_every": 2,
            "repeat_period": "years",
            "limit_repetitions": 4,
        },
        {
            "kind": "after",
            "span": 1,
            "period": "months",
            "anchor": "step",
            "repeat_every": 1,
            "repeat_period": "months",
            "limit_repetitions": 3,
        },
    ],
)
def test_valid_schedules_pass(fields: dict[str, Any]) -> None:
    assert check_schedule(_schedule(**fields), "s") == []


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"kind": "after", "period": "days"}, ["s.span"]),
        ({"kind": "after", "span": -1, "period": "days"}, ["s.span"]),
        ({"kind": "after", "span": 3}, ["s.period"]),
        ({"kind": "after"}, ["s.span", "s.period"]),
        ({"kind": "exact_date"}, ["s.exact_date"]),
        ({"kind": "monthly"}, ["s.day"]),
        ({"kind": "monthly", "day": 0}, ["s.day"]),
        ({"kind": "monthly", "day": 32}, ["s.day"]),
        ({"kind": "yearly", "day": 1}, ["s.month"]),
        ({"kind": "yearly", "month": 1}, ["s.day"]),
        ({"kind": "yearly", "day": 1, "month": 13}, ["s.month"]),
        ({"kind": "yearly", "day": 1, "month": 0}, ["s.month"]),
        ({"kind": "yearly", "day": 31, "month": 4}, ["s.day"]),
        ({"kind": "yearly", "day": 30, "month": 2}, ["s.day"]),
        (
            {"kind": "exact_date", "exact_date": "2027-01-01", "repeat_every": 1},
            ["s.repeat_period"],
        ),
        (
            {
                "kind": "exact_date",
                "exact_date": "2027-01-01",
                "repeat_every": 0,
                "repeat_period": "days",
            },
            ["s.repeat_every"],
        ),
        (
            {"kind": "exact_date", "exact_date": "2027-01-01", "repeat_period": "days"},
            ["s.repeat_every"],
        ),
        (
            {"kind": "monthly", "day": 1, "repeat_every": 10, "repeat_period": "days"},
            ["s.repeat_period"],
        ),
        (
            {"kind": "yearly", "day": 1, "month": 1, "repeat_every": 6, "repeat_period": "months"},
            ["s.repeat_period"],
        ),
        (
            {"kind": "yearly", "day": 1, "month": 1, "repeat_every": 101, "repeat_period": "years"},
            ["s.repeat_every"],
        ),
        (
            {"kind": "after", "span": 0, "period": "days", "limit_repetitions": 0},
            ["s.limit_repetitions"],
        ),
        ({"kind": "monthly", "day": 1, "anchor": "step"}, ["s.anchor"]),
        (
            {
                "kind": "after",
                "span": 1,
                "period": "days",
                "anchor": "step",
                "repeat_every": 1,
            },
            ["s.repeat_period"],
        ),
    ],
)
def test_each_broken_rule_names_its_field(fields: dict[str, Any], bad: list[str]) -> None:
    assert _fields(check_schedule(_schedule(**fields), "s")) == bad


# --- templates ---------------------------------------------------------------------------


def test_allow_listed_placeholders_pass() -> None:
    text = "Dear {{ customer_name }}, {{serial_number}} is due on {{ scheduled_date }}."
    assert check_template(text, "f") == []
    assert check_template(None, "f") == []


def test_an_unknown_placeholder_is_named_with_its_field() -> None:
    [violation] = check_template(
        "Hi {{ customer_name }} {{ password }}", "steps.0.initial.email_body"
    )
    assert violation.field == "steps.0.initial.email_body"
    assert "password" in violation.message
    assert "customer_name" in violation.message  # the allow-list is in the hint


@pytest.mark.parametrize("text", ["{{ customer name }}", "{{customer_name}", "{{ 1x }}", "a }} b"])
def test_malformed_placeholders_are_rejected(text: str) -> None:
    assert _fields(check_template(text, "f")) == ["f"]


def test_every_template_text_of_both_message_sets_is_checked() -> None:
    bad = MessageSet(
        email_subject="{{ a }}",
        email_body="{{ b }}",
        sms_text="{{ c }}",
        print_text="{{ d }}",
        report="{{ not_a_template }}",
        print_tag="tag",
    )
    _, found = define_steps([_step(initial=bad, on_completion=bad)])
    assert _fields(found) == [
        f"steps.0.{part}.{name}"
        for part in ("initial", "on_completion")
        for name in ("email_subject", "email_body", "sms_text", "print_text")
    ]


# --- steps: ids and anchors --------------------------------------------------------------


def test_steps_get_ids_positions_and_resolved_anchors() -> None:
    steps, found = define_steps(
        [_step(), _anchored(position=0), _anchored(position=1)], new_id=_counter()
    )
    assert found == []
    assert [s.step_id for s in steps] == [uuid.UUID(int=i) for i in (1, 2, 3)]
    assert [s.position for s in steps] == [0, 1, 2]
    assert steps[0].schedule.anchor_step_id is None
    assert steps[1].schedule.anchor_step_id == steps[0].step_id
    assert steps[2].schedule.anchor_step_id == steps[1].step_id


def test_an_anchor_may_point_forward() -> None:
    steps, found = define_steps([_anchored(position=1), _step()])
    assert found == []
    assert steps[0].schedule.anchor_step_id == steps[1].step_id


def test_an_update_keeps_existing_step_ids_and_anchors_by_id() -> None:
    kept = uuid.uuid4()
    steps, found = define_steps(
        [_step(step_id=kept), _anchored(step_id=kept)], existing_step_ids={kept}
    )
    assert found == []
    assert steps[0].step_id == kept
    assert steps[1].schedule.anchor_step_id == kept
    assert steps[1].step_id != kept


def test_a_position_given_must_be_the_index() -> None:
    _, found = define_steps([_step(position=0), _step(position=1)])
    assert found == []
    _, found = define_steps([_step(position=1), _step()])
    assert _fields(found) == ["steps.0.position"]


def test_step_ids_must_be_existing_and_distinct() -> None:
    kept = uuid.uuid4()
    _, found = define_steps([_step(step_id=uuid.uuid4())])
    assert _fields(found) == ["steps.0.step_id"]
    _, found = define_steps([_step(step_id=kept), _step(step_id=kept)], existing_step_ids={kept})
    assert _fields(found) == ["steps.1.step_id"]


@pytest.mark.parametrize(
    ("drafts", "bad"),
    [
        ([_step(), _anchored()], "steps.1.schedule.anchor_step_position"),
        ([_step(), _anchored(position=5)], "steps.1.schedule.anchor_step_position"),
        ([_step(), _anchored(position=-1)], "steps.1.schedule.anchor_step_position"),
        ([_step(), _anchored(position=1)], "steps.1.schedule.anchor_step_position"),
        ([_step(), _anchored(step_id=uuid.uuid4())], "steps.1.schedule.anchor_step_id"),
        ([_step(), _anchored(position=0, step_id=uuid.uuid4())], "steps.1.schedule.anchor_step_id"),
        ([_step(anchor_step_position=0), _step()], "steps.0.schedule.anchor_step_position"),
    ],
)
def test_bad_anchors_are_named(drafts: list[StepDraft], bad: str) -> None:
    _, found = define_steps(drafts)
    assert _fields(found) == [bad]


def test_an_anchor_from_a_startup_schedule_is_rejected() -> None:
    schedule = _schedule(kind="after", span=1, period="days", anchor_step_id=uuid.uuid4())
    _, found = define_steps([StepDraft(description="x", schedule=schedule)])
    assert _fields(found) == ["steps.0.schedule.anchor_step_id"]


def test_anchor_cycles_are_rejected_once_per_cycle() -> None:
    _, found = define_steps([_anchored(position=1), _anchored(position=0)])
    assert _fields(found) == ["steps.0.schedule.anchor_step_position"]
    assert "0 -> 1 -> 0" in found[0].message

    _, found = define_steps(
        [
            _step(),
            _anchored(position=3),
            _anchored(position=1),
            _anchored(position=2),
            _anchored(position=0),
        ]
    )
    assert _fields(found) == ["steps.1.schedule.anchor_step_position"]
    assert "1 -> 3 -> 2 -> 1" in found[0].message


def test_a_chain_into_a_cycle_names_the_cycle_only() -> None:
    _, found = define_steps([_anchored(position=1), _anchored(position=2), _anchored(position=1)])
    assert _fields(found) == ["steps.1.schedule.anchor_step_position"]


# --- links -------------------------------------------------------------------------------


def _link(**fields: Any) -> ServiceLinkDefinition:
    defaults: dict[str, Any] = {
        "main_product_id": uuid.UUID(int=1),
        "apply_to_main_product": True,
        "related_product_ids": [],
    }
    return ServiceLinkDefinition.model_validate(defaults | fields)


def test_links() -> None:
    assert (
        check_links([_link(), _link(pre_code="A"), _link(main_product_id=uuid.UUID(int=2))]) == []
    )
    assert _fields(check_links([_link(), _link()])) == ["links.1.main_product_id"]
    assert _fields(check_links([_link(related_product_ids=[uuid.UUID(int=1)])])) == [
        "links.0.related_product_ids"
    ]
    assert _fields(check_links([_link(related_product_ids=[uuid.UUID(int=2)] * 2)])) == [
        "links.0.related_product_ids"
    ]
    assert _fields(check_links([_link(apply_to_main_product=False)])) == [
        "links.0.related_product_ids"
    ]


# --- the whole definition ----------------------------------------------------------------


def test_every_violation_is_reported_at_once() -> None:
    with pytest.raises(InvalidServiceType) as raised:
        define_service_type(
            "Bad Name",
            [_step({"kind": "after", "period": "days"}), _anchored(position=1)],
            [_link(), _link()],
        )
    assert _fields(raised.value.violations) == [
        "system_name",
        "steps.1.schedule.anchor_step_position",
        "steps.0.schedule.span",
        "links.1.main_product_id",
    ]


def test_a_valid_definition_returns_its_steps() -> None:
    steps = define_service_type("annual_inspection", [_step(), _anchored(position=0)], [_link()])
    assert len(steps) == 2
