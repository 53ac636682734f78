"""Catalog's rules, free of I/O."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from aftersales_contracts.catalog import CommunicationMethod


class InvalidMobileNumber(ValueError):
    pass


def normalize_mobile(number: str) -> str:
    """A mobile number in international form (``+46701234567``), or ``InvalidMobileNumber``."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException as error:
        raise InvalidMobileNumber(
            f"{number!r} is not an international number (+country code, no leading 0)"
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidMobileNumber(f"{number!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_preferred_method(
    allowed: list[CommunicationMethod], preferred: CommunicationMethod | None
) -> None:
    if preferred is not None and preferred not in allowed:
        raise ValueError(f"preferred method {preferred.value!r} is not among the allowed methods")


class InvalidTimeZone(ValueError):
    pass


def check_time_zone(name: str) -> str:
    """An IANA time zone name (``Europe/Stockholm``), or ``InvalidTimeZone``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidTimeZone(f"{name!r} is not an IANA time zone name") from error
    return name


LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")


def check_locale(locale: str) -> str:
    """A language tag like ``en`` or ``sv-SE``, or ``ValueError``."""
    if not LOCALE.fullmatch(locale):
        raise ValueError(f"{locale!r} is not a locale like 'en' or 'sv-SE'")
    return locale


def check_country(code: str) -> str:
    """An ISO 3166-1 alpha-2 country code (``SE``), or ``ValueError``. The list is the one
    ``phonenumbers`` carries (every country and territory with a numbering plan)."""
    if len(code) != 2 or code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{code!r} is not an ISO 3166 alpha-2 country code like 'SE'")
    return code


MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY = 100
MAX_ATTRIBUTE_VALUE = 1000


def check_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """Free attributes: at most 50 entries, keys 1 to 100 characters, values up to 1000."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise ValueError(f"at most {MAX_ATTRIBUTES} attributes")
    for key, value in attributes.items():
        if not key.strip() or len(key) > MAX_ATTRIBUTE_KEY:
            raise ValueError(f"attribute names must be 1 to {MAX_ATTRIBUTE_KEY} characters")
        if len(value) > MAX_ATTRIBUTE_VALUE:
            raise ValueError(f"attribute {key!r} is longer than {MAX_ATTRIBUTE_VALUE} characters")
    return attributes


def would_cycle(org_unit_id: object, parent_chain: list[object]) -> bool:
    """True when making ``org_unit_id`` a child of the first of ``parent_chain`` (the new
    parent followed by its ancestors) would put the unit among its own ancestors."""
    return org_unit_id in parent_chain


# What says how to reach a customer; contacts count too (their changes are flagged apart).
COMMUNICATION_FIELDS = ("emails", "mobiles", "allowed_methods", "preferred_method", "language")


def communication_changes(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """The communication fields whose values differ, in a fixed order."""
    return [f for f in COMMUNICATION_FIELDS if before.get(f) != after.get(f)]
