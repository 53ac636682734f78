"""Customers and their contacts: register, change, deactivate and list them, for the org
units the caller may see (``catalog.visibility``: a customer's home org unit, as a serial
item's). A contact is a part of its customer: every contact change is a new customer
version, and a contact is seen by whoever sees its customer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts import catalog as events
from aftersales_kit import keyset
from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from catalog import domain, tables, visibility
from catalog.handlers.rows import get_row, locked, referenced, validate_merged
from catalog.schemas import (
    ContactIn,
    ContactOut,
    CustomerFields,
    CustomerIn,
    CustomerOut,
    CustomerPatch,
)

SORTS: dict[str, type] = {"customer_number": str, "name": str, "created_at": datetime}
FIELDS = tuple(CustomerFields.model_fields)


def stored(fields: CustomerFields) -> dict[str, Any]:
    """A customer's fields as its columns hold them: JSON values (enums as their text),
    but the org unit as the UUID the column and the stored row compare with."""
    return fields.model_dump(mode="json") | {"org_unit_id": fields.org_unit_id}


async def _placeable(
    uow: UnitOfWork, visible: visibility.Visible, org_unit_id: uuid.UUID | None
) -> None:
    """The home org unit exists (422) and the caller would still see the customer (403)."""
    await referenced(uow, tables.org_unit, org_unit_id, "org unit", "org_unit_id")
    visibility.require_placeable(visible, org_unit_id, "customers")


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


async def _out(uow: UnitOfWork, row: dict[str, Any]) -> CustomerOut:
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
        org_unit_id=out.org_unit_id,
        contacts=[
            events.Contact(contact_id=c.id, **c.model_dump(exclude={"id", "customer_id"}))
            for c in out.contacts
        ],
    )


def publish_customer_change(
    uow: UnitOfWork, before: dict[str, Any], out: CustomerOut, *, contacts_changed: bool = False
) -> None:
    """The new snapshot and, when how to reach the customer changed, which fields did."""
    uow.publish(customer_snapshot(events.CustomerChanged, out))
    changed = domain.communication_changes(before, out.model_dump(mode="json"))
    if contacts_changed:
        changed.append("contacts")
    if changed:
        uow.publish(
            customer_snapshot(events.CustomerCommunicationChanged, out, changed_fields=changed)
        )


async def register_customer(
    cmd: CustomerIn, uow: UnitOfWork, visible: visibility.Visible = None
) -> CustomerOut:
    await _placeable(uow, visible, cmd.org_unit_id)
    out = CustomerOut(id=uuid.uuid4(), version=1, active=True, **cmd.model_dump())
    inserted = await uow.session.scalar(
        insert(tables.customer)
        .values(
            out.model_dump(mode="json", exclude={"contacts"})
            | {"id": out.id, "org_unit_id": out.org_unit_id}
        )
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


async def get_customer(
    uow: UnitOfWork, customer_id: uuid.UUID, visible: visibility.Visible = None
) -> CustomerOut:
    row = await get_row(uow, "customer", customer_id)
    visibility.require_seen(visible, row, "customer")
    return await _out(uow, row)


async def _bump(
    uow: UnitOfWork, row: dict[str, Any], values: dict[str, Any], *, contacts_changed: bool = False
) -> CustomerOut:
    """Write the change, raise the version, publish the new snapshot; the caller commits."""
    values = values | {"version": row["version"] + 1}
    await uow.session.execute(
        update(tables.customer).where(tables.customer.c.id == row["id"]).values(values)
    )
    out = await _out(uow, row | values)
    publish_customer_change(uow, row, out, contacts_changed=contacts_changed)
    return out


async def _locked(
    uow: UnitOfWork, customer_id: uuid.UUID, expected: int | None, visible: visibility.Visible
) -> dict[str, Any]:
    row = await locked(uow, tables.customer, customer_id, "customer")
    # Unseen before stale: a stale version must not tell that the customer exists.
    visibility.require_seen(visible, row, "customer")
    check_version(row["version"], expected)
    return row


async def update_customer(
    customer_id: uuid.UUID,
    changes: CustomerFields | CustomerPatch,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> CustomerOut:
    row = await _locked(uow, customer_id, expected, visible)
    if isinstance(changes, CustomerPatch):
        current = {k: row[k] for k in FIELDS}
        changes = validate_merged(CustomerFields, current | changes.model_dump(exclude_unset=True))
    await _placeable(uow, visible, changes.org_unit_id)
    out = await _bump(uow, row, stored(changes))
    await uow.commit()
    return out


async def deactivate_customer(
    customer_id: uuid.UUID,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> CustomerOut:
    row = await _locked(uow, customer_id, expected, visible)
    if not row["active"]:
        return await _out(uow, row)  # already done: no new version, no event
    out = await _bump(uow, row, {"active": False})
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
    visible: visibility.Visible = None,
) -> tuple[list[CustomerOut], str | None]:
    t = tables.customer
    filters: list[ColumnElement[bool]] = []
    if (seen := visibility.seen_filter(visible, t.c.org_unit_id)) is not None:
        filters.append(seen)
    if active is not None:
        filters.append(t.c.active == active)
    if kind is not None:
        filters.append(t.c.kind == kind.value)
    if name_contains:
        await plan_for_values(uow.session)
        filters.append(t.c.name.ilike("%" + like_escape(name_contains) + "%", escape="\\"))
    rows, next_cursor = await keyset.table_page(uow.session, t, filters, sort, SORTS, cursor, limit)
    contacts = await contacts_of(uow, [r["id"] for r in rows])
    return [CustomerOut.model_validate(r | {"contacts": contacts[r["id"]]}) for r in rows], (
        next_cursor
    )


# --- contacts ------------------------------------------------------------------------


async def list_contacts(
    uow: UnitOfWork, customer_id: uuid.UUID, visible: visibility.Visible = None
) -> list[ContactOut]:
    return (await get_customer(uow, customer_id, visible)).contacts


async def get_contact(
    uow: UnitOfWork,
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    visible: visibility.Visible = None,
) -> ContactOut:
    for contact in await list_contacts(uow, customer_id, visible):
        if contact.id == contact_id:
            return contact
    raise NotFound(f"customer {customer_id} has no contact with id {contact_id}")


async def add_contact(
    customer_id: uuid.UUID,
    cmd: ContactIn,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> tuple[ContactOut, int]:
    """The contact added and the customer's new version."""
    row = await _locked(uow, customer_id, expected, visible)
    contact = ContactOut(id=uuid.uuid4(), customer_id=customer_id, **cmd.model_dump(mode="json"))
    await uow.session.execute(insert(tables.customer_contact).values(contact.model_dump()))
    out = await _bump(uow, row, {}, contacts_changed=True)
    await uow.commit()
    return contact, out.version


async def replace_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    cmd: ContactIn,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> tuple[ContactOut, int]:
    row = await _locked(uow, customer_id, expected, visible)
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
    out = await _bump(uow, row, {}, contacts_changed=True)
    await uow.commit()
    return contact, out.version


async def remove_contact(
    customer_id: uuid.UUID,
    contact_id: uuid.UUID,
    expected: int | None,
    uow: UnitOfWork,
    visible: visibility.Visible = None,
) -> int:
    row = await _locked(uow, customer_id, expected, visible)
    t = tables.customer_contact
    removed = await uow.session.scalar(
        t.delete().where(t.c.id == contact_id, t.c.customer_id == customer_id).returning(t.c.id)
    )
    if removed is None:
        raise NotFound(f"customer {customer_id} has no contact with id {contact_id}")
    out = await _bump(uow, row, {}, contacts_changed=True)
    await uow.commit()
    return out.version
