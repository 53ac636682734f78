"""The placeholder language of message templates: ``{{ name }}``, nothing more.

No expressions, filters or loops: a template can only name values from an allow-list,
so a user-written template can never run code. Servicetypes rejects an unknown name
when a template is saved; notifications substitutes the values when it renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

# What a service-callout step may use, with the hint shown to whoever writes the template.
CALLOUT_PLACEHOLDERS: Mapping[str, str] = {
    "customer_name": "The customer's name from the customer register",
    "customer_number": "The customer's number",
    "serial_number": "The serial number of the product instance",
    "serial_item_name": "The localized name of the product instance",
    "product_name": "The name of the product",
    "product_number": "The product number",
    "scheduled_date": "The date the message is scheduled for (YYYY-MM-DD)",
    "step_description": "The description of the step, e.g. '1st reminder'",
    "service_type_name": "The display name of the service type",
    "org_unit": "The organizational unit of the serial item",
}


class UnknownPlaceholder(ValueError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"unknown placeholder(s): {', '.join(names)}")
        self.names = names


def find(text: str) -> list[str]:
    """The placeholder names a text uses, in order of first appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def check(text: str, allowed: Mapping[str, str] | set[str]) -> None:
    unknown = [name for name in find(text) if name not in allowed]
    if unknown:
        raise UnknownPlaceholder(unknown)


def render(text: str, values: Mapping[str, str], escape: Callable[[str], str] | None = None) -> str:
    """Substitute every placeholder; a name without a value raises ``UnknownPlaceholder``."""
    missing = [name for name in find(text) if name not in values]
    if missing:
        raise UnknownPlaceholder(missing)

    def _value(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return escape(value) if escape else value

    return PLACEHOLDER.sub(_value, text)
