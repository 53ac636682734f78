"""The order events a change publishes through the outbox, each with the order's snapshot
as it is after the change (read once, in the same transaction)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aftersales_contracts.fieldwork import (
    ServiceOrderBooked,
    ServiceOrderCancelled,
    ServiceOrderChanged,
    ServiceOrderCompleted,
    ServiceOrderCreated,
    ServiceOrderStageChanged,
    Stage,
)
from aftersales_kit.uow import UnitOfWork
from fieldwork.orders.snapshots import order_snapshot


@dataclass
class Happened:
    """What one use case did to an order, to be told: each flag one event."""

    created: bool = False
    changed_fields: list[str] = field(default_factory=list)
    assigned_technician_id: uuid.UUID | None = None
    booked: bool = False
    previous_stage: Stage | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    # The campaign cases ticked done at completion.
    campaign_case_ids_done: list[uuid.UUID] = field(default_factory=list)


async def publish(uow: UnitOfWork, order_id: uuid.UUID, by: str | None, what: Happened) -> None:
    """Record the events for ``what`` in the outbox (committed with the change)."""
    order = await order_snapshot(uow.session, order_id)
    if what.created:
        uow.publish(ServiceOrderCreated(order=order, changed_by=by))
    elif what.changed_fields:
        uow.publish(
            ServiceOrderChanged(
                order=order,
                changed_by=by,
                changed_fields=sorted(set(what.changed_fields)),
                assigned_technician_id=what.assigned_technician_id,
            )
        )
    if what.booked:
        uow.publish(ServiceOrderBooked(order=order, changed_by=by))
    if what.previous_stage is not None and what.previous_stage is not order.stage:
        uow.publish(
            ServiceOrderStageChanged(order=order, changed_by=by, previous_stage=what.previous_stage)
        )
    if what.completed_at is not None:
        uow.publish(
            ServiceOrderCompleted(
                order=order,
                changed_by=by,
                completed_at=what.completed_at,
                campaign_case_ids_done=what.campaign_case_ids_done,
            )
        )
    if what.cancelled_at is not None:
        uow.publish(
            ServiceOrderCancelled(order=order, changed_by=by, cancelled_at=what.cancelled_at)
        )
