"""The read side's HTTP routes: ``GET /service-orders`` (the filtered list), ``GET /board``,
``GET /planning/day``, ``GET /planning/week``, ``GET /my-day`` and ``GET /map``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from aftersales_contracts.fieldwork import Priority, Stage
from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.identity import CallerDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE
from fieldwork.dependencies import ContextDep
from fieldwork.views import queries
from fieldwork.views.schemas import (
    Board,
    DayMap,
    MyDay,
    OrderPage,
    PlanningDay,
    PlanningWeek,
)
from fieldwork.visibility import ScopeDep

order_list = APIRouter(prefix="/service-orders", tags=["service orders"])
planning = APIRouter(tags=["planning"])

Ids = Annotated[list[uuid.UUID] | None, Query()]


async def _filters(
    org_unit_id: Ids = None,
    technician_id: Ids = None,
    kind_id: Ids = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    customer_id: Ids = None,
    booked_from: Annotated[dt.date | None, Query(description="local day, from")] = None,
    booked_to: Annotated[dt.date | None, Query(description="local day, to (inclusive)")] = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=20, description="a prefix of the order number"),
    ] = None,
) -> queries.OrderFilter:
    """The filters the list and the board share; each id filter may repeat (any of)."""
    criteria = queries.OrderFilter(
        org_unit_ids=org_unit_id or [],
        technician_ids=technician_id or [],
        kind_ids=kind_id or [],
        priorities=priority or [],
        customer_ids=customer_id or [],
        booked_from=booked_from,
        booked_to=booked_to,
        created_from=created_from,
        created_to=created_to,
        number=q,
    )
    criteria.check()
    return criteria


FiltersDep = Annotated[queries.OrderFilter, Depends(_filters)]


@order_list.get("")
async def list_service_orders(
    request: Request,
    response: Response,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    ctx: ContextDep,
    criteria: FiltersDep,
    stage: Annotated[list[Stage] | None, Query()] = None,
    sort: Annotated[
        str, Query(max_length=40, description="-created_at (default), created_at, booked_from")
    ] = "-created_at",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> OrderPage:
    """A page of order cards the caller may see, and the next page's cursor (null on the
    last page), also as a ``Link: <...>; rel="next"`` header."""
    criteria.stages = stage or []
    rows, next_cursor = await queries.list_orders(
        uow, criteria, scope, queries.parse_sort(sort), cursor, limit, ctx.settings.time_zone
    )
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{next_url.path}?{next_url.query}>; rel="next"'
    return OrderPage.model_validate({"items": rows, "next_cursor": next_cursor})


@planning.get("/board")
async def get_board(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    ctx: ContextDep,
    criteria: FiltersDep,
    column: Annotated[
        Stage | None, Query(description="only this column (to page it with cursor)")
    ] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=500, description="cards per column")] = 50,
) -> Board:
    """The Kanban board: the columns new, planned, completed and cancelled, each with the
    exact count of the filtered orders in it and its first ``limit`` cards (new: newest
    first; planned: by booked time; completed, cancelled: most recently closed first).
    Every order of the filter counts, however old; the date filters apply to booked time
    (``booked_from``/``booked_to``) and creation."""
    columns = await queries.board(
        uow, criteria, scope, limit, column, cursor, ctx.settings.time_zone
    )
    return Board.model_validate({"columns": columns})


async def _unbooked_cursor(
    unbooked_cursor: CursorQuery = None,
    unbooked_limit: Annotated[int, Query(ge=1, le=500)] = DEFAULT_PAGE_SIZE,
) -> tuple[str | None, int]:
    return unbooked_cursor, unbooked_limit


UnbookedDep = Annotated[tuple[str | None, int], Depends(_unbooked_cursor)]


@planning.get("/planning/day")
async def get_planning_day(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    ctx: ContextDep,
    unbooked_page: UnbookedDep,
    date: Annotated[dt.date | None, Query(description="the local day; today by default")] = None,
    org_unit_id: Ids = None,
    technician_id: Ids = None,
) -> PlanningDay:
    """Per active technician (of the org units, or the technicians asked for): the day's
    working hours, standing bookings in time order and free gaps; beside them the
    unbooked orders (stage new) of those org units."""
    day = date or queries.today(ctx.clock.now(), ctx.zone)
    plan = await queries.planning(
        uow,
        scope,
        queries.PlanningQuery(
            first_day=day,
            days=1,
            org_unit_ids=org_unit_id or [],
            technician_ids=technician_id or [],
            unbooked_cursor=unbooked_page[0],
            unbooked_limit=unbooked_page[1],
        ),
        ctx.settings.time_zone,
    )
    return PlanningDay.model_validate(
        {"date": day, "technicians": plan["technicians"], "unbooked": plan["unbooked"]}
    )


@planning.get("/planning/week")
async def get_planning_week(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    ctx: ContextDep,
    unbooked_page: UnbookedDep,
    week_start: Annotated[dt.date, Query(description="a Monday")],
    org_unit_id: Ids = None,
    technician_id: Ids = None,
) -> PlanningWeek:
    """The planning day's answer for the seven days from ``week_start`` (a Monday; 422
    naming ``query.week_start`` otherwise), per technician per day."""
    queries.check_week_start(week_start)
    plan = await queries.planning(
        uow,
        scope,
        queries.PlanningQuery(
            first_day=week_start,
            days=7,
            org_unit_ids=org_unit_id or [],
            technician_ids=technician_id or [],
            unbooked_cursor=unbooked_page[0],
            unbooked_limit=unbooked_page[1],
        ),
        ctx.settings.time_zone,
    )
    return PlanningWeek.model_validate({"week_start": week_start, **plan})


@planning.get(
    "/my-day",
    responses=problem_responses(
        404, s404="The caller has no technician record, or names one out of their sight"
    ),
)
async def get_my_day(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    ctx: ContextDep,
    caller: CallerDep,
    date: Annotated[dt.date | None, Query(description="the local day; today by default")] = None,
    technician_id: Annotated[
        uuid.UUID | None, Query(description="a planner looking at a technician's day")
    ] = None,
) -> MyDay:
    """The caller's own technician's standing bookings of the day in time order with
    their orders (404 when the caller has no technician record); a planner may name a
    technician they see, a technician only themself."""
    technician = await queries.technician_for_day(
        uow, scope, caller.username, technician_id, ctx.settings.time_zone
    )
    day = date or queries.today(ctx.clock.now(), technician.zone)
    return MyDay.model_validate(await queries.my_day(uow, scope, technician, day))


@planning.get("/map")
async def get_map(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    ctx: ContextDep,
    date: Annotated[dt.date | None, Query(description="the local day; today by default")] = None,
    org_unit_id: Ids = None,
    technician_id: Ids = None,
) -> DayMap:
    """The day's visits as a GeoJSON FeatureCollection (RFC 7946, [longitude, latitude]):
    a Point per standing booking with coordinates, numbered per technician in visiting
    order with the straight-line distance from the previous stop (the first from the
    home base), a LineString per technician's route, and the visits without
    coordinates in ``unlocated``."""
    day = date or queries.today(ctx.clock.now(), ctx.zone)
    answer: dict[str, Any] = await queries.day_map(
        uow, scope, day, org_unit_id or [], technician_id or []
    )
    return DayMap.model_validate(answer)


routers = [order_list, planning]
