"""The resources' consumers: catalog's customers, serial items, products and org units, and
servicetypes' service types, into field work's projections."""

from __future__ import annotations

from functools import partial

from aftersales_contracts import catalog, servicetypes, topology
from aftersales_kit.inbox import Consumer
from aftersales_kit.org_units import org_unit_projector
from aftersales_kit.runtime import ServiceRuntime
from fieldwork import tables
from fieldwork.context import Context
from fieldwork.resources import projections


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""
    catalog_events = Consumer(topology.FIELDWORK_CATALOG_EVENTS, runtime.uow)
    # Customers and items come in bulk after an import (a set event for each batch of
    # rows it created): a batch per transaction.
    on_customers = partial(projections.on_customers, ctx)
    for customer_event in (catalog.CustomerRegistered, catalog.CustomerChanged):
        catalog_events.on_batch(customer_event, on_customers)
    catalog_events.on_batch(catalog.CustomersRegistered, on_customers, entities="customers")
    on_items = partial(projections.on_serial_items, ctx)
    for item_event in (
        catalog.SerialItemRegistered,
        catalog.SerialItemChanged,
        catalog.SerialItemOwnerChanged,
    ):
        catalog_events.on_batch(item_event, on_items)
    catalog_events.on_batch(catalog.SerialItemsRegistered, on_items, entities="items")
    for product_event in (catalog.ProductRegistered, catalog.ProductChanged):
        catalog_events.on_batch(product_event, partial(projections.on_products, ctx))
    catalog_events.on(catalog.OrgUnitChanged, org_unit_projector(tables.org_unit))
    runtime.add_consumer(catalog_events)

    type_events = Consumer(topology.FIELDWORK_SERVICE_TYPE_EVENTS, runtime.uow)
    type_events.on(
        servicetypes.ServiceTypeChanged, partial(projections.on_service_type_changed, ctx)
    )
    runtime.add_consumer(type_events)
