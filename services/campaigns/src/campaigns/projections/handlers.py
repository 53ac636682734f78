"""Campaigns' copies of catalog's data: org units, customers, products and serial items
(with owner and initial-order customer), each replaced only by a newer snapshot
(``aftersales_kit.projections``). A campaign's serial numbers are validated against them:
campaigns never calls catalog.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from aftersales_kit.projections import newest, upsert_if_newer, upsert_many_if_newer
from aftersales_kit.uow import UnitOfWork
from campaigns import tables
from campaigns.context import Context


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
    whole item), a batch in one transaction: each upserted if newer. Cases already opened
    keep the customer they were opened for; the next validation of a campaign's lines sees
    the new owner."""
    latest = newest(each_item(e.payload for e in envelopes), lambda i: i.serial_item_id)
    values = [
        {
            "id": item_id,
            "version": item.version,
            "serial_number": item.serial_number,
            "product_id": item.product_id,
            "product_number": item.product_number,
            "owner_customer_id": item.owner_customer_id,
            "initial_order_customer_id": item.initial_order_customer_id,
            "org_unit_id": item.org_unit_id,
            "status": item.status.value,
        }
        for item_id, item in sorted(latest.items())
    ]
    await upsert_many_if_newer(uow.session, tables.serial_item, values)


async def on_product(ctx: Context, uow: UnitOfWork, envelope: Envelope[ProductRegistered]) -> None:
    product = envelope.payload
    values = {
        "id": product.product_id,
        "version": product.version,
        "product_number": product.product_number,
        "name": product.name,
    }
    await upsert_if_newer(uow.session, tables.product, values)
