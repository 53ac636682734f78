"""The projections' consumer: catalog's customers, products, serial items and org units
into campaigns' copies of them."""

from __future__ import annotations

from functools import partial

from aftersales_contracts import catalog, topology
from aftersales_kit.inbox import Consumer
from aftersales_kit.org_units import org_unit_projector
from aftersales_kit.runtime import ServiceRuntime
from campaigns import tables
from campaigns.context import Context
from campaigns.projections import handlers


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""
    catalog_events = Consumer(topology.CAMPAIGNS_CATALOG_EVENTS, runtime.uow)
    # Customers and items come in bulk after an import (a set event for each batch of
    # rows it created): a batch per transaction.
    on_customers = partial(handlers.on_customers, ctx)
    for customer_event in (catalog.CustomerRegistered, catalog.CustomerChanged):
        catalog_events.on_batch(customer_event, on_customers)
    catalog_events.on_batch(catalog.CustomersRegistered, on_customers, entities="customers")
    on_items = partial(handlers.on_serial_items, ctx)
    for item_event in (
        catalog.SerialItemRegistered,
        catalog.SerialItemChanged,
        catalog.SerialItemOwnerChanged,
    ):
        catalog_events.on_batch(item_event, on_items)
    catalog_events.on_batch(catalog.SerialItemsRegistered, on_items, entities="items")
    for product_event in (catalog.ProductRegistered, catalog.ProductChanged):
        catalog_events.on(product_event, partial(handlers.on_product, ctx))
    catalog_events.on(catalog.OrgUnitChanged, org_unit_projector(tables.org_unit))
    runtime.add_consumer(catalog_events)
