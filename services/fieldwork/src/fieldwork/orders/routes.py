"""The order write side over HTTP: parse, check the role, call a use case, answer with
the order and its ETag."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag
from fieldwork.dependencies import ContextDep
from fieldwork.orders import handlers
from fieldwork.orders.permissions import PlannerDep
from fieldwork.orders.schemas import CaseView, HistoryOut, OrderChange, OrderDraft, OrderView
from fieldwork.visibility import ScopeDep

# The statuses these routes answer besides the common ones (the kit documents those).
_FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role or org units do not allow it"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "The order's state does not allow it (the reason named)"}
}
_WRITE = _FORBIDDEN | _CONFLICT

orders = APIRouter(prefix="/service-orders", tags=["service orders"])
cases = APIRouter(prefix="/service-cases", tags=["service cases"])


def _tagged(response: Response, view: OrderView) -> OrderView:
    set_etag(response, view.version)
    return view


@orders.post("", status_code=status.HTTP_201_CREATED, responses=_WRITE)
async def create_order(
    body: OrderDraft,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
) -> OrderView:
    """Open a service order (planners only). Its number comes from a sequence; it gets a
    case of its own unless ``case_id`` names one of the same customer. The location is a
    serial item (its installation address is copied) or a free ``location``. With a
    technician and a ``booking`` it is Planned at once (409 naming the conflicts on an
    overlap or outside working hours, unless ``booking.override`` says why). Unknown ids
    answer 422 naming the field; an org unit the caller does not see 403."""
    view = await handlers.create_order(uow, ctx, body, by=caller.username, scope=scope)
    response.headers["Location"] = f"{orders.prefix}/{view.id}"
    return _tagged(response, view)


@orders.get("/{order_id}")
async def get_order(
    order_id: uuid.UUID, uow: UnitOfWorkDep, ctx: ContextDep, scope: ScopeDep, response: Response
) -> OrderView:
    """One order with its bookings, ``time_spent`` (from its status history) and whether a
    booking confirmation can be offered; ``ETag`` for the next If-Match. 404 outside the
    caller's sight (a technician sees only their own orders)."""
    return _tagged(response, await handlers.get_order(uow, ctx, order_id, scope=scope))


@orders.patch("/{order_id}", responses=_WRITE)
async def change_order(
    order_id: uuid.UUID,
    body: OrderChange,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderView:
    """Change the fields sent (If-Match required); ``null`` clears an optional field. A
    completed or cancelled order answers 409. Setting or clearing the technician replans
    the order (Planned needs a technician and a standing booking)."""
    view = await handlers.change_order(
        uow,
        ctx,
        order_id,
        body,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return _tagged(response, view)


@orders.get("/{order_id}/history")
async def order_history(order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep) -> HistoryOut:
    """Every change of the order, oldest first: ``at``, ``by``, ``kind`` (created, changed,
    technician, status, stage, booking, absence), ``from``/``to`` and ``detail``."""
    return await handlers.order_history(uow, order_id, scope=scope)


@cases.get("/{case_id}")
async def get_case(case_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep) -> CaseView:
    """A service case and the numbers and stages of its orders the caller may see."""
    return await handlers.get_case(uow, case_id, scope=scope)


routers = [orders, cases]
