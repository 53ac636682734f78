"""Which serial items and customers a caller may see, by the org units the gateway names
for it.

A caller without the org-units header (``aftersales_kit.identity``) sees every row. A
restricted caller sees the serial items and customers of its org units and of their
descendants in the org unit tree; a row without an org unit is seen by unrestricted
callers only (nobody can say whose it is). A customer's contacts follow their customer.
Products and the org unit tree itself are not per org unit: everybody sees them.
"""

from __future__ import annotations

import uuid

from sqlalchemy import Column, ColumnElement

from aftersales_kit import org_units
from aftersales_kit.problems import Forbidden, NotFound

# None: not restricted. A set: the ids of the org units the caller may see.
Visible = org_units.VisibleIds
VisibleDep = org_units.VisibleIdsDep


def may_see(visible: Visible, org_unit_id: uuid.UUID | None) -> bool:
    return visible is None or (org_unit_id is not None and org_unit_id in visible)


def seen_filter(visible: Visible, column: Column[uuid.UUID]) -> ColumnElement[bool] | None:
    """The SQL condition for the rows a caller sees (None: every row), so that lists
    filter before they page rather than after."""
    # ``IN ()`` of an empty set is false in SQLAlchemy: a caller seeing no unit sees nothing.
    return None if visible is None else column.in_(visible)


def require_seen(visible: Visible, row: dict[str, object], what: str = "serial item") -> None:
    """404 for a row the caller may not see: as if it did not exist, so that its
    existence does not leak."""
    org_unit_id = row["org_unit_id"]
    assert org_unit_id is None or isinstance(org_unit_id, uuid.UUID)
    if not may_see(visible, org_unit_id):
        raise NotFound(f"no {what} with id {row['id']}")


def require_placeable(
    visible: Visible, org_unit_id: uuid.UUID | None, what: str = "serial items"
) -> None:
    """403 naming org_unit_id for a row the caller would put out of its own sight (into
    another unit, or into none)."""
    if not may_see(visible, org_unit_id):
        raise Forbidden(
            f"you may only place {what} in your own org units (or their descendants)",
            field="org_unit_id",
        )
