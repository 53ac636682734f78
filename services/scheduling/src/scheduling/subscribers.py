"""Scheduling's consumers: which queue feeds which use case."""

from __future__ import annotations

from functools import partial
from typing import Any

from aftersales_contracts import catalog, fieldwork, notifications, servicetypes, topology
from aftersales_contracts.envelope import Envelope
from aftersales_kit.inbox import Consumer
from aftersales_kit.org_units import org_unit_projector
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from scheduling import projections, results, service_orders, tables
from scheduling.context import Context


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    catalog_events = Consumer(topology.SCHEDULING_CATALOG_EVENTS, runtime.uow)
    # Customer and item snapshots come in bulk after an import (a set event for each
    # batch of rows it created): a batch per transaction.
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
    catalog_events.on(catalog.OrgUnitChanged, org_unit_projector(tables.org_unit))
    runtime.add_consumer(catalog_events)

    type_events = Consumer(topology.SCHEDULING_SERVICE_TYPE_EVENTS, runtime.uow)
    type_events.on(
        servicetypes.ServiceTypeChanged, partial(projections.on_service_type_changed, ctx)
    )
    runtime.add_consumer(type_events)

    # Every result on the events exchange comes here, other requesters' too: a batch per
    # transaction, each result read in its own trace, the callouts locked in one order.
    results_consumer = Consumer(
        topology.SCHEDULING_NOTIFICATION_RESULTS, runtime.uow, batch_wait_seconds=0.02
    )

    # Envelope[Any]: one handler for three payload classes (Envelope is invariant).
    async def on_results(uow: UnitOfWork, envelopes: list[Envelope[Any]]) -> None:
        await results.record(
            ctx, uow, envelopes, lambda envelope: results_consumer.serving(uow, envelope)
        )

    for result in (
        notifications.MessageSent,
        notifications.MessageFailed,
        notifications.MessageBlocked,
    ):
        results_consumer.on_batch(result, on_results)
    runtime.add_consumer(results_consumer)

    # The orders field work opened for callouts ("create service order"), and how they end.
    order_events = Consumer(topology.SCHEDULING_FIELDWORK_EVENTS, runtime.uow)
    order_events.on(fieldwork.ServiceOrderCreated, partial(service_orders.on_order_created, ctx))
    order_events.on(
        fieldwork.ServiceOrderCompleted, partial(service_orders.on_order_completed, ctx)
    )
    order_events.on(
        fieldwork.ServiceOrderCancelled, partial(service_orders.on_order_cancelled, ctx)
    )
    runtime.add_consumer(order_events)
