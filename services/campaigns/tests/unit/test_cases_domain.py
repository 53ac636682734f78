"""The case register's pure rules: a template's required fields, what a case leaves
missing, case numbers."""

from __future__ import annotations

import uuid

import pytest

from campaigns.cases.domain import (
    REQUIRABLE_FIELDS,
    format_case_number,
    missing_required,
    normalised_required,
    unknown_required_fields,
)


def test_nothing_required_nothing_missing() -> None:
    assert missing_required([], {}) == []


def test_all_filled_nothing_missing() -> None:
    values = {
        "our_reference": "R-1",
        "cause_code": "C1",
        "cause_description": "Leaking seal",
        "customer_id": "c0ffee",
    }
    assert missing_required(REQUIRABLE_FIELDS, values) == []


@pytest.mark.parametrize("empty", [None, "", "   ", "\t\n"])
def test_empty_values_are_missing(empty: object) -> None:
    assert missing_required(["cause_code"], {"cause_code": empty}) == ["cause_code"]


def test_absent_values_are_missing_in_canonical_order() -> None:
    required = ["customer_id", "cause_code", "our_reference"]
    assert missing_required(required, {"cause_code": "C1"}) == ["our_reference", "customer_id"]


def test_repeats_are_named_once() -> None:
    assert missing_required(["cause_code", "cause_code"], {}) == ["cause_code"]


def test_fields_not_required_are_not_checked() -> None:
    assert missing_required(["cause_code"], {"cause_code": "X", "our_reference": None}) == []


def test_a_non_text_value_counts_as_filled() -> None:
    assert missing_required(["customer_id"], {"customer_id": uuid.uuid4()}) == []


def test_normalised_required_is_canonical_and_unique() -> None:
    assert normalised_required(["customer_id", "our_reference", "customer_id"]) == [
        "our_reference",
        "customer_id",
    ]


def test_unknown_required_fields_named_by_position() -> None:
    assert unknown_required_fields(["cause_code", "colour", "customer_id", "title"]) == [1, 3]
    assert unknown_required_fields(list(REQUIRABLE_FIELDS)) == []


@pytest.mark.parametrize(
    ("prefix", "width", "value", "number"),
    [("CA-", 6, 1, "CA-000001"), ("CA-", 6, 123456, "CA-123456"), ("X", 3, 12345, "X12345")],
)
def test_case_numbers(prefix: str, width: int, value: int, number: str) -> None:
    assert format_case_number(prefix, width, value) == number
