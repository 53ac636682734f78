"""Which serial items a caller may see, by the org units the gateway names for it.

A caller without the org-units header (``aftersales_kit.identity``) sees every item. A
restricted caller sees the items of its org units and of their descendants in the org
unit tree; an item without an org unit is seen by unrestricted callers only. Customers,
products and the org unit tree itself are not per org unit: everybody sees them.
"""

from __future__ import annotations

import uuid

from aftersales_kit import org_units
from aftersales_kit.problems import Forbidden, NotFound

# None: not restricted. A set: the ids of the org units the caller may see.
Visible = org_units.VisibleIds
VisibleDep = org_units.VisibleIdsDep


def may_see(visible: Visible, org_unit_id: uuid.UUID | None) -> bool:
    return visible is None or (org_unit_id is not None and org_unit_id in visible)


def require_seen(visible: Visible, row: dict[str, object]) -> None:
    """404 for an item the caller may not see: as if it did not exist, so that its
    existence does not leak."""
    org_unit_id = row["org_unit_id"]
    assert org_unit_id is None or isinstance(org_unit_id, uuid.UUID)
    if not may_see(visible, org_unit_id):
        raise NotFound(f"no serial item with id {row['id']}")


def require_placeable(visible: Visible, org_unit_id: uuid.UUID | None) -> None:
    """403 naming org_unit_id for an item the caller would put out of its own sight."""
    if not may_see(visible, org_unit_id):
        raise Forbidden(
            "you may only place serial items in your own org units (or their descendants)",
            field="org_unit_id",
        )
