"""Builders of the messages tests send: valid snapshots and commands with fresh ids and
numbers, any field overridable by keyword. One place, so a contract change is mended
once for every test tree."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from aftersales_contracts.catalog import (
    CommunicationMethod,
    CustomerRegistered,
    OrgUnitChanged,
    ProductRegistered,
    SerialItemRegistered,
)


def unique(prefix: str = "") -> str:
    """A short random token for numbers and names that must not collide between tests."""
    return prefix + uuid.uuid4().hex[:10]


def email_address() -> str:
    return f"c-{unique()}@example.com"


def customer_registered(**overrides: Any) -> CustomerRegistered:
    fields: dict[str, Any] = {
        "customer_id": uuid.uuid4(),
        "version": 1,
        "customer_number": unique("C-"),
        "name": "Ada Lovelace",
        "emails": [email_address()],
        "mobiles": [],
        "allowed_methods": [CommunicationMethod.EMAIL],
        "preferred_method": None,
        "language": "en",
    }
    return CustomerRegistered(**(fields | overrides))


def product_registered(**overrides: Any) -> ProductRegistered:
    fields: dict[str, Any] = {
        "product_id": uuid.uuid4(),
        "version": 1,
        "product_number": unique("P-"),
        "name": "Heat pump",
    }
    return ProductRegistered(**(fields | overrides))


def org_unit_changed(**overrides: Any) -> OrgUnitChanged:
    fields: dict[str, Any] = {
        "org_unit_id": uuid.uuid4(),
        "version": 1,
        "code": unique("OU-"),
        "name": "Branch",
        "time_zone": "Europe/Vienna",
        "parent_id": None,
    }
    return OrgUnitChanged(**(fields | overrides))


def serial_item_registered(**overrides: Any) -> SerialItemRegistered:
    """An active item of a fresh product and owner (override ``product_id`` and
    ``owner_customer_id`` to tie it to ones a test registered)."""
    fields: dict[str, Any] = {
        "serial_item_id": uuid.uuid4(),
        "version": 1,
        "serial_number": unique("SN-"),
        "name": "Heat pump",
        "product_id": uuid.uuid4(),
        "product_number": unique("P-"),
        "product_name": "Heat pump",
        "owner_customer_id": uuid.uuid4(),
        "org_unit": None,
        "startup_date": date(2026, 1, 15),
    }
    return SerialItemRegistered(**(fields | overrides))
