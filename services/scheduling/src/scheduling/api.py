"""Scheduling's HTTP routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from aftersales_kit.http import UnitOfWorkDep
from scheduling import handlers
from scheduling.domain import CalloutState
from scheduling.handlers import Scheduler
from scheduling.schemas import CalloutOut

callouts = APIRouter(prefix="/callouts", tags=["callouts"])


def _scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler = request.app.state.scheduler
    return scheduler


@callouts.get("")
async def list_callouts(
    uow: UnitOfWorkDep,
    serial_item_id: uuid.UUID | None = None,
    service_type_id: uuid.UUID | None = None,
    state: CalloutState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CalloutOut]:
    rows = await handlers.list_callouts(
        uow,
        serial_item_id=serial_item_id,
        service_type_id=service_type_id,
        state=state,
        limit=limit,
    )
    return [CalloutOut.model_validate(r) for r in rows]


@callouts.get("/{callout_id}")
async def get_callout(callout_id: uuid.UUID, uow: UnitOfWorkDep) -> CalloutOut:
    return CalloutOut.model_validate(await handlers.get_callout(uow, callout_id))


@callouts.post("/{callout_id}/approve")
async def approve_callout(
    callout_id: uuid.UUID, uow: UnitOfWorkDep, request: Request
) -> CalloutOut:
    return CalloutOut.model_validate(await _scheduler(request).approve(uow, callout_id))


routers = [callouts]
