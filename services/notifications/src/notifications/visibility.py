"""Who may see what in notifications: the gateway's identity headers (``Caller``) against
the org units that messages and sending settings carry, with catalog's rule.

The gateway names a caller's org units by **code**; messages and sending settings carry
an org unit **id**. A projection of catalog's ``OrgUnitChanged`` (table ``org_unit``)
maps one to the other and holds the tree: a restricted caller sees its org units and
their descendants. A code the projection does not know (yet) matches nothing, so a
caller is never shown more than catalog would show it. A caller without the org-units
header is not restricted. A message without an org unit belongs to no org unit and is
seen by every caller who may read messages at all.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends

from aftersales_contracts.catalog import OrgUnitChanged
from aftersales_kit import org_units
from aftersales_kit.identity import ROLES_HEADER, Caller, CallerDep
from aftersales_kit.problems import Forbidden, NotFound
from aftersales_kit.projections import upsert_if_newer
from aftersales_kit.uow import UnitOfWork
from notifications.tables import org_unit

ADMIN = "admin"

# None: not restricted. A set: the ids of the org units the caller may see.
Visible = org_units.VisibleIds
VisibleDep = org_units.VisibleIdsDep


def may_see(visible: Visible, org_unit_id: uuid.UUID | None) -> bool:
    """A message or setting without an org unit is everybody's; one with an org unit only
    for callers who see that unit."""
    return visible is None or org_unit_id is None or org_unit_id in visible


def require_seen(visible: Visible, org_unit_id: uuid.UUID | None, not_found: str) -> None:
    """404 for what the caller may not see: as if it did not exist, so nothing leaks."""
    if not may_see(visible, org_unit_id):
        raise NotFound(not_found)


def require_own_org_unit(visible: Visible, org_unit_id: uuid.UUID | None, action: str) -> None:
    """403 naming ``org_unit_id`` when the caller acts for an org unit it may not see."""
    if not may_see(visible, org_unit_id):
        raise Forbidden(
            f"you may only {action} for your own org units (or their descendants)",
            field="org_unit_id",
        )


async def require_admin(caller: CallerDep) -> Caller:
    """403 unless the gateway says the caller is an admin. Without the roles header the
    caller is no admin: an admin-only route never opens because a header is missing."""
    if not caller.has_role(ADMIN):
        raise Forbidden("only an admin may do this", field=ROLES_HEADER)
    return caller


AdminDep = Annotated[Caller, Depends(require_admin)]

OPERATOR = "operator"


async def require_operator(caller: CallerDep) -> Caller:
    """403 unless the caller is an admin or an operator (who runs the daily work): for
    the choices that may send a message again or tell a requester it was sent."""
    if not (caller.has_role(ADMIN) or caller.has_role(OPERATOR)):
        raise Forbidden("only an admin or an operator may do this", field=ROLES_HEADER)
    return caller


OperatorDep = Annotated[Caller, Depends(require_operator)]


async def project_org_unit(event: OrgUnitChanged, uow: UnitOfWork, *, now: datetime) -> None:
    """Keep the org unit projection: a snapshot replaces an older one, never a newer one."""
    await upsert_if_newer(
        uow.session,
        org_unit,
        {
            "id": event.org_unit_id,
            "version": event.version,
            "code": event.code,
            "parent_id": event.parent_id,
            "updated_at": now,
        },
    )
    await uow.commit()
