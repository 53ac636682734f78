"""The consumer of field work's order events: users told of them."""

from __future__ import annotations

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.fieldwork import (
    ServiceOrderBooked,
    ServiceOrderChanged,
    ServiceOrderCreated,
)
from aftersales_contracts.topology import NOTIFICATIONS_FIELDWORK_EVENTS
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from notifications.fieldwork_events import handlers


async def on_order_created(uow: UnitOfWork, envelope: Envelope[ServiceOrderCreated]) -> None:
    await handlers.tell_users(uow, envelope.message_id, envelope.type, envelope.payload)


async def on_order_changed(uow: UnitOfWork, envelope: Envelope[ServiceOrderChanged]) -> None:
    await handlers.tell_users(uow, envelope.message_id, envelope.type, envelope.payload)


async def on_order_booked(uow: UnitOfWork, envelope: Envelope[ServiceOrderBooked]) -> None:
    await handlers.tell_users(uow, envelope.message_id, envelope.type, envelope.payload)


def consumers(runtime: ServiceRuntime) -> list[Consumer]:
    events = Consumer(NOTIFICATIONS_FIELDWORK_EVENTS, runtime.uow)
    events.on(ServiceOrderCreated, on_order_created)
    events.on(ServiceOrderChanged, on_order_changed)
    events.on(ServiceOrderBooked, on_order_booked)
    return [events]
