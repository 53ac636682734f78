"""Routes of ``/customers`` and their contacts (a contact change answers the customer's
new version as its ETag), for the org units the caller may see."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from aftersales_contracts.catalog import CustomerKind
from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.versioning import IfMatchHeader, etag, set_etag
from catalog.api.versioned import optional, required, tagged
from catalog.handlers import customers as cases
from catalog.schemas import (
    ContactIn,
    ContactOut,
    CustomerFields,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
)
from catalog.visibility import VisibleDep

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 409, s409="the customer number is taken"),
)
async def create_customer(
    body: CustomerIn, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> CustomerOut:
    return tagged(response, await cases.register_customer(body, uow, visible))


@router.get("")
async def list_customers(
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    active: bool | None = None,
    kind: CustomerKind | None = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    sort: str = "customer_number",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[CustomerOut]:
    items, next_cursor = await cases.list_customers(
        uow,
        active=active,
        kind=kind,
        name_contains=name,
        sort=sort,
        cursor=cursor,
        limit=limit,
        visible=visible,
    )
    return Page[CustomerOut](items=items, next_cursor=next_cursor)


@router.get("/{customer_id}")
async def get_customer(
    customer_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> CustomerOut:
    return tagged(response, await cases.get_customer(uow, customer_id, visible))


@router.put("/{customer_id}", responses=problem_responses(403))
async def replace_customer(
    customer_id: uuid.UUID,
    body: CustomerFields,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CustomerOut:
    return tagged(
        response,
        await cases.update_customer(customer_id, body, required(if_match), uow, visible),
    )


@router.patch("/{customer_id}", responses=problem_responses(403))
async def patch_customer(
    customer_id: uuid.UUID,
    body: CustomerPatch,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CustomerOut:
    return tagged(
        response,
        await cases.update_customer(customer_id, body, required(if_match), uow, visible),
    )


@router.post("/{customer_id}/deactivate")
async def deactivate_customer(
    customer_id: uuid.UUID,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CustomerOut:
    return tagged(
        response, await cases.deactivate_customer(customer_id, optional(if_match), uow, visible)
    )


@router.get("/{customer_id}/contacts")
async def list_contacts(
    customer_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> list[ContactOut]:
    return await cases.list_contacts(uow, customer_id, visible)


@router.post("/{customer_id}/contacts", status_code=status.HTTP_201_CREATED)
async def add_contact(
    customer_id: uuid.UUID,
    body: ContactIn,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ContactOut:
    contact, version = await cases.add_contact(customer_id, body, optional(if_match), uow, visible)
    set_etag(response, version)
    return contact


@router.get("/{customer_id}/contacts/{contact_id}")
async def get_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> ContactOut:
    return await cases.get_contact(uow, customer_id, contact_id, visible)


@router.put("/{customer_id}/contacts/{contact_id}")
async def replace_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: ContactIn,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ContactOut:
    contact, version = await cases.replace_contact(
        customer_id, contact_id, body, optional(if_match), uow, visible
    )
    set_etag(response, version)
    return contact


@router.delete("/{customer_id}/contacts/{contact_id}", status_code=204)
async def remove_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    if_match: IfMatchHeader = None,
) -> Response:
    version = await cases.remove_contact(customer_id, contact_id, optional(if_match), uow, visible)
    return Response(status_code=204, headers={"ETag": etag(version)})
