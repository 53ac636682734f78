"""Products: register, change, deactivate and list them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_kit import keyset
from aftersales_kit.problems import Conflict
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from catalog import tables
from catalog.handlers.rows import get_row, locked, validate_merged
from catalog.schemas import ProductFields, ProductIn, ProductOut, ProductPatch

SORTS: dict[str, type] = {"product_number": str, "name": str, "created_at": datetime}


def _out(row: dict[str, Any]) -> ProductOut:
    return ProductOut.model_validate(row)


def _event(cls: type[events.ProductRegistered], out: ProductOut) -> events.ProductRegistered:
    return cls(
        product_id=out.id,
        version=out.version,
        product_number=out.product_number,
        name=out.name,
        translations=out.translations,
        product_group=out.product_group,
        active=out.active,
    )


async def register_product(cmd: ProductIn, uow: UnitOfWork) -> ProductOut:
    out = ProductOut(id=uuid.uuid4(), active=True, version=1, **cmd.model_dump())
    inserted = await uow.session.scalar(
        insert(tables.product)
        .values(out.model_dump())
        .on_conflict_do_nothing(index_elements=["product_number"])
        .returning(tables.product.c.id)
    )
    if inserted is None:
        raise Conflict(
            f"a product numbered {cmd.product_number!r} exists already", field="product_number"
        )
    uow.publish(_event(events.ProductRegistered, out))
    await uow.commit()
    return out


async def get_product(uow: UnitOfWork, product_id: uuid.UUID) -> ProductOut:
    return _out(await get_row(uow, "product", product_id))


async def update_product(
    product_id: uuid.UUID,
    changes: ProductFields | ProductPatch,
    expected: int | None,
    uow: UnitOfWork,
) -> ProductOut:
    row = await locked(uow, tables.product, product_id, "product")
    check_version(row["version"], expected)
    if isinstance(changes, ProductPatch):
        current = {k: row[k] for k in ("name", "translations", "product_group")}
        changes = validate_merged(ProductFields, current | changes.model_dump(exclude_unset=True))
    return await _save(uow, row, changes.model_dump())


async def deactivate_product(
    product_id: uuid.UUID, expected: int | None, uow: UnitOfWork
) -> ProductOut:
    row = await locked(uow, tables.product, product_id, "product")
    check_version(row["version"], expected)
    if not row["active"]:
        return _out(row)
    return await _save(uow, row, {"active": False})


async def _save(uow: UnitOfWork, row: dict[str, Any], values: dict[str, Any]) -> ProductOut:
    values = values | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.product).where(tables.product.c.id == row["id"]).values(values)
    )
    out = _out(row | values)
    uow.publish(_event(events.ProductChanged, out))
    await uow.commit()
    return out


async def list_products(
    uow: UnitOfWork,
    *,
    active: bool | None,
    product_group: str | None,
    number_prefix: str | None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[ProductOut], str | None]:
    t = tables.product
    filters: list[ColumnElement[bool]] = []
    if active is not None:
        filters.append(t.c.active == active)
    if product_group is not None:
        filters.append(t.c.product_group == product_group)
    if number_prefix:
        await plan_for_values(uow.session)
        filters.append(t.c.product_number.like(like_escape(number_prefix) + "%", escape="\\"))
    rows, next_cursor = await keyset.table_page(uow.session, t, filters, sort, SORTS, cursor, limit)
    return [_out(r) for r in rows], next_cursor
