"""Prices, translations, schedule bounds, SMS limits, previews and deletion, without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    Price,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepSchedule,
)
from aftersales_schedule import applies_to
from servicetypes.domain import (
    MAX_PREVIEW_OCCURRENCES,
    InvalidServiceType,
    StepDraft,
    check_messages,
    check_price,
    check_schedule,
    check_translations,
    define_steps,
    preview,
    preview_window,
    sms_reports,
    tombstone,
)


def _fields(violations: list[Any]) -> list[str]:
    return [v.field for v in violations]


# --- price incl. VAT -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("0", "EUR"), ("1250.00", "SEK"), ("99.9", "USD"), ("1500", "JPY"), ("1.125", "KWD")],
)
def test_valid_prices(amount: str, currency: str) -> None:
    assert check_price(Price(amount=Decimal(amount), currency=currency), "price") == []


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        ("-0.01", "EUR", "price.amount"),
        ("1.001", "EUR", "price.amount"),
        ("10.5", "JPY", "price.amount"),
        ("1.0001", "KWD", "price.amount"),
        ("1000000000", "EUR", "price.amount"),
        ("10", "ABC", "price.currency"),
        ("10", "sek", "price.currency"),
    ],
)
def test_bad_prices_name_their_field(amount: str, currency: str, field: str) -> None:
    assert field in _fields(check_price(Price(amount=Decimal(amount), currency=currency), "price"))


def test_no_price_is_fine() -> None:
    assert check_price(None, "price") == []


def test_a_price_keeps_exactly_its_currencys_decimals() -> None:
    drafts = [
        StepDraft(
            description=f"step {currency}",
            schedule=StepSchedule.model_validate({"kind": "never"}),
            price=Price(amount=Decimal(amount), currency=currency),
        )
        for amount, currency in (("1250", "SEK"), ("1.5", "EUR"), ("1500", "JPY"), ("2", "KWD"))
    ]
    steps, found = define_steps(drafts)
    assert found == []
    assert [str(s.price.amount) for s in steps if s.price] == ["1250.00", "1.50", "1500", "2.000"]
    # On the wire the amount is an exact decimal string.
    assert steps[0].model_dump(mode="json")["price"] == {"amount": "1250.00", "currency": "SEK"}


# --- display-name translations ---------------------------------------------------------------


def test_translations() -> None:
    assert check_translations({"sv": "Årlig service", "en-GB": "Annual service"}, "t") == []
    assert _fields(check_translations({"SV": "x"}, "t")) == ["t.SV"]
    assert _fields(check_translations({"sv_SE": "x"}, "t")) == ["t.sv_SE"]
    assert _fields(check_translations({"sv": ""}, "t")) == ["t.sv"]
    assert _fields(check_translations({"sv": "x" * 201}, "t")) == ["t.sv"]
    many = {f"{chr(97 + i // 26)}{chr(97 + i % 26)}": "x" for i in range(51)}
    assert _fields(check_translations(many, "t")) == ["t"]


# --- schedule bounds and "never" -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"kind": "after", "span": 36_601, "period": "days"}, "s.span"),
        ({"kind": "after", "span": 1_201, "period": "months"}, "s.span"),
        ({"kind": "after", "span": 101, "period": "years"}, "s.span"),
        (
            {"kind": "after", "span": 0, "period": "days", "repeat_every": 101,
             "repeat_period": "years"},
            "s.repeat_every",
        ),
        ({"kind": "exact_date", "exact_date": "2027-01-01", "limit_repetitions": 1001},
         "s.limit_repetitions"),
        ({"kind": "never", "repeat_every": 1, "repeat_period": "days"}, "s.repeat_every"),
        ({"kind": "never", "exact_date": "2027-01-01"}, "s.exact_date"),
        ({"kind": "never", "day": 1}, "s.day"),
        ({"kind": "never", "month": 1}, "s.month"),
        ({"kind": "never", "limit_repetitions": 1}, "s.limit_repetitions"),
    ],
)  # fmt: skip
def test_bounds(fields: dict[str, Any], bad: str) -> None:
    assert bad in _fields(check_schedule(StepSchedule.model_validate(fields), "s"))


def test_the_largest_spans_pass() -> None:
    for span, period in ((36_600, "days"), (1_200, "months"), (100, "years")):
        schedule = StepSchedule.model_validate({"kind": "after", "span": span, "period": period})
        assert check_schedule(schedule, "s") == []


# --- SMS ------------------------------------------------------------------------------------


def test_ten_segments_pass_eleven_do_not() -> None:
    assert check_messages(MessageSet(sms_text="x" * 1530), "m") == []
    assert _fields(check_messages(MessageSet(sms_text="x" * 1531), "m")) == ["m.sms_text"]
    message = check_messages(MessageSet(sms_text="ł" * 671), "m")[0].message
    assert "ucs-2" in message
    assert "11 SMS segments" in message


def test_sms_texts_are_reported_per_field() -> None:
    steps, found = define_steps(
        [
            StepDraft(
                description="1st",
                schedule=StepSchedule.model_validate({"kind": "never"}),
                initial=MessageSet(sms_text="Hej {{ customer_name }}!"),
                on_completion=MessageSet(sms_text="Tack 😀"),
            )
        ]
    )
    assert found == []
    reports = sms_reports(steps)
    measured = [(r.field, r.length.encoding.value, r.length.units) for r in reports]
    assert measured == [
        ("steps.0.initial.sms_text", "gsm-7", 5),
        ("steps.0.on_completion.sms_text", "ucs-2", 7),
    ]
    assert reports[0].placeholders == ["customer_name"]


# --- preview -------------------------------------------------------------------------------


def test_preview_window_defaults_to_five_years() -> None:
    assert preview_window(date(2028, 2, 29), None, None, None) == (
        date(2028, 2, 29),
        date(2033, 2, 28),
    )


def test_preview_window_from_an_instant_in_the_org_units_zone() -> None:
    instant = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    startup, _ = preview_window(None, instant, "Asia/Tokyo", None)
    assert startup == date(2027, 1, 1)
    startup, _ = preview_window(None, instant, "UTC", None)
    assert startup == date(2026, 12, 31)


def test_preview_window_near_the_end_of_the_calendar() -> None:
    assert preview_window(date(9998, 6, 1), None, None, None)[1] == date(9999, 6, 1)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((None, None, None, None), "startup_date"),
        ((date(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC), "UTC", None), "startup_at"),
        ((None, datetime(2026, 1, 1, tzinfo=UTC), None, None), "time_zone"),
        ((None, datetime(2026, 1, 1, tzinfo=UTC), "Mars/Olympus", None), "time_zone"),
        ((date(2026, 1, 1), None, "Nowhere", None), "time_zone"),
        ((date(2026, 1, 2), None, None, date(2026, 1, 1)), "until"),
        ((date(2026, 1, 1), None, None, date(2076, 1, 2)), "until"),
    ],
)
def test_bad_preview_windows_name_the_field(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(InvalidServiceType) as raised:
        preview_window(*args)
    assert _fields(raised.value.violations)[0] == field


def test_preview_is_capped() -> None:
    steps, _ = define_steps(
        [
            StepDraft(
                description="daily",
                schedule=StepSchedule.model_validate(
                    {"kind": "after", "span": 0, "period": "days", "repeat_every": 1,
                     "repeat_period": "days"}
                ),
            )
        ]
    )  # fmt: skip
    found, truncated = preview(steps, date(2026, 1, 1), date(2036, 1, 1))
    assert truncated
    assert len(found) == MAX_PREVIEW_OCCURRENCES
    found, truncated = preview(steps, date(2026, 1, 1), date(2026, 1, 10))
    assert not truncated
    assert len(found) == 10


# --- deletion ------------------------------------------------------------------------------


def test_the_tombstone_applies_to_nothing_and_is_newer() -> None:
    product = uuid.uuid4()
    steps, _ = define_steps(
        [StepDraft(description="1st", schedule=StepSchedule.model_validate({"kind": "never"}))]
    )
    live = ServiceTypeChanged(
        service_type_id=uuid.uuid4(),
        version=3,
        system_name="annual",
        display_name="Annual",
        enabled=True,
        approval_method=ApprovalMethod.AUTOMATIC,
        print_tag=None,
        steps=steps,
        links=[
            ServiceLinkDefinition(
                main_product_id=product, apply_to_main_product=True, related_product_ids=[]
            )
        ],
    )
    last = tombstone(live)
    assert (last.version, last.deleted, last.enabled, last.links) == (4, True, False, [])
    assert last.steps == live.steps
    assert applies_to(live, product)
    assert not applies_to(last, product)
    assert not applies_to(last, product, pinned_service_type_id=live.service_type_id)
