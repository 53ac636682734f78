"""Routes of ``/technicians``, ``/vehicles`` and ``/order-kinds``: parse, call a use case,
answer with the record's version as its ``ETag``.

Each resource has the same six routes: create (201, ``Location``), a filtered keyset list,
one record, PATCH with ``If-Match`` (428 without, 412 when stale), and deactivate /
activate with ``If-Match``. ``GET /technicians/me`` is the caller's own technician record.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response, status

from aftersales_kit.http import ClockDep, CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.identity import CallerDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.versioning import IfMatchHeader, expected_version, tagged
from fieldwork.resources import handlers
from fieldwork.resources.handlers import ORDER_KINDS, TECHNICIANS, VEHICLES
from fieldwork.resources.schemas import (
    OrderKindIn,
    OrderKindOut,
    OrderKindPatch,
    TechnicianIn,
    TechnicianOut,
    TechnicianPatch,
    VehicleIn,
    VehicleOut,
    VehiclePatch,
)
from fieldwork.visibility import ScopeDep

technicians = APIRouter(prefix="/technicians", tags=["technicians"])
vehicles = APIRouter(prefix="/vehicles", tags=["vehicles"])
order_kinds = APIRouter(prefix="/order-kinds", tags=["order kinds"])

# What a write may answer besides the statuses every route has (FastAPI adds these to the
# OpenAPI document as they are).
WRITE_PROBLEMS: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an admin, or the org unit is out of the caller's sight"},
    409: {"description": "the username, registration or code is taken (``field`` names it)"},
}
SWITCH_PROBLEMS: dict[int | str, dict[str, Any]] = {403: WRITE_PROBLEMS[403]}

# A search in names (and a technician's username), case-insensitive.
SearchQuery = Annotated[str | None, Query(min_length=1, max_length=200)]

Versioned = TypeVar("Versioned", TechnicianOut, VehicleOut, OrderKindOut)


def _created(router: APIRouter, response: Response, out: Versioned) -> Versioned:
    response.headers["Location"] = f"{router.prefix}/{out.id}"
    return tagged(response, out)


@technicians.get(
    "/me", responses=problem_responses(404, s404="No technician signs in as the caller")
)
async def get_my_technician(
    uow: UnitOfWorkDep, caller: CallerDep, response: Response
) -> TechnicianOut:
    """The technician record the caller signs in as (home base, working hours); 404 when
    no technician has the caller's username."""
    return tagged(response, await handlers.get_own_technician(uow, caller))


# --- technicians --------------------------------------------------------------------------


@technicians.post("", status_code=status.HTTP_201_CREATED, responses=WRITE_PROBLEMS)
async def create_technician(
    body: TechnicianIn,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
) -> TechnicianOut:
    out = await handlers.create(TECHNICIANS, body, uow, scope, caller, now=clock.now())
    return _created(technicians, response, out)


@technicians.get("")
async def list_technicians(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    q: SearchQuery = None,
    sort: str = "name",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[TechnicianOut]:
    """Technicians, by ``sort`` (``name``, ``created_at``, ``-`` for descending); ``q`` searches
    name and username. A technician-only caller sees only their own record."""
    items, next_cursor = await handlers.list_page(
        TECHNICIANS,
        uow,
        scope,
        org_unit_id=org_unit_id,
        active=active,
        text=q,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Page[TechnicianOut](items=items, next_cursor=next_cursor)


@technicians.get("/{technician_id}")
async def get_technician(
    technician_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, response: Response
) -> TechnicianOut:
    return tagged(response, await handlers.get(TECHNICIANS, uow, technician_id, scope))


@technicians.patch("/{technician_id}", responses=WRITE_PROBLEMS)
async def change_technician(
    technician_id: uuid.UUID,
    body: TechnicianPatch,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TechnicianOut:
    """Change the fields sent (``null`` clears an optional one); needs ``If-Match``."""
    expected = expected_version(if_match, required=True)
    out = await handlers.change(
        TECHNICIANS, technician_id, body, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


@technicians.post("/{technician_id}/deactivate", responses=SWITCH_PROBLEMS)
async def deactivate_technician(
    technician_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TechnicianOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.set_active(
        TECHNICIANS, technician_id, False, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


@technicians.post("/{technician_id}/activate", responses=SWITCH_PROBLEMS)
async def activate_technician(
    technician_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TechnicianOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.set_active(
        TECHNICIANS, technician_id, True, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


# --- vehicles -----------------------------------------------------------------------------


@vehicles.post("", status_code=status.HTTP_201_CREATED, responses=WRITE_PROBLEMS)
async def create_vehicle(
    body: VehicleIn,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
) -> VehicleOut:
    out = await handlers.create(VEHICLES, body, uow, scope, caller, now=clock.now())
    return _created(vehicles, response, out)


@vehicles.get("")
async def list_vehicles(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    q: SearchQuery = None,
    sort: str = "registration",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[VehicleOut]:
    """Vehicles, by ``sort`` (``registration``, ``name``, ``created_at``); ``q`` searches
    the name."""
    items, next_cursor = await handlers.list_page(
        VEHICLES,
        uow,
        scope,
        org_unit_id=org_unit_id,
        active=active,
        text=q,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Page[VehicleOut](items=items, next_cursor=next_cursor)


@vehicles.get("/{vehicle_id}")
async def get_vehicle(
    vehicle_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, response: Response
) -> VehicleOut:
    return tagged(response, await handlers.get(VEHICLES, uow, vehicle_id, scope))


@vehicles.patch("/{vehicle_id}", responses=WRITE_PROBLEMS)
async def change_vehicle(
    vehicle_id: uuid.UUID,
    body: VehiclePatch,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> VehicleOut:
    """Change the fields sent (``null`` clears an optional one); needs ``If-Match``."""
    expected = expected_version(if_match, required=True)
    out = await handlers.change(
        VEHICLES, vehicle_id, body, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


@vehicles.post("/{vehicle_id}/deactivate", responses=SWITCH_PROBLEMS)
async def deactivate_vehicle(
    vehicle_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> VehicleOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.set_active(
        VEHICLES, vehicle_id, False, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


@vehicles.post("/{vehicle_id}/activate", responses=SWITCH_PROBLEMS)
async def activate_vehicle(
    vehicle_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> VehicleOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.set_active(
        VEHICLES, vehicle_id, True, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


# --- order kinds --------------------------------------------------------------------------


@order_kinds.post("", status_code=status.HTTP_201_CREATED, responses=WRITE_PROBLEMS)
async def create_order_kind(
    body: OrderKindIn,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
) -> OrderKindOut:
    out = await handlers.create(ORDER_KINDS, body, uow, scope, caller, now=clock.now())
    return _created(order_kinds, response, out)


@order_kinds.get("")
async def list_order_kinds(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    org_unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    q: SearchQuery = None,
    sort: str = "code",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[OrderKindOut]:
    """Order kinds, by ``sort`` (``code``, ``name``, ``created_at``). ``org_unit_id``: the kinds
    offered in that unit, its own and those offered everywhere; ``q`` searches the name."""
    items, next_cursor = await handlers.list_page(
        ORDER_KINDS,
        uow,
        scope,
        org_unit_id=org_unit_id,
        active=active,
        text=q,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Page[OrderKindOut](items=items, next_cursor=next_cursor)


@order_kinds.get("/{order_kind_id}")
async def get_order_kind(
    order_kind_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, response: Response
) -> OrderKindOut:
    return tagged(response, await handlers.get(ORDER_KINDS, uow, order_kind_id, scope))


@order_kinds.patch("/{order_kind_id}", responses=WRITE_PROBLEMS)
async def change_order_kind(
    order_kind_id: uuid.UUID,
    body: OrderKindPatch,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderKindOut:
    """Change the fields sent (``null`` clears an optional one); needs ``If-Match``."""
    expected = expected_version(if_match, required=True)
    out = await handlers.change(
        ORDER_KINDS, order_kind_id, body, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


@order_kinds.post("/{order_kind_id}/deactivate", responses=SWITCH_PROBLEMS)
async def deactivate_order_kind(
    order_kind_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderKindOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.set_active(
        ORDER_KINDS, order_kind_id, False, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


@order_kinds.post("/{order_kind_id}/activate", responses=SWITCH_PROBLEMS)
async def activate_order_kind(
    order_kind_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrderKindOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.set_active(
        ORDER_KINDS, order_kind_id, True, expected, uow, scope, caller, now=clock.now()
    )
    return tagged(response, out)


routers: list[APIRouter] = [technicians, vehicles, order_kinds]
