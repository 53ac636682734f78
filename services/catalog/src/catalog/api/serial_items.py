"""Routes of ``/serial-items``, for the org units the caller may see."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from aftersales_contracts.catalog import SerialItemStatus
from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.versioning import IfMatchHeader
from catalog.api.versioned import optional, required, tagged
from catalog.handlers import serial_items as cases
from catalog.schemas import (
    OwnerIn,
    SerialItemFields,
    SerialItemIn,
    SerialItemOut,
    SerialItemPatch,
    SerialItemView,
)
from catalog.visibility import VisibleDep

router = APIRouter(prefix="/serial-items", tags=["serial items"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 409, s409="the product has an item with this serial number"),
)
async def create_serial_item(
    body: SerialItemIn, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> SerialItemOut:
    return tagged(response, await cases.register_serial_item(body, uow, visible))


@router.get("")
async def list_serial_items(
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    product_id: uuid.UUID | None = None,
    owner_customer_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    status: SerialItemStatus | None = None,
    pinned_service_type_id: uuid.UUID | None = None,
    serial_number: Annotated[str | None, Query(max_length=100)] = None,
    initial_order_customer_id: uuid.UUID | None = None,
    customer_name: Annotated[str | None, Query(max_length=200)] = None,
    service_type_id: uuid.UUID | None = None,
    has_pending_campaign: bool | None = None,
    sort: str = "serial_number",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[SerialItemView]:
    items, next_cursor = await cases.list_serial_items(
        uow,
        product_id=product_id,
        owner_customer_id=owner_customer_id,
        org_unit_id=org_unit_id,
        status=status,
        pinned_service_type_id=pinned_service_type_id,
        serial_prefix=serial_number,
        sort=sort,
        cursor=cursor,
        limit=limit,
        initial_order_customer_id=initial_order_customer_id,
        customer_name=customer_name,
        service_type_id=service_type_id,
        has_pending_campaign=has_pending_campaign,
        visible=visible,
    )
    return Page[SerialItemView](items=items, next_cursor=next_cursor)


@router.get("/{serial_item_id}")
async def get_serial_item(
    serial_item_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> SerialItemView:
    return tagged(response, await cases.view_serial_item(uow, serial_item_id, visible))


@router.put("/{serial_item_id}", responses=problem_responses(403))
async def replace_serial_item(
    serial_item_id: uuid.UUID,
    body: SerialItemFields,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SerialItemOut:
    return tagged(
        response,
        await cases.update_serial_item(serial_item_id, body, required(if_match), uow, visible),
    )


@router.patch("/{serial_item_id}", responses=problem_responses(403))
async def patch_serial_item(
    serial_item_id: uuid.UUID,
    body: SerialItemPatch,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SerialItemOut:
    return tagged(
        response,
        await cases.update_serial_item(serial_item_id, body, required(if_match), uow, visible),
    )


@router.post("/{serial_item_id}/owner")
async def change_serial_item_owner(
    serial_item_id: uuid.UUID,
    body: OwnerIn,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SerialItemOut:
    return tagged(
        response,
        await cases.change_serial_item_owner(
            serial_item_id, body, required(if_match), uow, visible
        ),
    )


@router.post(
    "/{serial_item_id}/deactivate",
    responses=problem_responses(409, s409="a scrapped item cannot be deactivated"),
)
async def deactivate_serial_item(
    serial_item_id: uuid.UUID,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SerialItemOut:
    return tagged(
        response,
        await cases.deactivate_serial_item(serial_item_id, optional(if_match), uow, visible),
    )
