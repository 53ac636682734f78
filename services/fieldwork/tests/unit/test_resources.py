"""The resources' pure rules: working hours, usernames, registrations, order kind codes,
coordinates, and the schemas that carry them (a refusal names the field)."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from pydantic import ValidationError

from fieldwork.resources import domain
from fieldwork.resources.schemas import AddressIn, OrderKindIn, TechnicianIn, VehicleIn


def _fields(error: ValidationError) -> list[str]:
    return [".".join(str(p) for p in e["loc"]) for e in error.errors()]


# --- working hours ----------------------------------------------------------------------


def test_working_hours_are_sorted_days_off_dropped_and_days_in_weekday_order() -> None:
    checked = domain.check_working_hours(
        {
            "5": [{"start": "13:00", "end": "17:00"}, {"start": "07:30", "end": "12:00"}],
            "1": [{"start": "08:00", "end": "16:00"}],
            "6": [],
        }
    )
    assert checked == {
        "1": [{"start": "08:00", "end": "16:00"}],
        "5": [{"start": "07:30", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
    }
    assert list(checked) == ["1", "5"]


def test_touching_intervals_are_fine() -> None:
    hours = {"2": [{"start": "08:00", "end": "12:00"}, {"start": "12:00", "end": "16:00"}]}
    assert domain.check_working_hours(hours) == hours


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"0": [{"start": "08:00", "end": "16:00"}]}, "0"),
        ({"8": [{"start": "08:00", "end": "16:00"}]}, "8"),
        ({"mon": [{"start": "08:00", "end": "16:00"}]}, "mon"),
        ({"1": [{"start": "8:00", "end": "16:00"}]}, "1.0.start"),
        ({"1": [{"start": "08:00", "end": "24:00"}]}, "1.0.end"),
        ({"1": [{"start": "08:60", "end": "16:00"}]}, "1.0.start"),
        ({"1": [{"start": "16:00", "end": "08:00"}]}, "1.0.end"),
        ({"1": [{"start": "08:00", "end": "08:00"}]}, "1.0.end"),
        ({"1": [{"start": "08:00"}]}, "1.0.end"),
        (
            {"3": [{"start": "08:00", "end": "12:00"}, {"start": "11:59", "end": "16:00"}]},
            "3.1.start",
        ),
        (
            # Overlap found whatever order they were typed in: 2 lies inside 0.
            {
                "4": [
                    {"start": "08:00", "end": "17:00"},
                    {"start": "18:00", "end": "19:00"},
                    {"start": "09:00", "end": "10:00"},
                ]
            },
            "4.2.start",
        ),
        ({"1": [{"start": f"{h:02}:00", "end": f"{h:02}:30"} for h in range(7)]}, "1"),
    ],
)
def test_bad_working_hours_name_the_day_and_interval(hours: Any, field: str) -> None:
    with pytest.raises(domain.InvalidValue) as raised:
        domain.check_working_hours(hours)
    assert raised.value.field == field


def test_intervals_on_a_weekday() -> None:
    hours = domain.check_working_hours(
        {"1": [{"start": "12:30", "end": "16:00"}, {"start": "08:00", "end": "12:00"}]}
    )
    assert domain.intervals_on(hours, 1) == [(time(8), time(12)), (time(12, 30), time(16))]
    assert domain.intervals_on(hours, 7) == []


def test_a_technician_without_working_hours_works_monday_to_friday_eight_to_four() -> None:
    technician = TechnicianIn(name="Tove")
    hours = technician.model_dump()["working_hours"]
    assert list(hours) == ["1", "2", "3", "4", "5"]
    assert all(day == [{"start": "08:00", "end": "16:00"}] for day in hours.values())


def test_a_technicians_bad_working_hours_name_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        TechnicianIn(name="Tove", working_hours={"1": [{"start": "16:00", "end": "08:00"}]})
    assert _fields(raised.value) == ["working_hours"]
    assert "1.0.end" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        TechnicianIn.model_validate({"name": "Tove", "working_hours": {"1": [{"from": "08:00"}]}})
    assert "working_hours.1.0.start" in _fields(raised.value)


# --- usernames, registrations, codes, mobiles ---------------------------------------------


def test_usernames_are_trimmed_and_lower_case() -> None:
    assert domain.normalize_username("  Tove.Lund@Example ") == "tove.lund@example"
    assert TechnicianIn(name="T", username="TOVE").username == "tove"


@pytest.mark.parametrize("username", ["", "tove lund", "tove!", "x" * 101, "åsa"])
def test_bad_usernames_are_refused(username: str) -> None:
    with pytest.raises(ValidationError) as raised:
        TechnicianIn(name="T", username=username)
    assert _fields(raised.value) == ["username"]


def test_registrations_are_upper_case_without_spaces() -> None:
    assert domain.normalize_registration(" abc 123 ") == "ABC123"
    assert domain.normalize_registration("m-ab\t12") == "M-AB12"
    assert domain.normalize_registration("ö ab 1") == "ÖAB1"
    assert VehicleIn(registration="abc 123", name="Van").registration == "ABC123"


@pytest.mark.parametrize("registration", ["", "   ", "ABC/123", "A" * 21, "AB.12"])
def test_bad_registrations_are_refused(registration: str) -> None:
    with pytest.raises(ValidationError) as raised:
        VehicleIn(registration=registration, name="Van")
    assert _fields(raised.value) == ["registration"]


def test_order_kind_codes() -> None:
    assert OrderKindIn(code=" Repair_2-x ", name="Repair").code == "repair_2-x"
    for bad in ("", "re pair", "repär", "a" * 51, "work.order"):
        with pytest.raises(ValidationError) as raised:
            OrderKindIn(code=bad, name="x")
        assert _fields(raised.value) == ["code"]


@pytest.mark.parametrize("mobile", ["0701234567", "+0701234567", "+46 70 123", "+1234"])
def test_mobiles_are_e164(mobile: str) -> None:
    with pytest.raises(ValidationError) as raised:
        TechnicianIn(name="T", mobile=mobile)
    assert _fields(raised.value) == ["mobile"]
    assert TechnicianIn(name="T", mobile="+46701234567").mobile == "+46701234567"


# --- addresses and coordinates ------------------------------------------------------------

ADDRESS = {"street": "Sveavägen 1", "postal_code": "111 57", "city": "Stockholm", "country": "SE"}


def test_coordinates_both_or_neither() -> None:
    assert AddressIn(**ADDRESS).latitude is None
    assert AddressIn(**ADDRESS, latitude=59.3, longitude=18.1).longitude == 18.1
    assert AddressIn(**ADDRESS, latitude=-90, longitude=180).latitude == -90
    for half in ({"latitude": 59.3}, {"longitude": 18.1}):
        with pytest.raises(ValidationError):
            AddressIn(**ADDRESS, **half)
    with pytest.raises(domain.InvalidValue):
        domain.check_coordinates(1.0, None)


@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 90.01), ("latitude", -91), ("longitude", 180.5), ("longitude", -181)],
)
def test_coordinates_in_range(field: str, value: float) -> None:
    other = "longitude" if field == "latitude" else "latitude"
    with pytest.raises(ValidationError) as raised:
        TechnicianIn.model_validate({"name": "T", "home_base": ADDRESS | {field: value, other: 0}})
    assert _fields(raised.value) == [f"home_base.{field}"]


def test_country_is_two_capitals() -> None:
    with pytest.raises(ValidationError) as raised:
        AddressIn(**ADDRESS | {"country": "Sweden"})
    assert _fields(raised.value) == ["country"]


def test_an_orders_location_from_an_installation_address() -> None:
    address = ADDRESS | {"latitude": 59.3, "longitude": 18.1, "extra": "ignored"}
    assert domain.location_of(address) == ADDRESS | {"latitude": 59.3, "longitude": 18.1}
    assert domain.location_of(None) is None
