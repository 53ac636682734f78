"""Catalog's HTTP routes: parse, call a use case, answer."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from aftersales_kit.http import UnitOfWorkDep
from catalog import handlers
from catalog.schemas import (
    CustomerIn,
    CustomerOut,
    ProductIn,
    ProductOut,
    SerialItemIn,
    SerialItemOut,
)

products = APIRouter(prefix="/products", tags=["products"])
customers = APIRouter(prefix="/customers", tags=["customers"])
serial_items = APIRouter(prefix="/serial-items", tags=["serial items"])


@products.post("", status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductIn, uow: UnitOfWorkDep) -> ProductOut:
    return await handlers.register_product(body, uow)


@products.get("/{product_id}")
async def get_product(product_id: uuid.UUID, uow: UnitOfWorkDep) -> ProductOut:
    return ProductOut.model_validate(await handlers.get_row(uow, "product", product_id))


@customers.post("", status_code=status.HTTP_201_CREATED)
async def create_customer(body: CustomerIn, uow: UnitOfWorkDep) -> CustomerOut:
    return await handlers.register_customer(body, uow)


@customers.get("/{customer_id}")
async def get_customer(customer_id: uuid.UUID, uow: UnitOfWorkDep) -> CustomerOut:
    return CustomerOut.model_validate(await handlers.get_row(uow, "customer", customer_id))


@serial_items.post("", status_code=status.HTTP_201_CREATED)
async def create_serial_item(body: SerialItemIn, uow: UnitOfWorkDep) -> SerialItemOut:
    return await handlers.register_serial_item(body, uow)


@serial_items.get("/{serial_item_id}")
async def get_serial_item(serial_item_id: uuid.UUID, uow: UnitOfWorkDep) -> SerialItemOut:
    return SerialItemOut.model_validate(await handlers.get_row(uow, "serial_item", serial_item_id))


routers = [products, customers, serial_items]
