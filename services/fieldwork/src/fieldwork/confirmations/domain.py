"""Booking confirmations, free of I/O (seed 004): whether one can be offered, whom it may go
to, the tags a booking-confirmation template is filled with, the booking as an iCalendar
file, and the fingerprint that flags a sent confirmation once its bookings changed.

Dates are written in the customer's language from a small table of weekday and month
names (English, Swedish, Norwegian, Danish, Finnish, German, French; any other language
gets English): the confirmation needs a date and nothing else of a locale library.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

# --- whether to offer, and to whom ---------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone a confirmation may go to. ``source``: where the suggestion came from —
    ``order_contact``, ``customer_contact``, ``facility`` or ``customer``."""

    name: str
    email: str | None
    mobile: str | None
    source: str


@dataclass(frozen=True)
class Offer:
    """Whether a confirmation can be offered after a booking: only to an order's contact
    with an e-mail address (seed 004: the user is asked only then, e-mail only)."""

    can_offer: bool
    reason: str | None
    contact: Person | None


# The same words as the booking answer's offer (``orders.snapshots.confirmation_offer``).
NO_CONTACT = "the order has no contact person"
CONTACT_UNKNOWN = "the order's contact person is no longer among the customer's contacts"
CONTACT_WITHOUT_EMAIL = "the contact person has no e-mail address"
NO_BOOKING = "the order has no booking to confirm"
CLOSED_STAGES = frozenset({"completed", "cancelled"})


def contact_of(contact_id: str | None, contacts: Iterable[dict[str, object]]) -> Person | None:
    """The order's contact among the customer's contacts (catalog's Contact list)."""
    if contact_id is None:
        return None
    for contact in contacts:
        if str(contact.get("contact_id")) == contact_id:
            return _person(contact, "order_contact")
    return None


def offer(
    contact_id: str | None,
    contact: Person | None,
    *,
    stage: str = "planned",
    standing_bookings: int = 1,
) -> Offer:
    """A confirmation is offered for an open order with a standing booking whose contact
    person has an e-mail address."""
    if stage in CLOSED_STAGES:
        return Offer(False, f"the order is {stage}", contact)
    if standing_bookings == 0:
        return Offer(False, NO_BOOKING, contact)
    if contact_id is None:
        return Offer(False, NO_CONTACT, None)
    if contact is None:
        return Offer(False, CONTACT_UNKNOWN, None)
    if not contact.email:
        return Offer(False, CONTACT_WITHOUT_EMAIL, contact)
    return Offer(True, None, contact)


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _person(contact: dict[str, object], source: str) -> Person:
    return Person(
        name=_text(contact.get("name")) or "",
        email=_text(contact.get("email")),
        mobile=_text(contact.get("mobile")),
        source=source,
    )


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0].casefold() if parts else ""


def suggestions(
    *,
    order_contact: Person | None,
    contacts: Iterable[dict[str, object]],
    customer_name: str,
    customer_emails: Sequence[str],
    customer_mobiles: Sequence[str],
    facility_name: str | None,
) -> list[Person]:
    """Recipient suggestions: the order's contact, the customer's contacts, the facility
    (reached at the customer's addresses: the model keeps none of its own) and the
    customer itself. Someone without an address is left out; the same name with the same
    addresses is one suggestion (the first source named wins, so the order's contact stays
    marked as such). Sorted by first name, then the whole name."""
    email = _text(customer_emails[0]) if customer_emails else None
    mobile = _text(customer_mobiles[0]) if customer_mobiles else None
    candidates: list[Person] = []
    if order_contact is not None:
        candidates.append(order_contact)
    candidates.extend(_person(c, "customer_contact") for c in contacts)
    if facility_name and facility_name.strip():
        candidates.append(Person(facility_name.strip(), email, mobile, "facility"))
    candidates.append(Person(customer_name, email, mobile, "customer"))
    seen: set[tuple[str, str, str]] = set()
    result: list[Person] = []
    for person in candidates:
        if not person.email and not person.mobile:
            continue
        key = (person.name.casefold(), (person.email or "").lower(), person.mobile or "")
        if key in seen:
            continue
        seen.add(key)
        result.append(person)
    return sorted(result, key=lambda p: (first_name(p.name), p.name.casefold(), p.email or ""))


# --- dates in the customer's language ------------------------------------------------------

_WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "da": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "fi": (
        "maanantai",
        "tiistai",
        "keskiviikko",
        "torstai",
        "perjantai",
        "lauantai",
        "sunnuntai",
    ),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "nb": (
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ),
    "da": (
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ),
    # Finnish writes the month in the partitive after a day number.
    "fi": (
        "tammikuuta",
        "helmikuuta",
        "maaliskuuta",
        "huhtikuuta",
        "toukokuuta",
        "kesäkuuta",
        "heinäkuuta",
        "elokuuta",
        "syyskuuta",
        "lokakuuta",
        "marraskuuta",
        "joulukuuta",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
# Where the weekday, day, month and year go in each language's long date.
_PATTERNS: dict[str, str] = {
    "en": "{weekday} {day} {month} {year}",
    "sv": "{weekday} {day} {month} {year}",
    "nb": "{weekday} {day}. {month} {year}",
    "da": "{weekday} den {day}. {month} {year}",
    "fi": "{weekday} {day}. {month} {year}",
    "de": "{weekday}, {day}. {month} {year}",
    "fr": "{weekday} {day} {month} {year}",
}
_ALIASES = {"no": "nb", "nn": "nb"}


def language_of(language: str | None) -> str:
    """The table's language for a customer's: ``sv-SE`` is ``sv``; unknown is English."""
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    primary = _ALIASES.get(primary, primary)
    return primary if primary in _PATTERNS else "en"


def long_date(day: date, language: str | None) -> str:
    lang = language_of(language)
    return _PATTERNS[lang].format(
        weekday=_WEEKDAYS[lang][day.weekday()],
        day=day.day,
        month=_MONTHS[lang][day.month - 1],
        year=day.year,
    )


# The en dash of a time interval, as typeset: 08:00\u201312:00.
EN_DASH = "\u2013"


def time_interval(start: time, end: time) -> str:
    return f"{start:%H:%M}{EN_DASH}{end:%H:%M}"


# --- the template's tags -------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A standing booking, with the name of its technician."""

    booking_id: str
    technician_id: str
    technician_name: str
    starts_at: datetime
    ends_at: datetime
    local_date: date
    local_start: time
    local_end: time


@dataclass(frozen=True)
class ServiceObject:
    serial_number: str
    name: str


@dataclass(frozen=True)
class OrderFacts:
    """What a confirmation says about its order."""

    number: str
    customer_name: str
    facility_name: str | None
    customer_order_number: str | None
    service_objects: Sequence[ServiceObject]
    visits: Sequence[Visit]
    description: str = ""
    location: str = ""


def upcoming(visits: Iterable[Visit], now: datetime) -> list[Visit]:
    """The visits not over yet (one under way still counts), in time order."""
    return sorted((v for v in visits if v.ends_at > now), key=lambda v: (v.starts_at, v.booking_id))


def describe(visit: Visit, language: str | None) -> str:
    """ "technician, date, start-end", the date in the customer's language."""
    return ", ".join(
        (
            visit.technician_name,
            long_date(visit.local_date, language),
            time_interval(visit.local_start, visit.local_end),
        )
    )


def tags(facts: OrderFacts, *, company: str, language: str | None, now: datetime) -> dict[str, str]:
    """The values of every booking-confirmation placeholder. A blank customer order
    number stays blank: notifications writes the localized "missing" word there."""
    coming = upcoming(facts.visits, now)
    following = coming[0] if coming else None
    return {
        "company": company,
        "order_ref": facts.number,
        "future_bookings": "\n".join(describe(v, language) for v in coming),
        "next_booking": describe(following, language) if following else "",
        "next_booking_name": following.technician_name if following else "",
        "next_booking_date": long_date(following.local_date, language) if following else "",
        "next_booking_time": (
            time_interval(following.local_start, following.local_end) if following else ""
        ),
        "facility_or_customer": (facts.facility_name or "").strip() or facts.customer_name,
        "customer_order_number": (facts.customer_order_number or "").strip(),
        "service_objects": ", ".join(
            " ".join(part for part in (o.serial_number, o.name) if part)
            for o in facts.service_objects
        ),
    }


# --- the sent log's flag -------------------------------------------------------------------


def fingerprint(visits: Iterable[Visit]) -> str:
    """What the standing bookings are: who and when (SHA-256 hex). A confirmation sent
    under another fingerprint is flagged: its bookings changed since."""
    lines = sorted(f"{v.technician_id}|{_utc(v.starts_at)}|{_utc(v.ends_at)}" for v in visits)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# --- iCalendar (RFC 5545) ------------------------------------------------------------------

PRODID = "-//Aftersales//Field work//EN"
CRLF = "\r\n"
_LINE_OCTETS = 75


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(text: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1): CRLF and a space before each
    continuation, never inside a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    limit = _LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append(current)
            # A continuation's leading space is one of its 75 octets.
            current, size, limit = char, octets, _LINE_OCTETS - 1
        else:
            current += char
            size += octets
    parts.append(current)
    return (CRLF + " ").join(parts)


def calendar(
    facts: OrderFacts, *, company: str, now: datetime, uid_domain: str = "fieldwork.aftersales"
) -> str:
    """The order's standing bookings as one VCALENDAR with a VEVENT each, CRLF line
    endings, long lines folded. The UID is the booking's, so a calendar that imported an
    earlier copy updates the event instead of adding another."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for visit in sorted(facts.visits, key=lambda v: (v.starts_at, v.booking_id)):
        description = f"{facts.number}, {visit.technician_name}"
        if facts.description.strip():
            description += "\n" + facts.description.strip()
        lines += [
            "BEGIN:VEVENT",
            f"UID:{visit.booking_id}@{uid_domain}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(visit.starts_at)}",
            f"DTEND:{_utc(visit.ends_at)}",
            "SUMMARY:" + escape_text(f"{company}: {facts.number} ({visit.technician_name})"),
            "LOCATION:" + escape_text(facts.location),
            "DESCRIPTION:" + escape_text(description),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def calendar_file_name(number: str) -> str:
    return f"booking-{number}.ics"


def address_line(location: dict[str, object] | None) -> str:
    """An order's location as one line: street, postal code and city, country."""
    if not location:
        return ""
    street = _text(location.get("street"))
    postal = (_text(location.get("postal_code")), _text(location.get("city")))
    town = " ".join(p for p in postal if p)
    country = _text(location.get("country"))
    return ", ".join(p for p in (street, town or None, country) if p)
