"""The org units a caller may see: the ones the gateway names for it, and their descendants.

Every service that limits what a caller sees keeps an ``org_unit`` table (its own, or a
projection of catalog's ``catalog.org_unit.changed``) with ``id``, ``code`` and
``parent_id``; this reads the caller's part of that tree. What an item without an org
unit means is each service's own rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import text

from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.identity import Caller, CallerDep
from aftersales_kit.uow import UnitOfWork

_UNITS_AND_DESCENDANTS = text(
    "WITH RECURSIVE visible(id, code) AS ("
    " SELECT id, code FROM org_unit WHERE code = ANY(:codes)"
    " UNION SELECT o.id, o.code FROM org_unit o JOIN visible v ON o.parent_id = v.id)"
    " SELECT id, code FROM visible"
)


@dataclass(frozen=True)
class OrgUnitRef:
    id: uuid.UUID
    code: str


async def visible_org_units(uow: UnitOfWork, caller: Caller) -> list[OrgUnitRef] | None:
    """The org units ``caller`` may see, descendants included; None when it is not
    restricted, empty when it may see none. A code the table does not hold matches
    nothing."""
    if caller.org_units is None:
        return None
    if not caller.org_units:
        return []
    rows = await uow.session.execute(_UNITS_AND_DESCENDANTS, {"codes": sorted(caller.org_units)})
    return [OrgUnitRef(row.id, row.code) for row in rows]


# None: not restricted. A set: the ids of the org units the caller may see.
VisibleIds = frozenset[uuid.UUID] | None


async def visible_org_unit_ids(uow: UnitOfWork, caller: Caller) -> VisibleIds:
    """The ids of the org units ``caller`` may see, descendants included; None when the
    caller is not restricted."""
    units = await visible_org_units(uow, caller)
    return None if units is None else frozenset(u.id for u in units)


async def _visible_ids(caller: CallerDep, uow: UnitOfWorkDep) -> VisibleIds:
    return await visible_org_unit_ids(uow, caller)


# A route's parameter: the caller's visible org unit ids, read once per request.
VisibleIdsDep = Annotated[VisibleIds, Depends(_visible_ids)]
