"""Field work's copies of other services' data: customers (with their contacts), serial
items (with their installation address), the org unit tree and service types, each
replaced only by a newer snapshot (``aftersales_kit.projections``).

A serial item's new installation address also moves the open orders (stage new or
planned) located at that item: their ``location`` is the item's address again. Nothing
else of the order changes (no version, no history, no event): the order's place is
catalog's fact, not a change anyone made to the order.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update

from aftersales_contracts.catalog import (
    CustomerRegistered,
    CustomersRegistered,
    ProductRegistered,
    SerialItemRegistered,
    SerialItemsRegistered,
    each_customer,
    each_item,
)
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.fieldwork import Stage
from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_kit.projections import newest, upsert_if_newer, upsert_many_if_newer
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.context import Context
from fieldwork.resources.domain import location_of

OPEN_STAGES = (Stage.NEW.value, Stage.PLANNED.value)


async def on_customers(
    ctx: Context,
    uow: UnitOfWork,
    envelopes: Sequence[Envelope[CustomerRegistered] | Envelope[CustomersRegistered]],
) -> None:
    """Customer snapshots (registered, alone or in a set, or changed: each is the whole
    customer), a batch in one transaction: each upserted if newer."""
    latest = newest(each_customer(e.payload for e in envelopes), lambda c: c.customer_id)
    values = [
        {
            "id": customer_id,
            "version": c.version,
            "customer_number": c.customer_number,
            "name": c.name,
            "language": c.language,
            "emails": [str(e) for e in c.emails],
            "mobiles": c.mobiles,
            "contacts": [contact.model_dump(mode="json") for contact in c.contacts],
            "org_unit_id": c.org_unit_id,
            "active": c.active,
        }
        for customer_id, c in sorted(latest.items())  # one row order everywhere: no deadlocks
    ]
    await upsert_many_if_newer(uow.session, tables.customer, values)


async def on_serial_items(
    ctx: Context,
    uow: UnitOfWork,
    envelopes: Sequence[Envelope[SerialItemRegistered] | Envelope[SerialItemsRegistered]],
) -> None:
    """Item snapshots (registered, alone or in a set, changed, owner changed: each is the
    whole item), a batch in one transaction: each upserted if newer; an item whose
    snapshot was newer and has an installation address moves its open orders there."""
    latest = newest(each_item(e.payload for e in envelopes), lambda i: i.serial_item_id)
    values = [
        {
            "id": item_id,
            "version": item.version,
            "serial_number": item.serial_number,
            "name": item.name,
            "product_number": item.product_number,
            "product_name": item.product_name,
            "owner_customer_id": item.owner_customer_id,
            "org_unit_id": item.org_unit_id,
            "installation_address": (
                None
                if item.installation_address is None
                else item.installation_address.model_dump(mode="json")
            ),
            "status": item.status.value,
        }
        for item_id, item in sorted(latest.items())
    ]
    # An older snapshot is not returned: it moves nothing.
    stored = await upsert_many_if_newer(uow.session, tables.serial_item, values)
    # No address known: an order keeps the place it has (a planner may have typed one).
    located = {
        row.id: location
        for row in stored
        if (location := location_of(row.installation_address)) is not None
    }
    order = tables.service_order.c
    with_open_orders: list[uuid.UUID] = []
    if located:  # one query for the batch: a new item (an import's) has no orders yet
        with_open_orders = list(
            await uow.session.scalars(
                select(order.serial_item_id)
                .distinct()
                .where(order.serial_item_id.in_(located), order.stage.in_(OPEN_STAGES))
            )
        )
    for item_id in sorted(with_open_orders):
        location = located[item_id]
        await uow.session.execute(
            update(tables.service_order)
            .where(
                order.serial_item_id == item_id,
                order.stage.in_(OPEN_STAGES),
                order.location.is_distinct_from(location),
            )
            .values(location=location)
        )


async def on_service_type_changed(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[ServiceTypeChanged]
) -> None:
    """A service type's name, as orders show it (a deleted type keeps its last name: the
    orders that carried it out still show it)."""
    service_type = envelope.payload
    values = {
        "id": service_type.service_type_id,
        "version": service_type.version,
        "name": service_type.display_name,
    }
    await upsert_if_newer(uow.session, tables.service_type, values)


async def on_products(
    ctx: Context, uow: UnitOfWork, envelopes: Sequence[Envelope[ProductRegistered]]
) -> None:
    """Product snapshots (registered or changed), a batch in one transaction: what a
    protocol's consumed items name."""
    latest = newest((e.payload for e in envelopes), lambda p: p.product_id)
    for product_id in sorted(latest):
        p = latest[product_id]
        values = {
            "id": product_id,
            "version": p.version,
            "product_number": p.product_number,
            "name": p.name,
            "active": p.active,
        }
        await upsert_if_newer(uow.session, tables.product, values)
