"""The order write side over HTTP: parse, check the role, call a use case, answer with
the order and its ETag."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.versioning import IfMatchHeader, expected_version, tagged
from fieldwork.dependencies import ContextDep
from fieldwork.orders import actions, bookings, handlers
from fieldwork.orders.domain import Action
from fieldwork.orders.permissions import ActorDep, PlannerDep
from fieldwork.orders.schemas import (
    ActionIn,
    BookingChange,
    BookingIn,
    HistoryOut,
    MoveIn,
    OrderChange,
    OrderDraft,
    OrderView,
)
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
    return tagged(response, view)


@orders.get("/{order_id}")
async def get_order(
    order_id: uuid.UUID, uow: UnitOfWorkDep, ctx: ContextDep, scope: ScopeDep, response: Response
) -> OrderView:
    """One order with its bookings, ``time_spent`` (from its status history) and whether a
    booking confirmation can be offered; ``ETag`` for the next If-Match. 404 outside the
    caller's sight (a technician sees only their own orders)."""
    return tagged(response, await handlers.get_order(uow, ctx, order_id, scope=scope))


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
    return tagged(response, view)


@orders.post("/{order_id}/actions/{action}", responses=_WRITE)
async def act_on_order(
    order_id: uuid.UUID,
    action: Action,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: ActorDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
    body: ActionIn | None = None,
) -> OrderView:
    """A status action (If-Match required): ``depart`` (planned → en route), ``arrive``
    (→ on site), ``start_work`` (on site or en route → working), ``break``, ``resume``,
    ``customer_absent`` (en route or on site: the visited booking is marked missed and
    the order replanned: Planned while another booking stands, else New with its
    technician kept), ``complete`` (→ done, stage Completed), ``cancel`` (→ cancelled,
    its bookings released). Each is stamped in the history; an action that does not
    apply is 409 naming the reason. A technician acts only on their own orders (another
    is 404). ``complete`` takes an optional body ``{"campaign_case_ids_done": [...]}``:
    open campaign cases of the order's serial items (its ``campaign_cases``) done at it,
    which campaigns then closes; any other id is 422 naming
    ``campaign_case_ids_done.<i>``."""
    view = await actions.act_on_order(
        uow,
        ctx,
        order_id,
        action,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
        campaign_case_ids_done=body.campaign_case_ids_done if body is not None else (),
    )
    return tagged(response, view)


@orders.post("/{order_id}/move", responses=_WRITE)
async def move_order(
    order_id: uuid.UUID,
    body: MoveIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderView:
    """Move the order's Kanban card to ``stage`` (If-Match required): to ``completed``
    runs Complete (ticking ``campaign_case_ids_done`` as the action does), to
    ``cancelled`` Cancel; to ``planned`` needs a technician and a booking (the body's
    ``booking``, or one standing; 409 otherwise); to ``new`` releases the standing
    bookings (409 while a visit is under way)."""
    view = await actions.move_order(
        uow,
        ctx,
        order_id,
        body,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@orders.post("/{order_id}/bookings", status_code=status.HTTP_201_CREATED, responses=_WRITE)
async def add_booking(
    order_id: uuid.UUID,
    body: BookingIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderView:
    """Book a visit (If-Match of the order): ``technician_id`` (default the order's),
    ``date``, ``start``, ``end`` in the order's org unit's local time. An overlap with
    another standing booking of the technician, or a time outside their working hours, is
    409 with ``conflicts`` [{kind: overlap, booking_id, order_id, order_number, starts_at,
    ends_at} | {kind: working_hours, weekday, working_hours}], unless ``override:
    {reason}`` books it anyway (recorded). Answers the order with ``confirmation_offer``."""
    view = await bookings.add_booking(
        uow,
        ctx,
        order_id,
        body,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@orders.patch("/{order_id}/bookings/{booking_id}", responses=_WRITE)
async def change_booking(
    order_id: uuid.UUID,
    booking_id: uuid.UUID,
    body: BookingChange,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderView:
    """Move a standing booking or hand it to another technician (If-Match of the order);
    the same rules as a new booking. A missed or released booking is 409."""
    view = await bookings.change_booking(
        uow,
        ctx,
        order_id,
        booking_id,
        body,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@orders.delete("/{order_id}/bookings/{booking_id}", responses=_WRITE)
async def remove_booking(
    order_id: uuid.UUID,
    booking_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderView:
    """Remove a standing booking (If-Match of the order): kept as ``released``; with no
    booking left the order goes back to New."""
    view = await bookings.remove_booking(
        uow,
        ctx,
        order_id,
        booking_id,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@orders.get("/{order_id}/history")
async def order_history(order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep) -> HistoryOut:
    """Every change of the order, oldest first: ``at``, ``by``, ``kind`` (created, changed,
    technician, status, stage, booking, absence), ``from``/``to`` and ``detail``."""
    return await handlers.order_history(uow, order_id, scope=scope)


routers = [orders]
