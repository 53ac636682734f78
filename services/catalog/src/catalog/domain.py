"""Catalog's rules, free of I/O."""

from __future__ import annotations

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
