"""What a callout's order needs before it can be opened, and what it is opened with. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aftersales_contracts.fieldwork import OpenServiceOrder


@dataclass(frozen=True)
class Known:
    """Which of the command's references field work's projections hold."""

    customer: bool
    serial_item: bool
    service_type: bool
    org_unit: bool


def waiting_for(command: OpenServiceOrder, known: Known) -> str | None:
    """What the order still waits for: its customer and serial item must have arrived
    from catalog (an order without them cannot be placed or shown); None when both are
    here. The service type and org unit are not waited for (see ``draft_fields``)."""
    missing = []
    if not known.customer:
        missing.append(f"customer {command.customer_id}")
    if not known.serial_item:
        missing.append(f"serial item {command.serial_item_id}")
    return ", ".join(missing) or None


def draft_fields(command: OpenServiceOrder, known: Known) -> dict[str, Any]:
    """The new order, prefilled from the callout: its customer, its serial item as the
    location (and service object), its service type and org unit when field work knows
    them (else the order goes without the type, and into the serial item's org unit),
    the callout's description."""
    fields: dict[str, Any] = {
        "customer_id": command.customer_id,
        "serial_item_id": command.serial_item_id,
        "description": command.description or "",
        "callout_id": command.callout_id,
    }
    if known.service_type and command.service_type_id is not None:
        fields["service_type_id"] = command.service_type_id
    if known.org_unit and command.org_unit_id is not None:
        fields["org_unit_id"] = command.org_unit_id
    return fields
