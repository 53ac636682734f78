"""The dispatcher loop: scheduled callouts live in PostgreSQL, never in a held message."""

from __future__ import annotations

import asyncio

from aftersales_kit.runtime import ServiceRuntime
from scheduling.handlers import Scheduler


async def dispatch_forever(runtime: ServiceRuntime, scheduler: Scheduler) -> None:
    while True:
        async with runtime.uow() as uow:
            sent = await scheduler.dispatch_due(uow)
        if sent < scheduler.settings.dispatch_batch_size:
            await asyncio.sleep(scheduler.settings.dispatch_interval_seconds)
