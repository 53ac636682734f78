"""Serial items: register, change, move to another owner, deactivate and list them, for
the org units the caller may see (``catalog.visibility``), with their marks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_kit import keyset
from aftersales_kit.problems import Conflict
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from catalog import marks, tables, visibility
from catalog.handlers.rows import get_row, locked, referenced, validate_merged
from catalog.schemas import (
    OwnerIn,
    SerialItemFields,
    SerialItemIn,
    SerialItemOut,
    SerialItemPatch,
    SerialItemView,
)

SORTS: dict[str, type] = {"serial_number": str, "name": str, "created_at": datetime}
FIELDS = tuple(SerialItemFields.model_fields)


async def _references(uow: UnitOfWork, fields: SerialItemFields) -> str | None:
    """Check the references an item's fields hold; returns the org unit's code."""
    await referenced(
        uow,
        tables.customer,
        fields.initial_order_customer_id,
        "customer",
        "initial_order_customer_id",
    )
    unit = await referenced(uow, tables.org_unit, fields.org_unit_id, "org unit", "org_unit_id")
    return None if unit is None else str(unit["code"])


def _out(row: dict[str, Any]) -> SerialItemOut:
    return SerialItemOut.model_validate(row)


async def _event(
    uow: UnitOfWork,
    cls: type[events.SerialItemRegistered],
    out: SerialItemOut,
    **extra: Any,
) -> events.SerialItemRegistered:
    product = (
        await uow.session.execute(
            select(tables.product.c.product_number, tables.product.c.name).where(
                tables.product.c.id == out.product_id
            )
        )
    ).one()
    return serial_item_event(cls, out, product.product_number, product.name, **extra)


def serial_item_event(
    cls: type[events.SerialItemRegistered],
    out: SerialItemOut,
    product_number: str,
    product_name: str,
    **extra: Any,
) -> events.SerialItemRegistered:
    return cls(
        serial_item_id=out.id,
        product_number=product_number,
        product_name=product_name,
        **out.model_dump(exclude={"id"}),
        **extra,
    )


async def register_serial_item(
    cmd: SerialItemIn, uow: UnitOfWork, visible: visibility.Visible = None
) -> SerialItemOut:
    product = await referenced(uow, tables.product, cmd.product_id, "product", "product_id")
    assert product is not None
    await referenced(uow, tables.customer, cmd.owner_customer_id, "customer", "owner_customer_id")
    org_unit_id, org_unit_code = cmd.org_unit_id, await _references(uow, cmd)
    if org_unit_id is None and cmd.org_unit:
        # Old clients send the org unit's code as free text: link the unit when it exists.
        org_unit_id = await uow.session.scalar(
            select(tables.org_unit.c.id).where(tables.org_unit.c.code == cmd.org_unit)
        )
    visibility.require_placeable(visible, org_unit_id)
    out = SerialItemOut.model_validate(
        cmd.model_dump(exclude={"name", "org_unit", "org_unit_id"})
        | {
            "id": uuid.uuid4(),
            "name": cmd.name or product["name"],
            "org_unit_id": org_unit_id,
            "org_unit": org_unit_code or cmd.org_unit,
            "version": 1,
        }
    )
    inserted = await uow.session.scalar(
        insert(tables.serial_item)
        .values(out.model_dump())
        .on_conflict_do_nothing(constraint="uq_serial_item_product_serial")
        .returning(tables.serial_item.c.id)
    )
    if inserted is None:
        raise Conflict(
            f"product {product['product_number']!r} has a serial number"
            f" {cmd.serial_number!r} already",
            field="serial_number",
        )
    uow.publish(await _event(uow, events.SerialItemRegistered, out))
    await uow.commit()
    return out


async def view_serial_item(
    uow: UnitOfWork, serial_item_id: uuid.UUID, visible: visibility.Visible = None
) -> SerialItemView:
    """The item with its marks from other services (see ``catalog.marks``)."""
    row = await get_row(uow, "serial_item", serial_item_id)
    visibility.require_seen(visible, row)
    [view] = await marks.views(uow, [_out(row)])
    return view


async def _locked(
    uow: UnitOfWork, serial_item_id: uuid.UUID, expected: int | None, visible: visibility.Visible
) -> dict[str, Any]:
    row = await locked(uow, tables.serial_item, serial_item_id, "serial item")
    # Unseen before stale: a stale version must not tell that the item exists.
    visibility.require_seen(visible, row)
    check_version(row["version"], expected)
    return row


async def _save(uow: UnitOfWork, row: dict[str, Any], values: dict[str, Any]) -> SerialItemOut:
    """Write the change and raise the version; the caller publishes and commits."""
    values = values | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.serial_item).where(tables.serial_item.c.id == row["id"]).values(values)
    )
    return _out(row | values)


async def update_serial_item(
    serial_item_id: uuid.UUID,
    changes: SerialItemFields | SerialItemPatch,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> SerialItemOut:
    row = await _locked(uow, serial_item_id, expected, visible)
    if isinstance(changes, SerialItemPatch):
        current = {k: row[k] for k in FIELDS}
        changes = validate_merged(
            SerialItemFields, current | changes.model_dump(exclude_unset=True)
        )
    code = await _references(uow, changes)
    visibility.require_placeable(visible, changes.org_unit_id)
    values = changes.model_dump()
    # An old free-text org unit stays until an org unit is assigned or the link removed.
    keep_text = changes.org_unit_id is None and row["org_unit_id"] is None
    values["org_unit"] = row["org_unit"] if keep_text else code
    out = await _save(uow, row, values)
    uow.publish(await _event(uow, events.SerialItemChanged, out))
    await uow.commit()
    return out


async def change_serial_item_owner(
    serial_item_id: uuid.UUID,
    cmd: OwnerIn,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> SerialItemOut:
    row = await _locked(uow, serial_item_id, expected, visible)
    await referenced(uow, tables.customer, cmd.owner_customer_id, "customer", "owner_customer_id")
    if row["owner_customer_id"] == cmd.owner_customer_id:
        return _out(row)  # already the owner: no new version, no event
    out = await _save(uow, row, {"owner_customer_id": cmd.owner_customer_id})
    uow.publish(
        await _event(
            uow,
            events.SerialItemOwnerChanged,
            out,
            previous_owner_customer_id=row["owner_customer_id"],
        )
    )
    await uow.commit()
    return out


async def deactivate_serial_item(
    serial_item_id: uuid.UUID,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> SerialItemOut:
    row = await _locked(uow, serial_item_id, expected, visible)
    if row["status"] == events.SerialItemStatus.INACTIVE:
        return _out(row)  # already done: no new version, no event
    if row["status"] == events.SerialItemStatus.SCRAPPED:
        raise Conflict("a scrapped item cannot be deactivated", field="status")
    out = await _save(uow, row, {"status": events.SerialItemStatus.INACTIVE})
    uow.publish(await _event(uow, events.SerialItemChanged, out))
    uow.publish(
        events.SerialItemDeactivated(
            serial_item_id=out.id,
            version=out.version,
            serial_number=out.serial_number,
            product_id=out.product_id,
        )
    )
    await uow.commit()
    return out


async def list_serial_items(
    uow: UnitOfWork,
    *,
    product_id: uuid.UUID | None,
    owner_customer_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    status: events.SerialItemStatus | None,
    pinned_service_type_id: uuid.UUID | None,
    serial_prefix: str | None,
    sort: str,
    cursor: str | None,
    limit: int,
    initial_order_customer_id: uuid.UUID | None = None,
    customer_name: str | None = None,
    service_type_id: uuid.UUID | None = None,
    has_pending_campaign: bool | None = None,
    visible: visibility.Visible = None,
) -> tuple[list[SerialItemView], str | None]:
    t = tables.serial_item
    filters: list[ColumnElement[bool]] = []
    if (seen := visibility.seen_filter(visible, t.c.org_unit_id)) is not None:
        filters.append(seen)
    for column, value in (
        (t.c.product_id, product_id),
        (t.c.owner_customer_id, owner_customer_id),
        (t.c.org_unit_id, org_unit_id),
        (t.c.pinned_service_type_id, pinned_service_type_id),
        (t.c.initial_order_customer_id, initial_order_customer_id),
    ):
        if value is not None:
            filters.append(column == value)
    if status is not None:
        filters.append(t.c.status == status.value)
    if serial_prefix or customer_name:
        await plan_for_values(uow.session)
    if serial_prefix:
        filters.append(t.c.serial_number.like(like_escape(serial_prefix) + "%", escape="\\"))
    if customer_name:
        # The owner's name contains the text; the trigram index on customer.name serves it.
        c = tables.customer
        owners = select(c.c.id).where(
            c.c.name.ilike("%" + like_escape(customer_name) + "%", escape="\\")
        )
        filters.append(t.c.owner_customer_id.in_(owners))
    if service_type_id is not None:
        filters.append(marks.service_type_applies(service_type_id))
    if has_pending_campaign is not None:
        filters.append(marks.has_pending_campaign(has_pending_campaign))
    rows, next_cursor = await keyset.table_page(uow.session, t, filters, sort, SORTS, cursor, limit)
    return await marks.views(uow, [_out(r) for r in rows]), next_cursor
