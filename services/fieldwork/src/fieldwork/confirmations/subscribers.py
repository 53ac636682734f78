"""Booking confirmations' consumer: notifications' results move the sent log's entries."""

from __future__ import annotations

from aftersales_contracts import notifications, topology
from aftersales_contracts.envelope import Envelope
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from fieldwork.confirmations import handlers
from fieldwork.context import Context


async def on_message_sent(uow: UnitOfWork, envelope: Envelope[notifications.MessageSent]) -> None:
    await handlers.record_result(uow, envelope)


async def on_message_failed(
    uow: UnitOfWork, envelope: Envelope[notifications.MessageFailed]
) -> None:
    await handlers.record_result(uow, envelope)


async def on_message_blocked(
    uow: UnitOfWork, envelope: Envelope[notifications.MessageBlocked]
) -> None:
    await handlers.record_result(uow, envelope)


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""
    results = Consumer(topology.FIELDWORK_NOTIFICATION_RESULTS, runtime.uow)
    results.on(notifications.MessageSent, on_message_sent)
    results.on(notifications.MessageFailed, on_message_failed)
    results.on(notifications.MessageBlocked, on_message_blocked)
    runtime.add_consumer(results)
