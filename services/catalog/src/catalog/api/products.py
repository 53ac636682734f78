"""Routes of ``/products``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.versioning import IfMatchHeader
from catalog.api.versioned import optional, required, tagged
from catalog.handlers import products as cases
from catalog.schemas import ProductFields, ProductIn, ProductOut, ProductPatch

router = APIRouter(prefix="/products", tags=["products"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, s409="the product number is taken"),
)
async def create_product(body: ProductIn, uow: UnitOfWorkDep, response: Response) -> ProductOut:
    return tagged(response, await cases.register_product(body, uow))


@router.get("")
async def list_products(
    uow: UnitOfWorkDep,
    active: bool | None = None,
    product_group: Annotated[str | None, Query(max_length=100)] = None,
    product_number: Annotated[str | None, Query(max_length=100)] = None,
    sort: str = "product_number",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[ProductOut]:
    items, next_cursor = await cases.list_products(
        uow,
        active=active,
        product_group=product_group,
        number_prefix=product_number,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Page[ProductOut](items=items, next_cursor=next_cursor)


@router.get("/{product_id}")
async def get_product(product_id: uuid.UUID, uow: UnitOfWorkDep, response: Response) -> ProductOut:
    return tagged(response, await cases.get_product(uow, product_id))


@router.put("/{product_id}")
async def replace_product(
    product_id: uuid.UUID,
    body: ProductFields,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProductOut:
    return tagged(response, await cases.update_product(product_id, body, required(if_match), uow))


@router.patch("/{product_id}")
async def patch_product(
    product_id: uuid.UUID,
    body: ProductPatch,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProductOut:
    return tagged(response, await cases.update_product(product_id, body, required(if_match), uow))


@router.post("/{product_id}/deactivate")
async def deactivate_product(
    product_id: uuid.UUID, uow: UnitOfWorkDep, response: Response, if_match: IfMatchHeader = None
) -> ProductOut:
    return tagged(response, await cases.deactivate_product(product_id, optional(if_match), uow))
