"""Who may see which orders: the caller's org units (descendants included, as for serial
items) and, for a technician, only the orders assigned to them.

A caller whose roles are only ``technician`` sees "their own" orders: those whose
responsible technician signs in as that caller (``technician.username``) or to whose
trip that technician is assigned (``order_technician``); any planning role (admin,
operator, viewer) lifts that limit. An org-unit restricted caller never sees an order, technician
or vehicle without an org unit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, exists, false, select, true

from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.identity import Caller, CallerDep
from aftersales_kit.org_units import VisibleIds, visible_org_unit_ids
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables

TECHNICIAN_ROLE = "technician"
PLANNING_ROLES = frozenset({"admin", "operator", "viewer"})


def is_technician_only(caller: Caller) -> bool:
    """True when the caller plans nothing: they act only on their own orders."""
    return caller.has_role(TECHNICIAN_ROLE) and not (caller.roles & PLANNING_ROLES)


@dataclass(frozen=True)
class Scope:
    """What one caller may see. ``org_unit_ids`` None: every org unit. ``technician_id``
    set: only that technician's orders; ``own_orders_only`` with no technician: none."""

    username: str | None
    org_unit_ids: VisibleIds
    own_orders_only: bool
    technician_id: uuid.UUID | None

    def org_unit_clause(self, column: ColumnElement[uuid.UUID | None]) -> ColumnElement[bool]:
        if self.org_unit_ids is None:
            return true()
        if not self.org_unit_ids:
            return false()
        return column.in_(self.org_unit_ids)

    def orders_clause(self) -> ColumnElement[bool]:
        """The WHERE clause that keeps the orders this caller may see (``service_order``
        by its own name in the query)."""
        order = tables.service_order.c
        clause = self.org_unit_clause(order.org_unit_id)
        if self.own_orders_only:
            if self.technician_id is None:
                return false()
            assigned = tables.order_technician.c
            # Responsible, or one of the trip's assigned technicians.
            clause = clause & (
                (order.technician_id == self.technician_id)
                | exists(
                    select(assigned.order_id).where(
                        assigned.order_id == order.id,
                        assigned.technician_id == self.technician_id,
                    )
                )
            )
        return clause

    def sees_org_unit(self, org_unit_id: uuid.UUID | None) -> bool:
        if self.org_unit_ids is None:
            return True
        return org_unit_id is not None and org_unit_id in self.org_unit_ids


async def scope_of(uow: UnitOfWork, caller: Caller) -> Scope:
    own_only = is_technician_only(caller)
    technician_id = None
    if own_only and caller.username:
        technician_id = await uow.session.scalar(
            select(tables.technician.c.id).where(
                tables.technician.c.username == caller.username.strip().lower()
            )
        )
    return Scope(
        username=caller.username,
        org_unit_ids=await visible_org_unit_ids(uow, caller),
        own_orders_only=own_only,
        technician_id=technician_id,
    )


async def _scope(caller: CallerDep, uow: UnitOfWorkDep) -> Scope:
    return await scope_of(uow, caller)


# A route's parameter: what the caller may see, read once per request.
ScopeDep = Annotated[Scope, Depends(_scope)]
