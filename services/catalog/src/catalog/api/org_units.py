"""Routes of ``/org-units``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.versioning import IfMatchHeader
from catalog.api.versioned import required, tagged
from catalog.handlers import org_units as cases
from catalog.schemas import OrgUnitFields, OrgUnitIn, OrgUnitOut

router = APIRouter(prefix="/org-units", tags=["org units"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, s409="the code is taken"),
)
async def create_org_unit(body: OrgUnitIn, uow: UnitOfWorkDep, response: Response) -> OrgUnitOut:
    return tagged(response, await cases.create_org_unit(body, uow))


@router.get("")
async def list_org_units(
    uow: UnitOfWorkDep,
    parent_id: uuid.UUID | None = None,
    sort: str = "code",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[OrgUnitOut]:
    items, next_cursor = await cases.list_org_units(
        uow, parent_id=parent_id, sort=sort, cursor=cursor, limit=limit
    )
    return Page[OrgUnitOut](items=items, next_cursor=next_cursor)


@router.get("/{org_unit_id}")
async def get_org_unit(
    org_unit_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> OrgUnitOut:
    return tagged(response, await cases.get_org_unit(uow, org_unit_id))


@router.put("/{org_unit_id}")
async def replace_org_unit(
    org_unit_id: uuid.UUID,
    body: OrgUnitFields,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OrgUnitOut:
    return tagged(response, await cases.update_org_unit(org_unit_id, body, required(if_match), uow))
