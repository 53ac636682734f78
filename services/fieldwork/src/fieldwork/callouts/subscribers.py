"""The callouts feature's consumer and loop: scheduling's open-service-order commands,
and the retry of those that wait for their customer or serial item."""

from __future__ import annotations

import asyncio

from aftersales_contracts import fieldwork, topology
from aftersales_contracts.envelope import Envelope
from aftersales_kit.inbox import Consumer
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from fieldwork.callouts import handlers
from fieldwork.context import Context

# How often waiting orders are looked at: catalog's events arrive within seconds.
RETRY_SECONDS = 2.0


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""

    async def on_open(uow: UnitOfWork, envelope: Envelope[fieldwork.OpenServiceOrder]) -> None:
        await handlers.open_for_callout(ctx, uow, envelope.payload)

    commands = Consumer(topology.FIELDWORK_COMMANDS, runtime.uow)
    commands.on(fieldwork.OpenServiceOrder, on_open)
    runtime.add_consumer(commands)

    async def retry_forever() -> None:
        while True:
            opened = await handlers.open_waiting(ctx, runtime)
            if opened < handlers.RETRY_BATCH:
                await asyncio.sleep(RETRY_SECONDS)

    runtime.add_loop("callout-orders", retry_forever)
