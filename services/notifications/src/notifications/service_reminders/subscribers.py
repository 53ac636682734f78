"""The consumer of scheduling's daily callout digests: users told of them."""

from __future__ import annotations

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.scheduling import CalloutDigestCompiled
from aftersales_contracts.topology import NOTIFICATIONS_SCHEDULING_EVENTS
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from notifications.service_reminders import handlers


async def on_callout_digest(uow: UnitOfWork, envelope: Envelope[CalloutDigestCompiled]) -> None:
    await handlers.tell_users(uow, envelope.payload)


def consumers(runtime: ServiceRuntime) -> list[Consumer]:
    events = Consumer(NOTIFICATIONS_SCHEDULING_EVENTS, runtime.uow)
    events.on(CalloutDigestCompiled, on_callout_digest)
    return [events]
