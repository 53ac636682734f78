"""Who may do what to orders, beyond what they may see (``fieldwork.visibility``): the
gateway grants the coarse permission, this refines it by role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from aftersales_kit.identity import Caller, CallerDep
from aftersales_kit.problems import Forbidden
from fieldwork.visibility import TECHNICIAN_ROLE

# Planners create, change, book and move orders.
PLANNER_ROLES = frozenset({"admin", "operator"})


def may_plan(caller: Caller) -> bool:
    return bool(caller.roles & PLANNER_ROLES)


async def _planner(caller: CallerDep) -> Caller:
    if not may_plan(caller):
        raise Forbidden("only a planner (operator or admin) may create, change or plan orders")
    return caller


async def _actor(caller: CallerDep) -> Caller:
    """A planner, or a technician acting on their own orders (visibility keeps the rest
    out of sight: 404)."""
    if not (may_plan(caller) or caller.has_role(TECHNICIAN_ROLE)):
        raise Forbidden("only a planner or the order's technician may act on an order")
    return caller


PlannerDep = Annotated[Caller, Depends(_planner)]
ActorDep = Annotated[Caller, Depends(_actor)]
