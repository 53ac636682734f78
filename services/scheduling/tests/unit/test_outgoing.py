"""The step's report in a callout's send request (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftersales_contracts.notifications import MAX_SET_SIZE
from aftersales_contracts.servicetypes import MessageSet, ServiceTypeChanged
from scheduling import outgoing
from scheduling.settings import Settings


def _type(print_tag: str | None) -> ServiceTypeChanged:
    return ServiceTypeChanged.model_validate(
        {
            "service_type_id": "00000000-0000-0000-0000-000000000001",
            "version": 1,
            "system_name": "annual",
            "display_name": "Annual",
            "enabled": True,
            "approval_method": "manual",
            "print_tag": print_tag,
            "steps": [],
            "links": [],
        }
    )


def test_no_report_without_a_report_or_print_text() -> None:
    assert outgoing.report_request(MessageSet(print_tag="T"), _type("X"), "Step") is None


def test_the_step_print_tag_wins_over_the_types() -> None:
    report = outgoing.report_request(MessageSet(report="R", print_tag="S"), _type("X"), "Step")
    assert report is not None
    assert (report.title, report.print_tag) == ("R", "S")
    assert report.text == outgoing.DEFAULT_REPORT_TEXT


def test_the_types_print_tag_and_the_step_description_serve_when_the_step_has_none() -> None:
    report = outgoing.report_request(MessageSet(print_text="Hello"), _type("X"), "Step")
    assert report is not None
    assert (report.title, report.text, report.print_tag) == ("Step", "Hello", "X")
    untagged = outgoing.report_request(MessageSet(print_text="Hello"), _type(None), "Step")
    assert untagged is not None
    assert untagged.print_tag is None


def test_a_dispatch_pass_is_no_bigger_than_one_send_command_carries() -> None:
    # Decision 102: the pass's requests go as one SendMessages.
    assert Settings(dispatch_batch_size=MAX_SET_SIZE).dispatch_batch_size == MAX_SET_SIZE
    with pytest.raises(ValidationError, match="dispatch_batch_size"):
        Settings(dispatch_batch_size=MAX_SET_SIZE + 1)
