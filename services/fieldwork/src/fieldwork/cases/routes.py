"""Service cases over HTTP: create, list, read, change, add a trip, cancel, the review,
close, send back and ready for invoicing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from aftersales_contracts.fieldwork import CaseStatus
from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag, tagged
from fieldwork.cases import handlers
from fieldwork.cases.schemas import (
    CaseChange,
    CaseDraft,
    CasePage,
    CaseView,
    ReviewOut,
    SendBackIn,
    TripDraft,
)
from fieldwork.dependencies import ContextDep
from fieldwork.orders.permissions import PlannerDep
from fieldwork.orders.schemas import OrderView
from fieldwork.visibility import ScopeDep

cases = APIRouter(prefix="/service-cases", tags=["service cases"])

_S403 = "The caller's role (operators and admins only) or org units do not allow it"
_S409 = "The case is completed or cancelled (or, closing, something is missing: `missing`)"


@cases.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, s403=_S403),
)
async def create_case(
    body: CaseDraft,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
) -> CaseView:
    """Open a service case (operators and admins): name, customer (known to field work,
    else 422 naming ``customer_id``), contact (one of the customer's), serial items
    (known, else 422 naming ``serial_item_ids.<i>``), planned start, org unit (default
    the customer's; a restricted caller only its own: 403). Status Planned."""
    view = await handlers.create_case(uow, ctx, body, by=caller.username, scope=scope)
    response.headers["Location"] = f"{cases.prefix}/{view.id}"
    return tagged(response, view)


@cases.get("")
async def list_cases(
    request: Request,
    response: Response,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    case_status: Annotated[list[CaseStatus] | None, Query(alias="status")] = None,
    customer_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    org_unit_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1, max_length=100, description="a part of the name, or the number's start"
        ),
    ] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> CasePage:
    """A page of the cases the caller sees, newest first (filters repeat: any of); the
    next page's cursor also as a ``Link: <...>; rel="next"`` header. A technician sees
    the cases holding their own orders."""
    rows, next_cursor = await handlers.list_cases(
        uow,
        scope=scope,
        statuses=case_status or [],
        customer_ids=customer_id or [],
        org_unit_ids=org_unit_id or [],
        q=q,
        cursor=cursor,
        limit=limit,
    )
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{next_url.path}?{next_url.query}>; rel="next"'
    return CasePage(items=rows, next_cursor=next_cursor)


@cases.get("/{case_id}")
async def get_case(
    case_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, response: Response
) -> CaseView:
    """The case with its trips (``orders``: number, trip type, stage, status,
    technicians, booked time, distance), its protocols (id, status) and its review
    (what is missing, sent back); ``ETag`` for the next If-Match. 404 outside the
    caller's sight (a technician sees a case through their own trips, and only those)."""
    return tagged(response, await handlers.get_case(uow, case_id, scope=scope))


@cases.patch("/{case_id}", responses=problem_responses(403, 409, s403=_S403, s409=_S409))
async def change_case(
    case_id: uuid.UUID,
    body: CaseChange,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    """Change the fields sent (If-Match required; ``null`` clears an optional one): name,
    contact, serial items, planned start, org unit. A completed or cancelled case is
    409."""
    view = await handlers.change_case(
        uow,
        ctx,
        case_id,
        body,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@cases.post(
    "/{case_id}/trips",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 409, s403=_S403, s409=_S409),
)
async def add_trip(
    case_id: uuid.UUID,
    body: TripDraft,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
) -> OrderView:
    """A trip in the case: a service order of the case's customer and contact, at the
    case's first serial item (unless ``serial_item_id`` or ``location``), with its trip
    type, technicians (``technician_ids``, the first responsible: each active, else 422
    naming ``technician_ids.<i>``), distance (pre-filled when not given) and an optional
    booking, as ``POST /service-orders`` with ``case_id``. Answers the order."""
    view = await handlers.add_trip(uow, ctx, case_id, body, by=caller.username, scope=scope)
    response.headers["Location"] = f"/service-orders/{view.id}"
    set_etag(response, view.version)
    return view


@cases.post("/{case_id}/cancel", responses=problem_responses(403, 409, s403=_S403, s409=_S409))
async def cancel_case(
    case_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    """Cancel the case and its open orders (If-Match required): each through the order's
    cancel action (bookings released, its events)."""
    view = await handlers.cancel_case(
        uow,
        ctx,
        case_id,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@cases.get("/{case_id}/review", responses=problem_responses(403, s403=_S403))
async def review_case(
    case_id: uuid.UUID, uow: UnitOfWorkDep, caller: PlannerDep, scope: ScopeDep
) -> ReviewOut:
    """What keeps the case from being closed, each ``{code, detail, orders}``:
    ``no_completed_protocol``, ``no_materials`` (no consumed items), ``no_work_time``,
    ``no_photos`` (an order kind of the case requires photos), ``open_orders``; counted
    over the completed protocols and the trips not cancelled (operators and admins)."""
    return await handlers.review(uow, case_id, scope=scope)


@cases.post("/{case_id}/close", responses=problem_responses(403, 409, s403=_S403, s409=_S409))
async def close_case(
    case_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    """Close the case: Completed (If-Match required). Refused 409 naming everything
    missing (the problem's ``missing``: the review's findings)."""
    view = await handlers.close_case(
        uow,
        ctx,
        case_id,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@cases.post("/{case_id}/send-back", responses=problem_responses(403, 409, s403=_S403, s409=_S409))
async def send_back(
    case_id: uuid.UUID,
    body: SendBackIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    """Send the case back to the technician with a ``reason`` (If-Match required): its
    completed protocols become drafts again, the orders' histories say why, and the
    status follows the trips again."""
    view = await handlers.send_back(
        uow,
        ctx,
        case_id,
        body.reason,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


@cases.post(
    "/{case_id}/ready-for-invoicing",
    responses=problem_responses(
        403, 409, s403=_S403, s409="The case is not completed, or already marked"
    ),
)
async def ready_for_invoicing(
    case_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: PlannerDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseView:
    """Mark a completed case ready for invoicing, once (If-Match required): publishes
    ``fieldwork.case.ready_for_invoicing`` with the protocols' items and works, the
    technicians, and the order, customer order and case references."""
    view = await handlers.ready_for_invoicing(
        uow,
        ctx,
        case_id,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    return tagged(response, view)


routers = [cases]
