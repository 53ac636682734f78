"""Scheduling's copies of other services' data (customers, serial items, org units,
service types), each replaced only by a newer snapshot, and what a new one sets off."""

from __future__ import annotations

from collections.abc import Sequence

from aftersales_contracts.catalog import (
    CustomerRegistered,
    CustomersRegistered,
    SerialItemRegistered,
    SerialItemsRegistered,
    each_customer,
    each_item,
)
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_kit.projections import newest, upsert_if_newer, upsert_many_if_newer
from aftersales_kit.uow import UnitOfWork
from scheduling import actions, domain, tables
from scheduling.context import Context
from scheduling.planning import lock_planning

# The snapshot fields scheduling keeps of an item (the rest of the event is not used).
ITEM_PROJECTION = tuple(c.name for c in tables.serial_item.columns if c.name != "id")


async def on_customers(
    ctx: Context,
    uow: UnitOfWork,
    envelopes: Sequence[Envelope[CustomerRegistered] | Envelope[CustomersRegistered]],
) -> None:
    """Customer snapshots (registered, alone or in a set, or changed: each carries the
    whole customer), a batch in one transaction: upsert each if newer; callouts waiting
    for a customer's new contact data ("update recipient") are sent again."""
    latest = newest(each_customer(e.payload for e in envelopes), lambda c: c.customer_id)
    values = [
        {
            "id": customer_id,
            "version": c.version,
            "customer_number": c.customer_number,
            "name": c.name,
            "emails": [str(e) for e in c.emails],
            "mobiles": c.mobiles,
            "allowed_methods": [m.value for m in c.allowed_methods],
            "preferred_method": c.preferred_method.value if c.preferred_method else None,
            "language": c.language,
        }
        for customer_id, c in sorted(latest.items())  # one row order everywhere
    ]
    stored = await upsert_many_if_newer(uow.session, tables.customer, values)
    arrived = {row.id: row.version for row in stored}
    await actions.resend_for_customers(ctx, uow, arrived)


async def on_serial_items(
    ctx: Context,
    uow: UnitOfWork,
    envelopes: Sequence[Envelope[SerialItemRegistered] | Envelope[SerialItemsRegistered]],
) -> None:
    """Item snapshots (registered, alone or in a set, changed, owner changed: each
    carries the whole item), a batch in one transaction: upsert each if newer, then
    re-plan the items that changed together, type by type."""
    latest = newest(each_item(e.payload for e in envelopes), lambda i: i.serial_item_id)
    keys = [k for i in latest.values() for k in (i.product_id, i.pinned_service_type_id)]
    await lock_planning(uow, keys)
    values = [
        {c: getattr(item, c) for c in ITEM_PROJECTION} | {"id": item_id}
        for item_id, item in sorted(latest.items())  # one row order everywhere
    ]
    changed = await upsert_many_if_newer(uow.session, tables.serial_item, values)
    await ctx.planner.replan_items(uow, sorted(changed, key=lambda row: row.id))


async def on_service_type_changed(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[ServiceTypeChanged]
) -> None:
    """A type's new version: stored, then its first batch of items planned with the event
    (the planning loop does the rest)."""
    service_type = envelope.payload
    product_ids = domain.linked_products(service_type.links)
    await lock_planning(uow, [*product_ids, service_type.service_type_id])
    values = {
        "id": service_type.service_type_id,
        "version": service_type.version,
        "definition": service_type.model_dump(mode="json"),
        "plan_cursor": None,  # a new version plans every item again
    }
    if await upsert_if_newer(uow.session, tables.service_type, values) is None:
        return
    await ctx.planner.start(uow, service_type)
