"""Catalog's HTTP routes: parse, call a use case, answer.

Versioned resources answer with ``ETag: "<version>"``; their updates require it back in
``If-Match`` (428 without, 412 when stale), so two editors never overwrite each other.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Header, Query, Response, status

from aftersales_contracts.catalog import CustomerKind, SerialItemStatus
from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.versioning import etag, expected_version
from catalog import handlers, import_routes
from catalog.schemas import (
    ContactIn,
    ContactOut,
    CustomerFields,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    OrgUnitFields,
    OrgUnitIn,
    OrgUnitOut,
    OwnerIn,
    Page,
    ProductFields,
    ProductIn,
    ProductOut,
    ProductPatch,
    SerialItemFields,
    SerialItemIn,
    SerialItemOut,
    SerialItemPatch,
    SerialItemView,
)
from catalog.visibility import VisibleDep

products = APIRouter(prefix="/products", tags=["products"])
customers = APIRouter(prefix="/customers", tags=["customers"])
org_units = APIRouter(prefix="/org-units", tags=["org units"])
serial_items = APIRouter(prefix="/serial-items", tags=["serial items"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=200)]


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


def tagged(response: Response, out: VersionedT) -> VersionedT:
    """``out`` with its version as the response's ETag, for the next If-Match."""
    response.headers["ETag"] = etag(out.version)
    return out


def _required(if_match: str | None) -> int | None:
    return expected_version(if_match, required=True)


def _optional(if_match: str | None) -> int | None:
    return expected_version(if_match, required=False)


# --- products ------------------------------------------------------------------------


@products.post("", status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductIn, uow: UnitOfWorkDep, response: Response) -> ProductOut:
    return tagged(response, await handlers.register_product(body, uow))


@products.get("")
async def list_products(
    uow: UnitOfWorkDep,
    active: bool | None = None,
    product_group: Annotated[str | None, Query(max_length=100)] = None,
    product_number: Annotated[str | None, Query(max_length=100)] = None,
    sort: str = "product_number",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[ProductOut]:
    items, next_cursor = await handlers.list_products(
        uow,
        active=active,
        product_group=product_group,
        number_prefix=product_number,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Page[ProductOut](items=items, next_cursor=next_cursor)


@products.get("/{product_id}")
async def get_product(product_id: uuid.UUID, uow: UnitOfWorkDep, response: Response) -> ProductOut:
    return tagged(response, await handlers.get_product(uow, product_id))


@products.put("/{product_id}")
async def replace_product(
    product_id: uuid.UUID,
    body: ProductFields,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProductOut:
    return tagged(
        response, await handlers.update_product(product_id, body, _required(if_match), uow)
    )


@products.patch("/{product_id}")
async def patch_product(
    product_id: uuid.UUID,
    body: ProductPatch,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ProductOut:
    return tagged(
        response, await handlers.update_product(product_id, body, _required(if_match), uow)
    )


@products.post("/{product_id}/deactivate")
async def deactivate_product(
    product_id: uuid.UUID, uow: UnitOfWorkDep, response: Response, if_match: IfMatch = None
) -> ProductOut:
    return tagged(response, await handlers.deactivate_product(product_id, _optional(if_match), uow))


# --- customers -----------------------------------------------------------------------


@customers.post("", status_code=status.HTTP_201_CREATED)
async def create_customer(body: CustomerIn, uow: UnitOfWorkDep, response: Response) -> CustomerOut:
    return tagged(response, await handlers.register_customer(body, uow))


@customers.get("")
async def list_customers(
    uow: UnitOfWorkDep,
    active: bool | None = None,
    kind: CustomerKind | None = None,
    name: Annotated[str | None, Query(max_length=200)] = None,
    sort: str = "customer_number",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[CustomerOut]:
    items, next_cursor = await handlers.list_customers(
        uow,
        active=active,
        kind=kind,
        name_contains=name,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )
    return Page[CustomerOut](items=items, next_cursor=next_cursor)


@customers.get("/{customer_id}")
async def get_customer(
    customer_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> CustomerOut:
    return tagged(response, await handlers.get_customer(uow, customer_id))


@customers.put("/{customer_id}")
async def replace_customer(
    customer_id: uuid.UUID,
    body: CustomerFields,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> CustomerOut:
    return tagged(
        response, await handlers.update_customer(customer_id, body, _required(if_match), uow)
    )


@customers.patch("/{customer_id}")
async def patch_customer(
    customer_id: uuid.UUID,
    body: CustomerPatch,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> CustomerOut:
    return tagged(
        response, await handlers.update_customer(customer_id, body, _required(if_match), uow)
    )


@customers.post("/{customer_id}/deactivate")
async def deactivate_customer(
    customer_id: uuid.UUID, uow: UnitOfWorkDep, response: Response, if_match: IfMatch = None
) -> CustomerOut:
    return tagged(
        response, await handlers.deactivate_customer(customer_id, _optional(if_match), uow)
    )


@customers.get("/{customer_id}/contacts")
async def list_contacts(customer_id: uuid.UUID, uow: UnitOfWorkDep) -> list[ContactOut]:
    return await handlers.list_contacts(uow, customer_id)


@customers.post("/{customer_id}/contacts", status_code=status.HTTP_201_CREATED)
async def add_contact(
    customer_id: uuid.UUID,
    body: ContactIn,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ContactOut:
    contact, version = await handlers.add_contact(customer_id, body, _optional(if_match), uow)
    response.headers["ETag"] = etag(version)  # the customer's new version
    return contact


@customers.get("/{customer_id}/contacts/{contact_id}")
async def get_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, uow: UnitOfWorkDep
) -> ContactOut:
    return await handlers.get_contact(uow, customer_id, contact_id)


@customers.put("/{customer_id}/contacts/{contact_id}")
async def replace_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    body: ContactIn,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> ContactOut:
    contact, version = await handlers.replace_contact(
        customer_id, contact_id, body, _optional(if_match), uow
    )
    response.headers["ETag"] = etag(version)
    return contact


@customers.delete("/{customer_id}/contacts/{contact_id}", status_code=204)
async def remove_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, uow: UnitOfWorkDep, if_match: IfMatch = None
) -> Response:
    version = await handlers.remove_contact(customer_id, contact_id, _optional(if_match), uow)
    return Response(status_code=204, headers={"ETag": etag(version)})


# --- org units -----------------------------------------------------------------------


@org_units.post("", status_code=status.HTTP_201_CREATED)
async def create_org_unit(body: OrgUnitIn, uow: UnitOfWorkDep, response: Response) -> OrgUnitOut:
    return tagged(response, await handlers.create_org_unit(body, uow))


@org_units.get("")
async def list_org_units(
    uow: UnitOfWorkDep,
    parent_id: uuid.UUID | None = None,
    sort: str = "code",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[OrgUnitOut]:
    items, next_cursor = await handlers.list_org_units(
        uow, parent_id=parent_id, sort=sort, cursor=cursor, limit=limit
    )
    return Page[OrgUnitOut](items=items, next_cursor=next_cursor)


@org_units.get("/{org_unit_id}")
async def get_org_unit(
    org_unit_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> OrgUnitOut:
    return tagged(response, await handlers.get_org_unit(uow, org_unit_id))


@org_units.put("/{org_unit_id}")
async def replace_org_unit(
    org_unit_id: uuid.UUID,
    body: OrgUnitFields,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatch = None,
) -> OrgUnitOut:
    return tagged(
        response, await handlers.update_org_unit(org_unit_id, body, _required(if_match), uow)
    )


# --- serial items --------------------------------------------------------------------


@serial_items.post("", status_code=status.HTTP_201_CREATED)
async def create_serial_item(
    body: SerialItemIn, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> SerialItemOut:
    return tagged(response, await handlers.register_serial_item(body, uow, visible))


@serial_items.get("")
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
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[SerialItemView]:
    items, next_cursor = await handlers.list_serial_items(
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


@serial_items.get("/{serial_item_id}")
async def get_serial_item(
    serial_item_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> SerialItemView:
    return tagged(response, await handlers.view_serial_item(uow, serial_item_id, visible))


@serial_items.put("/{serial_item_id}")
async def replace_serial_item(
    serial_item_id: uuid.UUID,
    body: SerialItemFields,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatch = None,
) -> SerialItemOut:
    return tagged(
        response,
        await handlers.update_serial_item(serial_item_id, body, _required(if_match), uow, visible),
    )


@serial_items.patch("/{serial_item_id}")
async def patch_serial_item(
    serial_item_id: uuid.UUID,
    body: SerialItemPatch,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatch = None,
) -> SerialItemOut:
    return tagged(
        response,
        await handlers.update_serial_item(serial_item_id, body, _required(if_match), uow, visible),
    )


@serial_items.post("/{serial_item_id}/owner")
async def change_serial_item_owner(
    serial_item_id: uuid.UUID,
    body: OwnerIn,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatch = None,
) -> SerialItemOut:
    return tagged(
        response,
        await handlers.change_serial_item_owner(
            serial_item_id, body, _required(if_match), uow, visible
        ),
    )


@serial_items.post("/{serial_item_id}/deactivate")
async def deactivate_serial_item(
    serial_item_id: uuid.UUID,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatch = None,
) -> SerialItemOut:
    return tagged(
        response,
        await handlers.deactivate_serial_item(serial_item_id, _optional(if_match), uow, visible),
    )


routers = [products, customers, org_units, serial_items, import_routes.router]
