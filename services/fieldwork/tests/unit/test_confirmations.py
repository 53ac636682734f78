"""Booking confirmations' pure rules: the offer, recipient suggestions, dates in the
customer's language, the template's tags, the fingerprint and the iCalendar text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from fieldwork.confirmations import domain
from fieldwork.confirmations.domain import OrderFacts, Person, ServiceObject, Visit

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def visit(
    booking_id: str,
    day: date,
    start: time,
    end: time,
    *,
    technician: str = "Tina Tekniker",
    technician_id: str = "t-1",
) -> Visit:
    # Stockholm is UTC+1 in winter: the instants as the planner's local times give them.
    starts = datetime.combine(day, start, tzinfo=UTC) - timedelta(hours=1)
    ends = datetime.combine(day, end, tzinfo=UTC) - timedelta(hours=1)
    return Visit(booking_id, technician_id, technician, starts, ends, day, start, end)


MONDAY = visit("b-1", date(2026, 11, 30), time(9, 0), time(11, 30))
FRIDAY = visit("b-2", date(2026, 12, 4), time(13, 0), time(15, 0), technician="Olle Olsson")
LAST_WEEK = visit("b-0", date(2026, 11, 23), time(9, 0), time(10, 0))


def facts(**overrides: object) -> OrderFacts:
    values: dict[str, object] = {
        "number": "SO-000042",
        "customer_name": "Bageriet AB",
        "facility_name": None,
        "customer_order_number": None,
        "service_objects": [ServiceObject("SN-1", "Deck oven"), ServiceObject("SN-2", "Mixer")],
        "visits": [FRIDAY, LAST_WEEK, MONDAY],
        "description": "Oven does not heat",
        "location": "Drottninggatan 1, 111 51 Stockholm, SE",
    }
    return OrderFacts(**(values | overrides))  # type: ignore[arg-type]


# --- the offer -----------------------------------------------------------------------------

CONTACTS: list[dict[str, object]] = [
    {"contact_id": "c-1", "name": "Sven Svensson", "email": "sven@example.com", "mobile": None},
    {"contact_id": "c-2", "name": "Anna Andersson", "email": None, "mobile": "+46701112233"},
]


def test_an_order_contact_with_an_email_can_be_offered_a_confirmation() -> None:
    contact = domain.contact_of("c-1", CONTACTS)
    assert contact == Person("Sven Svensson", "sven@example.com", None, "order_contact")
    assert domain.offer("c-1", contact) == domain.Offer(True, None, contact)


def test_no_offer_without_a_contact_an_email_or_a_known_contact() -> None:
    assert domain.offer(None, None) == domain.Offer(False, domain.NO_CONTACT, None)
    assert domain.contact_of("c-9", CONTACTS) is None
    assert domain.offer("c-9", None).reason == domain.CONTACT_UNKNOWN
    anna = domain.contact_of("c-2", CONTACTS)
    assert domain.offer("c-2", anna) == domain.Offer(False, domain.CONTACT_WITHOUT_EMAIL, anna)


def test_no_offer_for_a_closed_order_or_one_without_a_standing_booking() -> None:
    sven = domain.contact_of("c-1", CONTACTS)
    assert domain.offer("c-1", sven, standing_bookings=0) == domain.Offer(
        False, domain.NO_BOOKING, sven
    )
    for stage in ("completed", "cancelled"):
        assert domain.offer("c-1", sven, stage=stage).reason == f"the order is {stage}"
    assert domain.offer("c-1", sven, stage="new", standing_bookings=2).can_offer


# --- suggestions ---------------------------------------------------------------------------


def test_suggestions_come_from_the_contact_the_customer_and_the_facility_sorted_by_first_name() -> (
    None
):
    people = domain.suggestions(
        order_contact=domain.contact_of("c-1", CONTACTS),
        contacts=[*CONTACTS, {"contact_id": "c-3", "name": "Bo Nilsson", "email": None}],
        customer_name="Bageriet AB",
        customer_emails=["order@bageriet.example"],
        customer_mobiles=["+46709876543"],
        facility_name="Bakery Södermalm",
    )
    assert [(p.name, p.source) for p in people] == [
        ("Anna Andersson", "customer_contact"),
        ("Bageriet AB", "customer"),
        ("Bakery Södermalm", "facility"),
        # The order's contact is also a customer contact: one suggestion, marked as the
        # order's. Bo has no address and is left out.
        ("Sven Svensson", "order_contact"),
    ]
    assert people[1].email == "order@bageriet.example"
    assert people[1].mobile == "+46709876543"


def test_suggestions_sort_by_first_name_not_by_surname() -> None:
    people = domain.suggestions(
        order_contact=None,
        contacts=[
            {"name": "Zara Aalto", "email": "z@example.com"},
            {"name": "adam Zetterberg", "email": "a@example.com"},
        ],
        customer_name="Customer",
        customer_emails=[],
        customer_mobiles=[],
        facility_name="  ",
    )
    assert [p.name for p in people] == ["adam Zetterberg", "Zara Aalto"]


# --- dates and tags ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sv", "måndag 30 november 2026"),
        ("sv-SE", "måndag 30 november 2026"),
        ("en", "Monday 30 November 2026"),
        ("de", "Montag, 30. November 2026"),
        ("fi", "maanantai 30. marraskuuta 2026"),
        ("no", "mandag 30. november 2026"),
        ("da", "mandag den 30. november 2026"),
        ("fr", "lundi 30 novembre 2026"),
        ("xx", "Monday 30 November 2026"),
        (None, "Monday 30 November 2026"),
    ],
)
def test_dates_are_written_in_the_customers_language(language: str | None, expected: str) -> None:
    assert domain.long_date(date(2026, 11, 30), language) == expected


def test_every_tag_of_a_swedish_customer() -> None:
    tags = domain.tags(facts(), company="Service AB", language="sv", now=NOW)
    assert tags == {
        "company": "Service AB",
        "order_ref": "SO-000042",
        # Last week's visit is over; the rest in time order, one per line.
        "future_bookings": (
            "Tina Tekniker, måndag 30 november 2026, 09:00\u201311:30\n"
            "Olle Olsson, fredag 4 december 2026, 13:00\u201315:00"
        ),
        "next_booking": "Tina Tekniker, måndag 30 november 2026, 09:00\u201311:30",
        "next_booking_name": "Tina Tekniker",
        "next_booking_date": "måndag 30 november 2026",
        "next_booking_time": "09:00\u201311:30",
        "facility_or_customer": "Bageriet AB",
        # Blank: notifications writes the localized "missing" word.
        "customer_order_number": "",
        "service_objects": "SN-1 Deck oven, SN-2 Mixer",
    }
    assert set(tags) == {
        "company",
        "future_bookings",
        "order_ref",
        "next_booking",
        "next_booking_name",
        "next_booking_date",
        "next_booking_time",
        "facility_or_customer",
        "customer_order_number",
        "service_objects",
    }


def test_tags_in_english_with_a_facility_and_a_customer_order_number() -> None:
    tags = domain.tags(
        facts(facility_name="Bakery Södermalm", customer_order_number=" PO-77 "),
        company="Service AB",
        language="en",
        now=NOW,
    )
    assert tags["next_booking_date"] == "Monday 30 November 2026"
    assert tags["facility_or_customer"] == "Bakery Södermalm"
    assert tags["customer_order_number"] == "PO-77"


def test_a_visit_under_way_is_still_the_next_booking() -> None:
    during = MONDAY.starts_at + timedelta(minutes=30)
    assert domain.tags(facts(), company="C", language="en", now=during)["next_booking_name"] == (
        "Tina Tekniker"
    )
    after = MONDAY.ends_at
    tags = domain.tags(facts(), company="C", language="en", now=after)
    assert tags["next_booking_name"] == "Olle Olsson"
    assert tags["future_bookings"].count("\n") == 0


def test_without_upcoming_bookings_the_booking_tags_are_empty() -> None:
    tags = domain.tags(facts(visits=[LAST_WEEK]), company="C", language="sv", now=NOW)
    assert tags["future_bookings"] == tags["next_booking"] == tags["next_booking_time"] == ""


# --- fingerprint ---------------------------------------------------------------------------


def test_the_fingerprint_changes_with_technician_or_time_not_with_order_or_names() -> None:
    base = domain.fingerprint([MONDAY, FRIDAY])
    assert base == domain.fingerprint([FRIDAY, MONDAY])
    renamed = visit("b-1", MONDAY.local_date, time(9, 0), time(11, 30), technician="T. Tekniker")
    assert domain.fingerprint([renamed, FRIDAY]) == base
    moved = visit("b-1", MONDAY.local_date, time(10, 0), time(11, 30))
    assert domain.fingerprint([moved, FRIDAY]) != base
    other = visit("b-1", MONDAY.local_date, time(9, 0), time(11, 30), technician_id="t-2")
    assert domain.fingerprint([other, FRIDAY]) != base
    assert domain.fingerprint([MONDAY]) != base
    assert len(base) == 64


# --- iCalendar -----------------------------------------------------------------------------


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_calendar_has_a_vevent_per_standing_booking_in_utc_with_crlf() -> None:
    text = domain.calendar(facts(visits=[FRIDAY, MONDAY]), company="Service AB", now=NOW)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert lines[:5] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{domain.PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    assert lines[-2:] == ["END:VCALENDAR", ""]
    assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == 2
    first = lines[lines.index("BEGIN:VEVENT") : lines.index("END:VEVENT") + 1]
    assert first == [
        "BEGIN:VEVENT",
        "UID:b-1@fieldwork.aftersales",
        "DTSTAMP:20261130T070000Z",
        # 09:00 in Stockholm is 08:00 UTC.
        "DTSTART:20261130T080000Z",
        "DTEND:20261130T103000Z",
        "SUMMARY:Service AB: SO-000042 (Tina Tekniker)",
        "LOCATION:Drottninggatan 1\\, 111 51 Stockholm\\, SE",
        "DESCRIPTION:SO-000042\\, Tina Tekniker\\nOven does not heat",
        "END:VEVENT",
    ]


def test_text_values_are_escaped() -> None:
    assert domain.escape_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "å" * 100  # two octets each
    folded = domain.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert parts[0] + "".join(p[1:] for p in parts[1:]) == line
    assert domain.fold("SHORT:line") == "SHORT:line"
    exact = "X" * 75
    assert domain.fold(exact) == exact
    assert domain.fold(exact + "Y") == exact + "\r\n Y"


def test_a_long_description_in_the_calendar_is_folded() -> None:
    text = domain.calendar(facts(description="ugn " * 60, visits=[MONDAY]), company="C", now=NOW)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert any(line.startswith(" ") for line in text.split("\r\n"))
    assert "DESCRIPTION:SO-000042\\, Tina Tekniker\\n" + "ugn " * 59 + "ugn" in unfold(text)


def test_address_line() -> None:
    assert domain.address_line(None) == ""
    assert domain.address_line({"street": "Gatan 1", "city": "Lund", "country": ""}) == (
        "Gatan 1, Lund"
    )
    assert domain.calendar_file_name("SO-000042") == "booking-SO-000042.ics"
