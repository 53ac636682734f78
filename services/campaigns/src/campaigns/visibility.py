"""Who may see which cases and campaign lines: the caller's org units, descendants
included, as for serial items. A case without an org unit is seen only by unrestricted
callers. Campaigns themselves span org units: everyone who may read campaigns sees them,
and their progress and case lists are narrowed to the caller's units."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, false, true

from aftersales_kit.org_units import VisibleIds, VisibleIdsDep

__all__ = ["VisibleIds", "VisibleIdsDep", "org_unit_clause", "sees"]


def org_unit_clause(
    visible: VisibleIds, column: ColumnElement[uuid.UUID | None]
) -> ColumnElement[bool]:
    """The WHERE clause that keeps the rows of the org units ``visible`` names."""
    if visible is None:
        return true()
    if not visible:
        return false()
    return column.in_(visible)


def sees(visible: VisibleIds, org_unit_id: uuid.UUID | None) -> bool:
    if visible is None:
        return True
    return org_unit_id is not None and org_unit_id in visible
