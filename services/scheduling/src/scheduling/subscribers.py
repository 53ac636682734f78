"""Scheduling's consumers: which queue feeds which use case."""

from __future__ import annotations

from aftersales_contracts import catalog, notifications, servicetypes, topology
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from scheduling.handlers import Scheduler


def register(runtime: ServiceRuntime, scheduler: Scheduler) -> None:
    catalog_events = Consumer(topology.SCHEDULING_CATALOG_EVENTS, runtime.uow)
    # Customer and item snapshots come in bulk after an import: a batch per transaction.
    for customer_event in (catalog.CustomerRegistered, catalog.CustomerChanged):
        catalog_events.on_batch(customer_event, scheduler.on_customers)
    for item_event in (
        catalog.SerialItemRegistered,
        catalog.SerialItemChanged,
        catalog.SerialItemOwnerChanged,
    ):
        catalog_events.on_batch(item_event, scheduler.on_serial_items)
    catalog_events.on(catalog.OrgUnitChanged, scheduler.on_org_unit_changed)
    runtime.add_consumer(catalog_events)

    type_events = Consumer(topology.SCHEDULING_SERVICE_TYPE_EVENTS, runtime.uow)
    type_events.on(servicetypes.ServiceTypeChanged, scheduler.on_service_type_changed)
    runtime.add_consumer(type_events)

    results = Consumer(topology.SCHEDULING_NOTIFICATION_RESULTS, runtime.uow)
    results.on(notifications.MessageSent, scheduler.on_message_sent)
    results.on(notifications.MessageFailed, scheduler.on_message_failed)
    results.on(notifications.MessageBlocked, scheduler.on_message_blocked)
    runtime.add_consumer(results)
