"""Catalog's use cases: each runs in a unit of work and records its event in the outbox."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_kit.problems import Conflict, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from catalog import tables
from catalog.schemas import (
    CustomerIn,
    CustomerOut,
    ProductIn,
    ProductOut,
    SerialItemIn,
    SerialItemOut,
)


async def register_product(cmd: ProductIn, uow: UnitOfWork) -> ProductOut:
    product_id = uuid.uuid4()
    inserted = await uow.session.scalar(
        insert(tables.product)
        .values(id=product_id, product_number=cmd.product_number, name=cmd.name, version=1)
        .on_conflict_do_nothing(index_elements=["product_number"])
        .returning(tables.product.c.id)
    )
    if inserted is None:
        raise Conflict(
            f"a product numbered {cmd.product_number!r} exists already", field="product_number"
        )
    out = ProductOut(id=product_id, product_number=cmd.product_number, name=cmd.name, version=1)
    uow.publish(
        events.ProductRegistered(
            product_id=out.id, version=1, product_number=out.product_number, name=out.name
        )
    )
    await uow.commit()
    return out


async def register_customer(cmd: CustomerIn, uow: UnitOfWork) -> CustomerOut:
    out = CustomerOut(id=uuid.uuid4(), version=1, **cmd.model_dump())
    inserted = await uow.session.scalar(
        insert(tables.customer)
        .values(out.model_dump(mode="json") | {"id": out.id})
        .on_conflict_do_nothing(index_elements=["customer_number"])
        .returning(tables.customer.c.id)
    )
    if inserted is None:
        raise Conflict(
            f"a customer numbered {cmd.customer_number!r} exists already", field="customer_number"
        )
    uow.publish(
        events.CustomerRegistered(
            customer_id=out.id,
            version=out.version,
            customer_number=out.customer_number,
            name=out.name,
            emails=out.emails,
            mobiles=out.mobiles,
            allowed_methods=out.allowed_methods,
            preferred_method=out.preferred_method,
            language=out.language,
        )
    )
    await uow.commit()
    return out


async def register_serial_item(cmd: SerialItemIn, uow: UnitOfWork) -> SerialItemOut:
    product = (
        await uow.session.execute(
            select(tables.product).where(tables.product.c.id == cmd.product_id)
        )
    ).first()
    if product is None:
        raise Unprocessable(f"no product with id {cmd.product_id}", field="product_id")
    owner = await uow.session.scalar(
        select(tables.customer.c.id).where(tables.customer.c.id == cmd.owner_customer_id)
    )
    if owner is None:
        raise Unprocessable(
            f"no customer with id {cmd.owner_customer_id}", field="owner_customer_id"
        )
    out = SerialItemOut(
        id=uuid.uuid4(),
        serial_number=cmd.serial_number,
        name=cmd.name or product.name,
        product_id=cmd.product_id,
        owner_customer_id=cmd.owner_customer_id,
        org_unit=cmd.org_unit,
        startup_date=cmd.startup_date,
        version=1,
    )
    inserted = await uow.session.scalar(
        insert(tables.serial_item)
        .values(out.model_dump())
        .on_conflict_do_nothing(constraint="uq_serial_item_product_serial")
        .returning(tables.serial_item.c.id)
    )
    if inserted is None:
        raise Conflict(
            f"product {product.product_number!r} has a serial number {cmd.serial_number!r} already",
            field="serial_number",
        )
    uow.publish(
        events.SerialItemRegistered(
            serial_item_id=out.id,
            version=out.version,
            serial_number=out.serial_number,
            name=out.name,
            product_id=out.product_id,
            product_number=product.product_number,
            product_name=product.name,
            owner_customer_id=out.owner_customer_id,
            org_unit=out.org_unit,
            startup_date=out.startup_date,
        )
    )
    await uow.commit()
    return out


async def get_row(uow: UnitOfWork, table_name: str, row_id: uuid.UUID) -> dict[str, object]:
    table = tables.metadata.tables[table_name]
    row = (await uow.session.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise NotFound(f"no {table_name.replace('_', ' ')} with id {row_id}")
    return dict(row)
