"""This feature's consumer: field work's completed orders close the campaign cases ticked
done at them."""

from __future__ import annotations

from functools import partial

from aftersales_contracts import fieldwork, topology
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from campaigns.context import Context
from campaigns.service_orders import handlers


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""
    fieldwork_events = Consumer(topology.CAMPAIGNS_FIELDWORK_EVENTS, runtime.uow)
    fieldwork_events.on(
        fieldwork.ServiceOrderCompleted, partial(handlers.on_service_order_completed, ctx)
    )
    runtime.add_consumer(fieldwork_events)
