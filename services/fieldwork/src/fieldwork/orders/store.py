"""Reading and writing an order's rows for the use cases: the order under its lock, its
standing bookings, its time zone, its history rows, and settling a new stage/status."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_contracts.fieldwork import Stage, TechnicianStatus
from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from fieldwork import tables
from fieldwork.context import Context
from fieldwork.orders import domain
from fieldwork.visibility import Scope

SO = tables.service_order.c
B = tables.booking.c

STANDING = "standing"
MISSED = "missed"
RELEASED = "released"


class OrderNotFound(NotFound):
    pass


class OrderClosed(Conflict):
    """A completed or cancelled order: nothing changes it any more."""


async def find_order(
    uow: UnitOfWork, order_id: uuid.UUID, scope: Scope | None, *, lock: bool
) -> RowMapping:
    """The order's row (under ``FOR UPDATE`` when ``lock``); 404 when it does not exist or
    the caller may not see it (``scope`` None: a system caller sees every order)."""
    query = select(tables.service_order).where(SO.id == order_id)
    if scope is not None:
        query = query.where(scope.orders_clause())
    if lock:
        query = query.with_for_update(of=tables.service_order)
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise OrderNotFound(f"no service order with id {order_id}")
    return row


async def lock_for_change(
    uow: UnitOfWork, order_id: uuid.UUID, scope: Scope | None, expected: int | None
) -> RowMapping:
    """The order locked for a change, its version checked (412 when stale)."""
    row = await find_order(uow, order_id, scope, lock=True)
    check_version(row["version"], expected)
    return row


def refuse_if_closed(row: RowMapping) -> None:
    stage = Stage(row["stage"])
    if stage in domain.FINAL_STAGES:
        raise OrderClosed(
            f"the order is {stage.value}: it can no longer be changed", current_stage=stage.value
        )


def status_of(row: RowMapping) -> TechnicianStatus | None:
    return TechnicianStatus(row["status"]) if row["status"] else None


async def standing_count(session: AsyncSession, order_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count()).where(B.order_id == order_id, B.state == STANDING)
    )
    return int(count or 0)


async def state_of(session: AsyncSession, row: RowMapping) -> domain.OrderState:
    return domain.OrderState(
        Stage(row["stage"]),
        status_of(row),
        row["technician_id"] is not None,
        await standing_count(session, row["id"]),
    )


async def zone_of(session: AsyncSession, ctx: Context, org_unit_id: uuid.UUID | None) -> ZoneInfo:
    """The order's time zone: its org unit's, else the service's default."""
    if org_unit_id is not None:
        name = await session.scalar(
            select(tables.org_unit.c.time_zone).where(tables.org_unit.c.id == org_unit_id)
        )
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
    return ctx.zone


@dataclass
class Recorder:
    """Writes an order's history rows, all stamped with one instant and one author."""

    session: AsyncSession
    order_id: uuid.UUID
    at: datetime
    by: str | None

    async def __call__(
        self,
        kind: str,
        *,
        from_value: str | None = None,
        to_value: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        await self.session.execute(
            tables.order_history.insert().values(
                order_id=self.order_id,
                at=self.at,
                by=self.by,
                kind=kind,
                from_value=from_value,
                to_value=to_value,
                detail=dict(detail or {}),
            )
        )


async def booked_from(session: AsyncSession, order_id: uuid.UUID) -> datetime | None:
    value: datetime | None = await session.scalar(
        select(func.min(B.starts_at)).where(B.order_id == order_id, B.state == STANDING)
    )
    return value


async def settle(
    session: AsyncSession,
    row: RowMapping,
    new: domain.OrderState,
    record: Recorder,
    *,
    values: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Write the order's new stage and status (and ``values``), bump its version, keep
    ``booked_from`` and record a ``status`` and a ``stage`` history row for what moved.
    Returns the new version."""
    old_status = status_of(row)
    old_stage = Stage(row["stage"])
    if new.status != old_status:
        await record(
            "status",
            from_value=old_status.value if old_status else None,
            to_value=new.status.value if new.status else None,
            detail=detail,
        )
    if new.stage is not old_stage:
        await record("stage", from_value=old_stage.value, to_value=new.stage.value, detail=detail)
    version = int(row["version"]) + 1
    await session.execute(
        update(tables.service_order)
        .where(SO.id == row["id"])
        .values(
            {
                **(values or {}),
                "stage": new.stage.value,
                "status": new.status.value if new.status else None,
                "version": version,
                "updated_at": record.at,
                "booked_from": await booked_from(session, row["id"]),
            }
        )
    )
    return version
