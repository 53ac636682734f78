"""Catalog's use cases: each runs in a unit of work and records its event in the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, Table, func, literal, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_kit.problems import Conflict, NotFound, Problem, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from catalog import domain, marks, tables, visibility
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

ModelT = TypeVar("ModelT", bound=BaseModel)

CUSTOMER_SORTS = frozenset({"customer_number", "name", "created_at"})
PRODUCT_SORTS = frozenset({"product_number", "name", "created_at"})
ORG_UNIT_SORTS = frozenset({"code", "name", "created_at"})

# Changes to the org-unit tree are serialized, so that two concurrent re-parentings
# cannot each pass the cycle check and together make a cycle.
ORG_TREE_LOCK = 0x0C47A106


def _validate(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validate a merged (patched) record; a bad field is a 422 that names it."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unprocessable(f"{field}: {first['msg']}", field=field) from error


async def _locked(uow: UnitOfWork, table: Table, row_id: uuid.UUID, what: str) -> dict[str, Any]:
    row = (
        (await uow.session.execute(select(table).where(table.c.id == row_id).with_for_update()))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no {what} with id {row_id}")
    return dict(row)


def _check_version(row: dict[str, Any], expected: int | None) -> None:
    check_version(row["version"], expected)


async def _page(
    uow: UnitOfWork,
    table: Table,
    filters: Sequence[ColumnElement[bool]],
    sort_text: str,
    allowed: frozenset[str],
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page in keyset order (sort key, id): no OFFSET, stable under inserts."""
    try:
        sort = domain.Sort.parse(sort_text, allowed)
    except ValueError as error:
        raise Problem(str(error), field="query.sort") from error
    column = table.c[sort.field]
    where = list(filters)
    if cursor is not None:
        try:
            value, last_id = domain.decode_cursor(
                cursor, sort, datetime_field=sort.field == "created_at"
            )
        except domain.InvalidCursor as error:
            raise Problem(str(error), field="query.cursor") from error
        key = tuple_(column, table.c.id)
        after = tuple_(literal(value, column.type), literal(last_id, table.c.id.type))
        where.append(key < after if sort.descending else key > after)
    order = (column.desc(), table.c.id.desc()) if sort.descending else (column, table.c.id)
    rows = [
        dict(r)
        for r in (
            await uow.session.execute(select(table).where(*where).order_by(*order).limit(limit + 1))
        ).mappings()
    ]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = domain.encode_cursor(sort, last[sort.field], last["id"])
    return rows, next_cursor


def _like_escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- products ------------------------------------------------------------------------


def _product_out(row: dict[str, Any]) -> ProductOut:
    return ProductOut.model_validate(row)


def _product_event(
    cls: type[events.ProductRegistered], out: ProductOut
) -> events.ProductRegistered:
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
    uow.publish(_product_event(events.ProductRegistered, out))
    await uow.commit()
    return out


async def get_product(uow: UnitOfWork, product_id: uuid.UUID) -> ProductOut:
    return _product_out(await get_row(uow, "product", product_id))


async def update_product(
    product_id: uuid.UUID,
    changes: ProductFields | ProductPatch,
    expected: int | None,
    uow: UnitOfWork,
) -> ProductOut:
    row = await _locked(uow, tables.product, product_id, "product")
    _check_version(row, expected)
    if isinstance(changes, ProductPatch):
        current = {k: row[k] for k in ("name", "translations", "product_group")}
        changes = _validate(ProductFields, current | changes.model_dump(exclude_unset=True))
    return await _save_product(uow, row, changes.model_dump())


async def deactivate_product(
    product_id: uuid.UUID, expected: int | None, uow: UnitOfWork
) -> ProductOut:
    row = await _locked(uow, tables.product, product_id, "product")
    _check_version(row, expected)
    if not row["active"]:
        return _product_out(row)
    return await _save_product(uow, row, {"active": False})


async def _save_product(uow: UnitOfWork, row: dict[str, Any], values: dict[str, Any]) -> ProductOut:
    values = values | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.product).where(tables.product.c.id == row["id"]).values(values)
    )
    out = _product_out(row | values)
    uow.publish(_product_event(events.ProductChanged, out))
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
        filters.append(t.c.product_number.like(_like_escape(number_prefix) + "%", escape="\\"))
    rows, next_cursor = await _page(uow, t, filters, sort, PRODUCT_SORTS, cursor, limit)
    return [_product_out(r) for r in rows], next_cursor


# --- customers -----------------------------------------------------------------------

CUSTOMER_FIELDS = tuple(CustomerFields.model_fields)


async def contacts_of(
    uow: UnitOfWork, customer_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ContactOut]]:
    t = tables.customer_contact
    result: dict[uuid.UUID, list[ContactOut]] = {i: [] for i in customer_ids}
    if customer_ids:
        rows = await uow.session.execute(
            select(t).where(t.c.customer_id.in_(customer_ids)).order_by(t.c.created_at, t.c.id)
        )
        for r in rows.mappings():
            result[r["customer_id"]].append(ContactOut.model_validate(dict(r)))
    return result


async def _customer_out(uow: UnitOfWork, row: dict[str, Any]) -> CustomerOut:
    contacts = (await contacts_of(uow, [row["id"]]))[row["id"]]
    return CustomerOut.model_validate(row | {"contacts": contacts})


def customer_snapshot(
    cls: type[events.CustomerRegistered], out: CustomerOut, **extra: Any
) -> events.CustomerRegistered:
    return cls(
        **extra,
        customer_id=out.id,
        version=out.version,
        customer_number=out.customer_number,
        name=out.name,
        emails=out.emails,
        mobiles=out.mobiles,
        allowed_methods=out.allowed_methods,
        preferred_method=out.preferred_method,
        language=out.language,
        kind=out.kind,
        time_zone=out.time_zone,
        active=out.active,
        contacts=[
            events.Contact(contact_id=c.id, **c.model_dump(exclude={"id", "customer_id"}))
            for c in out.contacts
        ],
    )


async def register_customer(cmd: CustomerIn, uow: UnitOfWork) -> CustomerOut:
    out = CustomerOut(id=uuid.uuid4(), version=1, active=True, **cmd.model_dump())
    inserted = await uow.session.scalar(
        insert(tables.customer)
        .values(out.model_dump(mode="json", exclude={"contacts"}) | {"id": out.id})
        .on_conflict_do_nothing(index_elements=["customer_number"])
        .returning(tables.customer.c.id)
    )
    if inserted is None:
        raise Conflict(
            f"a customer numbered {cmd.customer_number!r} exists already", field="customer_number"
        )
    uow.publish(customer_snapshot(events.CustomerRegistered, out))
    await uow.commit()
    return out


async def get_customer(uow: UnitOfWork, customer_id: uuid.UUID) -> CustomerOut:
    return await _customer_out(uow, await get_row(uow, "customer", customer_id))


async def _bump_customer(
    uow: UnitOfWork, row: dict[str, Any], values: dict[str, Any], *, contacts_changed: bool = False
) -> CustomerOut:
    """Write the change, raise the version, publish the new snapshot (and, when how to
    reach the customer changed, say so)."""
    values = values | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.customer).where(tables.customer.c.id == row["id"]).values(values)
    )
    out = await _customer_out(uow, row | values)
    publish_customer_change(uow, row, out, contacts_changed=contacts_changed)
    return out


def publish_customer_change(
    uow: UnitOfWork, before: dict[str, Any], out: CustomerOut, *, contacts_changed: bool = False
) -> None:
    uow.publish(customer_snapshot(events.CustomerChanged, out))
    changed = domain.communication_changes(before, out.model_dump(mode="json"))
    if contacts_changed:
        changed.append("contacts")
    if changed:
        uow.publish(
            customer_snapshot(events.CustomerCommunicationChanged, out, changed_fields=changed)
        )


async def update_customer(
    customer_id: uuid.UUID,
    changes: CustomerFields | CustomerPatch,
    expected: int | None,
    uow: UnitOfWork,
) -> CustomerOut:
    row = await _locked(uow, tables.customer, customer_id, "customer")
    _check_version(row, expected)
    if isinstance(changes, CustomerPatch):
        current = {k: row[k] for k in CUSTOMER_FIELDS}
        changes = _validate(CustomerFields, current | changes.model_dump(exclude_unset=True))
    out = await _bump_customer(uow, row, changes.model_dump(mode="json"))
    await uow.commit()
    return out


async def deactivate_customer(
    customer_id: uuid.UUID, expected: int | None, uow: UnitOfWork
) -> CustomerOut:
    row = await _locked(uow, tables.customer, customer_id, "customer")
    _check_version(row, expected)
    if not row["active"]:
        return await _customer_out(uow, row)  # already done: no new version, no event
    out = await _bump_customer(uow, row, {"active": False})
    uow.publish(
        events.CustomerDeactivated(
            customer_id=out.id, version=out.version, customer_number=out.customer_number
        )
    )
    await uow.commit()
    return out


async def list_customers(
    uow: UnitOfWork,
    *,
    active: bool | None,
    kind: events.CustomerKind | None,
    name_contains: str | None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[CustomerOut], str | None]:
    t = tables.customer
    filters: list[ColumnElement[bool]] = []
    if active is not None:
        filters.append(t.c.active == active)
    if kind is not None:
        filters.append(t.c.kind == kind.value)
    if name_contains:
        filters.append(t.c.name.ilike("%" + _like_escape(name_contains) + "%", escape="\\"))
    rows, next_cursor = await _page(uow, t, filters, sort, CUSTOMER_SORTS, cursor, limit)
    contacts = await contacts_of(uow, [r["id"] for r in rows])
    return [CustomerOut.model_validate(r | {"contacts": contacts[r["id"]]}) for r in rows], (
        next_cursor
    )


# --- contacts (a part of the customer: every change is a new customer version) --------


async def list_contacts(uow: UnitOfWork, customer_id: uuid.UUID) -> list[ContactOut]:
    return (await get_customer(uow, customer_id)).contacts


async def get_contact(uow: UnitOfWork, customer_id: uuid.UUID, contact_id: uuid.UUID) -> ContactOut:
    for contact in await list_contacts(uow, customer_id):
        if contact.id == contact_id:
            return contact
    raise NotFound(f"customer {customer_id} has no contact with id {contact_id}")


async def add_contact(
    customer_id: uuid.UUID, cmd: ContactIn, expected: int | None, uow: UnitOfWork
) -> tuple[ContactOut, int]:
    row = await _locked(uow, tables.customer, customer_id, "customer")
    _check_version(row, expected)
    contact = ContactOut(id=uuid.uuid4(), customer_id=customer_id, **cmd.model_dump(mode="json"))
    await uow.session.execute(insert(tables.customer_contact).values(contact.model_dump()))
    out = await _bump_customer(uow, row, {}, contacts_changed=True)
    await uow.commit()
    return contact, out.version


async def replace_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    cmd: ContactIn,
    expected: int | None,
    uow: UnitOfWork,
) -> tuple[ContactOut, int]:
    row = await _locked(uow, tables.customer, customer_id, "customer")
    _check_version(row, expected)
    t = tables.customer_contact
    contact = ContactOut(id=contact_id, customer_id=customer_id, **cmd.model_dump(mode="json"))
    changed = await uow.session.scalar(
        update(t)
        .where(t.c.id == contact_id, t.c.customer_id == customer_id)
        .values(contact.model_dump(exclude={"id", "customer_id"}))
        .returning(t.c.id)
    )
    if changed is None:
        raise NotFound(f"customer {customer_id} has no contact with id {contact_id}")
    out = await _bump_customer(uow, row, {}, contacts_changed=True)
    await uow.commit()
    return contact, out.version


async def remove_contact(
    customer_id: uuid.UUID, contact_id: uuid.UUID, expected: int | None, uow: UnitOfWork
) -> int:
    row = await _locked(uow, tables.customer, customer_id, "customer")
    _check_version(row, expected)
    t = tables.customer_contact
    removed = await uow.session.scalar(
        t.delete().where(t.c.id == contact_id, t.c.customer_id == customer_id).returning(t.c.id)
    )
    if removed is None:
        raise NotFound(f"customer {customer_id} has no contact with id {contact_id}")
    out = await _bump_customer(uow, row, {}, contacts_changed=True)
    await uow.commit()
    return out.version


# --- org units -----------------------------------------------------------------------


def _org_unit_event(out: OrgUnitOut) -> events.OrgUnitChanged:
    return events.OrgUnitChanged(
        org_unit_id=out.id,
        version=out.version,
        code=out.code,
        name=out.name,
        time_zone=out.time_zone,
        parent_id=out.parent_id,
    )


async def _check_parent(
    uow: UnitOfWork, org_unit_id: uuid.UUID, parent_id: uuid.UUID | None
) -> None:
    if parent_id is None:
        return
    await uow.session.execute(select(func.pg_advisory_xact_lock(ORG_TREE_LOCK)))
    chain = list(
        (
            await uow.session.scalars(
                text(
                    "WITH RECURSIVE chain(id, parent_id) AS ("
                    " SELECT id, parent_id FROM org_unit WHERE id = :parent"
                    " UNION ALL SELECT o.id, o.parent_id FROM org_unit o"
                    " JOIN chain c ON o.id = c.parent_id)"
                    " SELECT id FROM chain"
                ),
                {"parent": parent_id},
            )
        ).all()
    )
    if not chain:
        raise Unprocessable(f"no org unit with id {parent_id}", field="parent_id")
    if domain.would_cycle(org_unit_id, chain):
        raise Unprocessable(
            "the parent is this org unit or one of its descendants", field="parent_id"
        )


async def create_org_unit(cmd: OrgUnitIn, uow: UnitOfWork) -> OrgUnitOut:
    out = OrgUnitOut(id=uuid.uuid4(), version=1, **cmd.model_dump())
    await _check_parent(uow, out.id, out.parent_id)
    inserted = await uow.session.scalar(
        insert(tables.org_unit)
        .values(out.model_dump())
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(tables.org_unit.c.id)
    )
    if inserted is None:
        raise Conflict(f"an org unit with code {cmd.code!r} exists already", field="code")
    uow.publish(_org_unit_event(out))
    await uow.commit()
    return out


async def get_org_unit(uow: UnitOfWork, org_unit_id: uuid.UUID) -> OrgUnitOut:
    return OrgUnitOut.model_validate(await get_row(uow, "org_unit", org_unit_id))


async def update_org_unit(
    org_unit_id: uuid.UUID, cmd: OrgUnitFields, expected: int | None, uow: UnitOfWork
) -> OrgUnitOut:
    row = await _locked(uow, tables.org_unit, org_unit_id, "org unit")
    _check_version(row, expected)
    await _check_parent(uow, org_unit_id, cmd.parent_id)
    values = cmd.model_dump() | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.org_unit).where(tables.org_unit.c.id == org_unit_id).values(values)
    )
    out = OrgUnitOut.model_validate(row | values)
    uow.publish(_org_unit_event(out))
    await uow.commit()
    return out


async def list_org_units(
    uow: UnitOfWork, *, parent_id: uuid.UUID | None, sort: str, cursor: str | None, limit: int
) -> tuple[list[OrgUnitOut], str | None]:
    t = tables.org_unit
    filters = [t.c.parent_id == parent_id] if parent_id is not None else []
    rows, next_cursor = await _page(uow, t, filters, sort, ORG_UNIT_SORTS, cursor, limit)
    return [OrgUnitOut.model_validate(r) for r in rows], next_cursor


# --- serial items --------------------------------------------------------------------

SERIAL_ITEM_SORTS = frozenset({"serial_number", "name", "created_at"})
SERIAL_ITEM_FIELDS = tuple(SerialItemFields.model_fields)


async def _require(
    uow: UnitOfWork, table: Table, row_id: uuid.UUID | None, what: str, field: str
) -> dict[str, Any] | None:
    """The referenced row, or a 422 naming the field when it does not exist."""
    if row_id is None:
        return None
    row = (await uow.session.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise Unprocessable(f"no {what} with id {row_id}", field=field)
    return dict(row)


async def _item_references(uow: UnitOfWork, fields: SerialItemFields) -> str | None:
    """Check the references an item's fields hold; returns the org unit's code."""
    await _require(
        uow,
        tables.customer,
        fields.initial_order_customer_id,
        "customer",
        "initial_order_customer_id",
    )
    unit = await _require(uow, tables.org_unit, fields.org_unit_id, "org unit", "org_unit_id")
    return None if unit is None else str(unit["code"])


def _serial_item_out(row: dict[str, Any]) -> SerialItemOut:
    return SerialItemOut.model_validate(row)


async def _serial_item_event(
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
    product = await _require(uow, tables.product, cmd.product_id, "product", "product_id")
    assert product is not None
    await _require(uow, tables.customer, cmd.owner_customer_id, "customer", "owner_customer_id")
    org_unit_id, org_unit_code = cmd.org_unit_id, await _item_references(uow, cmd)
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
    uow.publish(await _serial_item_event(uow, events.SerialItemRegistered, out))
    await uow.commit()
    return out


async def get_serial_item(uow: UnitOfWork, serial_item_id: uuid.UUID) -> SerialItemOut:
    return _serial_item_out(await get_row(uow, "serial_item", serial_item_id))


async def view_serial_item(
    uow: UnitOfWork, serial_item_id: uuid.UUID, visible: visibility.Visible = None
) -> SerialItemView:
    """The item with its marks from other services (see ``catalog.marks``)."""
    row = await get_row(uow, "serial_item", serial_item_id)
    visibility.require_seen(visible, row)
    [view] = await marks.views(uow, [_serial_item_out(row)])
    return view


async def _save_serial_item(
    uow: UnitOfWork, row: dict[str, Any], values: dict[str, Any]
) -> SerialItemOut:
    """Write the change and raise the version; the caller publishes and commits."""
    values = values | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.serial_item).where(tables.serial_item.c.id == row["id"]).values(values)
    )
    return _serial_item_out(row | values)


async def update_serial_item(
    serial_item_id: uuid.UUID,
    changes: SerialItemFields | SerialItemPatch,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> SerialItemOut:
    row = await _locked(uow, tables.serial_item, serial_item_id, "serial item")
    visibility.require_seen(visible, row)
    _check_version(row, expected)
    if isinstance(changes, SerialItemPatch):
        current = {k: row[k] for k in SERIAL_ITEM_FIELDS}
        changes = _validate(SerialItemFields, current | changes.model_dump(exclude_unset=True))
    code = await _item_references(uow, changes)
    visibility.require_placeable(visible, changes.org_unit_id)
    values = changes.model_dump()
    # An old free-text org unit stays until an org unit is assigned or the link removed.
    keep_text = changes.org_unit_id is None and row["org_unit_id"] is None
    values["org_unit"] = row["org_unit"] if keep_text else code
    out = await _save_serial_item(uow, row, values)
    uow.publish(await _serial_item_event(uow, events.SerialItemChanged, out))
    await uow.commit()
    return out


async def change_serial_item_owner(
    serial_item_id: uuid.UUID,
    cmd: OwnerIn,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> SerialItemOut:
    row = await _locked(uow, tables.serial_item, serial_item_id, "serial item")
    visibility.require_seen(visible, row)
    _check_version(row, expected)
    await _require(uow, tables.customer, cmd.owner_customer_id, "customer", "owner_customer_id")
    if row["owner_customer_id"] == cmd.owner_customer_id:
        return _serial_item_out(row)  # already the owner: no new version, no event
    out = await _save_serial_item(uow, row, {"owner_customer_id": cmd.owner_customer_id})
    uow.publish(
        await _serial_item_event(
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
    row = await _locked(uow, tables.serial_item, serial_item_id, "serial item")
    visibility.require_seen(visible, row)
    _check_version(row, expected)
    if row["status"] == events.SerialItemStatus.INACTIVE:
        return _serial_item_out(row)  # already done: no new version, no event
    if row["status"] == events.SerialItemStatus.SCRAPPED:
        raise Conflict("a scrapped item cannot be deactivated", field="status")
    out = await _save_serial_item(uow, row, {"status": events.SerialItemStatus.INACTIVE})
    uow.publish(await _serial_item_event(uow, events.SerialItemChanged, out))
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
    if visible is not None:
        filters.append(t.c.org_unit_id.in_(visible))
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
    if serial_prefix:
        filters.append(t.c.serial_number.like(_like_escape(serial_prefix) + "%", escape="\\"))
    if customer_name:
        # The owner's name contains the text; the trigram index on customer.name serves it.
        c = tables.customer
        owners = select(c.c.id).where(
            c.c.name.ilike("%" + _like_escape(customer_name) + "%", escape="\\")
        )
        filters.append(t.c.owner_customer_id.in_(owners))
    if service_type_id is not None:
        filters.append(marks.service_type_applies(service_type_id))
    if has_pending_campaign is not None:
        filters.append(marks.has_pending_campaign(has_pending_campaign))
    rows, next_cursor = await _page(uow, t, filters, sort, SERIAL_ITEM_SORTS, cursor, limit)
    return await marks.views(uow, [_serial_item_out(r) for r in rows]), next_cursor


async def get_row(uow: UnitOfWork, table_name: str, row_id: uuid.UUID) -> dict[str, object]:
    table = tables.metadata.tables[table_name]
    row = (await uow.session.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise NotFound(f"no {table_name.replace('_', ' ')} with id {row_id}")
    return dict(row)
