"""Templates' rules, free of I/O: the placeholders each kind of message may use, HTML
sanitizing, and the localized words a booking confirmation fills in by itself."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

import nh3

from aftersales_contracts import placeholders
from aftersales_contracts.placeholders import CALLOUT_PLACEHOLDERS


class TemplateKind(enum.StrEnum):
    CALLOUT = "callout"
    BOOKING_CONFIRMATION = "booking_confirmation"
    GENERIC = "generic"


# The tags of a booking confirmation (seed 004), in the placeholder language's snake_case.
BOOKING_CONFIRMATION_PLACEHOLDERS: Mapping[str, str] = {
    "company": "Your company's name",
    "future_bookings": "Technician, date and time of every upcoming booking",
    "order_ref": "The order's reference (order number)",
    "next_booking": "Technician, date and time of the next booking",
    "next_booking_name": "The technician (user) of the next booking",
    "next_booking_date": "The date of the next booking",
    "next_booking_time": "The time interval of the next booking",
    "facility_or_customer": "The facility, when there is one, else the customer",
    "customer_order_number": "The customer's order number; a localized 'missing' word without one",
    "service_objects": "Every service object of the order, comma separated",
}

# The same tags in seed 004's own spelling, ``{orderRef}``, accepted in a booking
# confirmation's texts and stored in the placeholder language's (``{{ order_ref }}``).
SEED_BOOKING_TAGS: Mapping[str, str] = {
    "company": "company",
    "futureBookings": "future_bookings",
    "orderRef": "order_ref",
    "nextBooking": "next_booking",
    "nextBookingName": "next_booking_name",
    "nextBookingDate": "next_booking_date",
    "nextBookingTime": "next_booking_time",
    "facilityOrCustomer": "facility_or_customer",
    "customerOrderNumber": "customer_order_number",
    "serviceObjects": "service_objects",
}

# ``{name}`` in single braces, not part of a ``{{ name }}``.
_SEED_TAG = re.compile(r"(?<!\{)\{([A-Za-z][A-Za-z0-9]*)\}(?!\})")

# "E-mail with template": free texts an admin keeps, filled by whoever sends.
GENERIC_PLACEHOLDERS: Mapping[str, str] = {
    "company": "Your company's name",
    "customer_name": "The customer's name",
    "contact_name": "The contact person's name",
    "order_number": "The order number",
    "customer_order_number": "The customer's order number",
    "machine_number": "The machine (serial) number",
    "serial_number": "The serial number",
    "product_name": "The product's name",
    "date": "A date the sender gives",
    "sender_name": "The name of the user who sends",
}

ALLOWED: Mapping[TemplateKind, Mapping[str, str]] = {
    TemplateKind.CALLOUT: CALLOUT_PLACEHOLDERS,
    TemplateKind.BOOKING_CONFIRMATION: BOOKING_CONFIRMATION_PLACEHOLDERS,
    TemplateKind.GENERIC: GENERIC_PLACEHOLDERS,
}

# A booking confirmation must at least say whose and which order; every other tag may
# be empty (no future bookings, no facility ...).
BOOKING_REQUIRED = frozenset({"company", "order_ref"})

# The word written where a booking confirmation has no customer order number.
MISSING_WORD: Mapping[str, str] = {
    "en": "missing",
    "sv": "saknas",
    "nb": "mangler",
    "no": "mangler",
    "da": "mangler",
    "fi": "puuttuu",
    "de": "fehlt",
    "fr": "manquant",
}


def missing_word(language: str | None) -> str:
    """The localized "missing" word; ``sv-SE`` takes ``sv``'s, an unknown language English."""
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    return MISSING_WORD.get(primary, MISSING_WORD["en"])


def check_placeholders(kind: TemplateKind, text: str) -> None:
    """Raise ``placeholders.UnknownPlaceholder`` naming what ``kind`` does not allow."""
    placeholders.check(text, ALLOWED[kind])


def in_placeholder_language(kind: TemplateKind, text: str) -> str:
    """A booking confirmation's text with seed 004's ``{orderRef}`` tags written as
    ``{{ order_ref }}``; other kinds' texts as they are. A single-braced name that is not
    one of the seed's tags raises ``placeholders.UnknownPlaceholder`` (a misspelt tag
    must not go out as literal text)."""
    if kind is not TemplateKind.BOOKING_CONFIRMATION:
        return text
    unknown = [name for name in _SEED_TAG.findall(text) if name not in SEED_BOOKING_TAGS]
    if unknown:
        raise placeholders.UnknownPlaceholder(list(dict.fromkeys(unknown)))
    return _SEED_TAG.sub(lambda m: "{{ " + SEED_BOOKING_TAGS[m.group(1)] + " }}", text)


def values_for(
    kind: TemplateKind, values: Mapping[str, str], language: str | None
) -> dict[str, str]:
    """The values a template of ``kind`` renders with: the given ones, and for a booking
    confirmation its optional tags defaulted (a blank customer order number becomes the
    localized "missing" word)."""
    result = dict(values)
    if kind is TemplateKind.BOOKING_CONFIRMATION:
        for name in BOOKING_CONFIRMATION_PLACEHOLDERS:
            if name not in BOOKING_REQUIRED:
                result.setdefault(name, "")
        if not result["customer_order_number"].strip():
            result["customer_order_number"] = missing_word(language)
    return result


_TAG = re.compile(r"</?[A-Za-z][^>]*>")

# What a user-written body may keep: nh3's (ammonia's) conservative defaults, links and
# images only over these schemes. Scripts, styles, event handlers and javascript: go.
_CLEANER = nh3.Cleaner(url_schemes={"http", "https", "mailto", "tel"})


def is_html(text: str) -> bool:
    return bool(_TAG.search(text))


def sanitize_html(text: str) -> str:
    """A body with HTML tags, cleaned; a plain-text body (no tags) is left as written,
    since rendering escapes it as a whole."""
    if not is_html(text):
        return text
    return _CLEANER.clean(text)
