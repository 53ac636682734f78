"""The background loops: the due dispatcher, planning runs and the rolling horizon.
Scheduled callouts live in PostgreSQL, never in a held message."""

from __future__ import annotations

import asyncio

from aftersales_kit.runtime import ServiceRuntime
from scheduling import actions, digest, dispatch
from scheduling.context import Context


async def dispatch_forever(runtime: ServiceRuntime, ctx: Context) -> None:
    while True:
        async with runtime.uow() as uow:
            sent = await dispatch.dispatch_due(ctx, uow)
        if sent < ctx.settings.dispatch_batch_size:
            await asyncio.sleep(ctx.settings.dispatch_interval_seconds)


async def extend_horizon_forever(runtime: ServiceRuntime, ctx: Context) -> None:
    """Plans the next occurrences of workflows that fell behind the horizon: a pass over
    every such workflow, batch by batch, then a pause (an hour by default; a workflow is
    extended once a day, when the horizon moves)."""
    while True:
        async with runtime.uow() as uow:
            examined = await ctx.planner.extend_horizon(uow)
        if examined < ctx.settings.horizon_batch_size:
            await asyncio.sleep(ctx.settings.horizon_interval_seconds)


async def continue_planning_forever(runtime: ServiceRuntime, ctx: Context) -> None:
    """Plans the service types whose new version is not yet planned for all their items,
    one committed batch per transaction, without pausing while there is work."""
    while True:
        async with runtime.uow() as uow:
            worked = await ctx.planner.continue_runs(uow)
        if not worked:
            await asyncio.sleep(ctx.settings.planning_interval_seconds)


async def compile_digests_forever(runtime: ServiceRuntime, ctx: Context) -> None:
    """Compiles each org unit's daily digest once its local digest time has come (once
    per org unit and day: the ``callout_digest`` row)."""
    while True:
        async with runtime.uow() as uow:
            await digest.compile_due(ctx, uow)
        await asyncio.sleep(ctx.settings.digest_interval_seconds)


async def time_out_customer_waits_forever(runtime: ServiceRuntime, ctx: Context) -> None:
    """Ends the waits of "update recipient" for a customer version that has not come
    within ``recipient_update_timeout_hours`` (the callout shows the error)."""
    while True:
        async with runtime.uow() as uow:
            examined = await actions.time_out_customer_waits(ctx, uow)
        if examined < ctx.settings.dispatch_batch_size:
            await asyncio.sleep(ctx.settings.recipient_wait_interval_seconds)
