"""Scheduling's "create service order": open the callout's order through the orders
package's own use case, at most one per callout; a command whose customer or serial item
has not reached field work's projections yet waits (``waiting_callout_order``) and is
opened by the retry loop once both have arrived, never dead-lettered for it."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_contracts.fieldwork import OpenServiceOrder
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.callouts import domain
from fieldwork.context import Context
from fieldwork.orders.handlers import create_order
from fieldwork.orders.schemas import OrderDraft

log = logging.getLogger(__name__)

SO = tables.service_order.c
W = tables.waiting_callout_order.c
# The retry loop opens at most this many waiting orders per pass.
RETRY_BATCH = 50


async def open_for_callout(
    ctx: Context, uow: UnitOfWork, command: OpenServiceOrder
) -> uuid.UUID | None:
    """The callout's order: the one it has already (a redelivery or a repeat opens
    nothing new), else a new one (``create_order`` commits it with its events); None
    when it waits for its customer or serial item (the caller commits the wait)."""
    session = uow.session
    existing: uuid.UUID | None = await session.scalar(
        select(SO.id).where(SO.callout_id == command.callout_id)
    )
    if existing is not None:
        await _forget(session, command.callout_id)
        log.info(
            "callout has its service order already",
            extra={"callout_id": str(command.callout_id), "order_id": str(existing)},
        )
        return existing
    known = await _known(session, command)
    waiting_for = domain.waiting_for(command, known)
    if waiting_for is not None:
        await _wait(ctx, session, command, waiting_for)
        log.info(
            "service order waits for field work's projections",
            extra={"callout_id": str(command.callout_id), "waiting_for": waiting_for},
        )
        return None
    await _forget(session, command.callout_id)
    draft = OrderDraft.model_validate(domain.draft_fields(command, known))
    view = await create_order(uow, ctx, draft, by=command.requested_by, scope=None)
    return view.id


async def _known(session: AsyncSession, command: OpenServiceOrder) -> domain.Known:
    """Which of the command's references field work's projections hold."""

    async def exists(table: Any, key: uuid.UUID | None) -> bool:
        if key is None:
            return False
        return await session.scalar(select(table.c.id).where(table.c.id == key)) is not None

    return domain.Known(
        customer=await exists(tables.customer, command.customer_id),
        serial_item=await exists(tables.serial_item, command.serial_item_id),
        service_type=await exists(tables.service_type, command.service_type_id),
        org_unit=await exists(tables.org_unit, command.org_unit_id),
    )


async def _wait(
    ctx: Context, session: AsyncSession, command: OpenServiceOrder, waiting_for: str
) -> None:
    now = ctx.clock.now()
    statement = insert(tables.waiting_callout_order).values(
        callout_id=command.callout_id,
        command=command.model_dump(mode="json"),
        waiting_for=waiting_for,
        received_at=now,
        tried_at=now,
    )
    # A repeat of the command: the newest one waits, counted.
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[W.callout_id],
            set_={
                "command": statement.excluded.command,
                "waiting_for": statement.excluded.waiting_for,
                "tried_at": now,
                "attempts": tables.waiting_callout_order.c.attempts + 1,
            },
        )
    )


async def _forget(session: AsyncSession, callout_id: uuid.UUID) -> None:
    await session.execute(tables.waiting_callout_order.delete().where(W.callout_id == callout_id))


async def open_waiting(ctx: Context, runtime: ServiceRuntime) -> int:
    """One pass of the retry loop: open the waiting orders whose customer and serial item
    have arrived, each in its own transaction; how many were opened."""
    customer, item = tables.customer.c, tables.serial_item.c
    ready = (
        select(tables.waiting_callout_order.c.callout_id)
        .join(
            tables.customer, customer.id == W.command["customer_id"].astext.cast(customer.id.type)
        )
        .join(tables.serial_item, item.id == W.command["serial_item_id"].astext.cast(item.id.type))
        .order_by(W.received_at)
        .limit(RETRY_BATCH)
    )
    async with runtime.uow() as uow:
        callout_ids = list(await uow.session.scalars(ready))
    opened = 0
    for callout_id in callout_ids:
        try:
            async with runtime.uow() as uow:
                row = (
                    await uow.session.execute(
                        select(tables.waiting_callout_order)
                        .where(W.callout_id == callout_id)
                        .with_for_update(skip_locked=True)
                    )
                ).first()
                if row is None:
                    continue  # opened meanwhile (a redelivery, another replica)
                command = OpenServiceOrder.model_validate(row.command)
                if await open_for_callout(ctx, uow, command) is not None:
                    opened += 1
                await uow.commit()
        except Exception:
            # One order that cannot be opened must not hold up the others; it stays and
            # is tried again on the next pass.
            log.exception("waiting service order not opened", extra={"callout_id": str(callout_id)})
    return opened
