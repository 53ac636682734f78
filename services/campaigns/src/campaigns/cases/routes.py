"""Routes of ``/case-templates`` and ``/cases``: parse, call a use case, answer with the
record's version as its ``ETag``.

Templates: create, list, one, PATCH, deactivate / activate (writes for admins). Cases:
create a parent case and change it (admins), the filtered keyset list and its CSV export,
one case with what it links to, close by hand (operators and admins). Every change needs
``If-Match`` (428 without, 412 when stale).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from aftersales_kit.http import ClockDep, CursorQuery, LimitQuery, RuntimeDep, UnitOfWorkDep
from aftersales_kit.identity import CallerDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.versioning import IfMatchHeader, expected_version, tagged
from campaigns.cases import handlers, queries, templates
from campaigns.cases.domain import BasicType, CaseStatus, CaseType
from campaigns.cases.export import export_csv
from campaigns.cases.queries import CaseFilter
from campaigns.cases.schemas import (
    CaseDetail,
    CaseOut,
    CloseIn,
    ParentCaseIn,
    ParentCasePatch,
    TemplateIn,
    TemplateOut,
    TemplatePatch,
)
from campaigns.dependencies import ContextDep
from campaigns.visibility import VisibleIdsDep

case_templates = APIRouter(prefix="/case-templates", tags=["case templates"])
cases = APIRouter(prefix="/cases", tags=["cases"])

TEMPLATE_WRITE: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an admin"},
    409: {"description": "the name is taken (``field``: name)"},
}
TEMPLATE_SWITCH: dict[int | str, dict[str, Any]] = {403: TEMPLATE_WRITE[403]}
PARENT_WRITE: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an admin, or the org unit is out of the caller's sight"},
}
PARENT_CHANGE: dict[int | str, dict[str, Any]] = {
    **PARENT_WRITE,
    409: {"description": "not a parent case, or closed"},
}
CLOSE: dict[int | str, dict[str, Any]] = {
    403: {"description": "not an operator or admin"},
    409: {"description": "already closed (``closed_at``, ``closed_how``, ``closed_by``)"},
}

Text = Annotated[str | None, Query(min_length=1, max_length=100)]
SortQuery = Annotated[str, Query(max_length=40)]


async def _case_filter(
    campaign_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    status: CaseStatus | None = None,
    basic_type: BasicType | None = None,
    org_unit_id: uuid.UUID | None = None,
    serial_item_id: uuid.UUID | None = None,
    serial_number: Text = None,
    customer_id: uuid.UUID | None = None,
    cause_code: Text = None,
) -> CaseFilter:
    return CaseFilter(
        campaign_id=campaign_id,
        parent_id=parent_id,
        status=status,
        basic_type=basic_type,
        org_unit_id=org_unit_id,
        serial_item_id=serial_item_id,
        serial_number=serial_number,
        customer_id=customer_id,
        cause_code=cause_code,
    )


CaseFilterDep = Annotated[CaseFilter, Depends(_case_filter)]


Versioned = TypeVar("Versioned", TemplateOut, CaseDetail)


# --- case templates ---------------------------------------------------------------------


@case_templates.post("", status_code=status.HTTP_201_CREATED, responses=TEMPLATE_WRITE)
async def create_template(
    body: TemplateIn, uow: UnitOfWorkDep, caller: CallerDep, clock: ClockDep, response: Response
) -> TemplateOut:
    out = await templates.create_template(uow, caller, body, now=clock.now())
    response.headers["Location"] = f"{case_templates.prefix}/{out.id}"
    return tagged(response, out)


@case_templates.get("")
async def list_templates(
    uow: UnitOfWorkDep,
    case_type: CaseType | None = None,
    active: bool | None = None,
    sort: SortQuery = "name",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[TemplateOut]:
    """Case templates by ``sort`` (``name``, ``created_at``; ``-`` for descending)."""
    items, next_cursor = await templates.list_templates(
        uow, case_type=case_type, active=active, sort=sort, cursor=cursor, limit=limit
    )
    return Page[TemplateOut](items=items, next_cursor=next_cursor)


@case_templates.get("/{template_id}")
async def get_template(
    template_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> TemplateOut:
    return tagged(response, await templates.get_template(uow, template_id))


@case_templates.patch("/{template_id}", responses=TEMPLATE_WRITE)
async def change_template(
    template_id: uuid.UUID,
    body: TemplatePatch,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TemplateOut:
    """Change the fields sent; needs ``If-Match``."""
    templates.require_admin(caller)
    expected = expected_version(if_match, required=True)
    out = await templates.change_template(uow, caller, template_id, body, expected, now=clock.now())
    return tagged(response, out)


async def _switch(
    active: bool,
    template_id: uuid.UUID,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: str | None,
) -> TemplateOut:
    templates.require_admin(caller)
    expected = expected_version(if_match, required=True)
    out = await templates.set_active(uow, caller, template_id, active, expected, now=clock.now())
    return tagged(response, out)


@case_templates.post("/{template_id}/deactivate", responses=TEMPLATE_SWITCH)
async def deactivate_template(
    template_id: uuid.UUID,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TemplateOut:
    """No new campaign or case may use it; those that do keep it. Needs ``If-Match``."""
    return await _switch(False, template_id, uow, caller, clock, response, if_match)


@case_templates.post("/{template_id}/activate", responses=TEMPLATE_SWITCH)
async def activate_template(
    template_id: uuid.UUID,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TemplateOut:
    return await _switch(True, template_id, uow, caller, clock, response, if_match)


# --- cases -----------------------------------------------------------------------------


@cases.post("", status_code=status.HTTP_201_CREATED, responses=PARENT_WRITE)
async def create_parent_case(
    body: ParentCaseIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: CallerDep,
    visible: VisibleIdsDep,
    response: Response,
) -> CaseDetail:
    """A parent case (basic type "parent"): what a campaign's cases are linked to."""
    out = await handlers.create_parent_case(uow, ctx, caller, visible, body)
    response.headers["Location"] = f"{cases.prefix}/{out.id}"
    return tagged(response, out)


@cases.get("")
async def list_cases(
    uow: UnitOfWorkDep,
    visible: VisibleIdsDep,
    matching: CaseFilterDep,
    sort: SortQuery = queries.DEFAULT_SORT,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[CaseOut]:
    """Cases of the caller's org units by ``sort`` (``number``, ``created_at``,
    ``updated_at``; ``-`` for descending), narrowed by the filters given."""
    items, next_cursor = await queries.list_cases(
        uow, visible, matching, sort=sort, cursor=cursor, limit=limit
    )
    return Page[CaseOut](items=items, next_cursor=next_cursor)


@cases.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"description": "The cases as CSV", "content": {"text/csv": {}}}},
)
async def export_cases(
    runtime: RuntimeDep,
    visible: VisibleIdsDep,
    matching: CaseFilterDep,
    sort: SortQuery = queries.DEFAULT_SORT,
) -> StreamingResponse:
    """Every case the filters and the caller's org units let through (not a page), as CSV
    with a header row, streamed."""
    order = queries.parse_sort(sort)  # refused here, before the stream starts
    where = queries.conditions(matching, visible)
    return StreamingResponse(
        export_csv(runtime.sessionmaker, where, order),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="cases.csv"'},
    )


@cases.get("/{case_id}")
async def get_case(
    case_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleIdsDep, response: Response
) -> CaseDetail:
    """One case with its parent, campaign and template; a parent case with the count of its
    children by status."""
    return tagged(response, await queries.case_detail(uow, case_id, visible))


@cases.patch("/{case_id}", responses=PARENT_CHANGE)
async def change_parent_case(
    case_id: uuid.UUID,
    body: ParentCasePatch,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: CallerDep,
    visible: VisibleIdsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseDetail:
    """Change the fields sent of an open parent case (``null`` clears an optional one);
    needs ``If-Match``."""
    handlers.require_admin(caller)
    expected = expected_version(if_match, required=True)
    out = await handlers.change_parent_case(uow, ctx, caller, visible, case_id, body, expected)
    return tagged(response, out)


@cases.post("/{case_id}/close", responses=CLOSE)
async def close_case(
    case_id: uuid.UUID,
    body: CloseIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: CallerDep,
    visible: VisibleIdsDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CaseDetail:
    """Close the case by hand with a reason; needs ``If-Match``. A campaign case's mark
    leaves catalog and field work (``campaigns.case.closed``)."""
    handlers.require_closer(caller)
    expected = expected_version(if_match, required=True)
    out = await handlers.close_by_hand(uow, ctx, caller, visible, case_id, body, expected)
    return tagged(response, out)


routers: list[APIRouter] = [case_templates, cases]
