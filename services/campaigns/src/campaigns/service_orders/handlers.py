"""Closing campaign cases at the next service: a completed service order names the cases
the technician ticked as done (``campaign_case_ids_done``); each still open, and of a
serial item the order concerns, is closed "at service order SO-…" through
``cases.handlers.close_case`` (which publishes ``CampaignCaseClosed``), in the consumer's
unit of work. The cases not ticked stay open.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from aftersales_contracts.campaigns import CaseOutcome
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.fieldwork import ServiceOrderCompleted
from aftersales_kit.uow import UnitOfWork
from campaigns import tables
from campaigns.cases.domain import CaseStatus, ClosedHow
from campaigns.cases.handlers import close_case
from campaigns.context import Context

log = logging.getLogger(__name__)


async def on_service_order_completed(
    ctx: Context, uow: UnitOfWork, envelope: Envelope[ServiceOrderCompleted]
) -> None:
    """Close the open campaign cases the order names as done. Ids that name no case, a
    closed case (a redelivery, or closed by hand meanwhile) or a case of a serial item the
    order does not concern are skipped: the event is a fact about the order, not a
    command campaigns could refuse."""
    event = envelope.payload
    done = list(dict.fromkeys(event.campaign_case_ids_done))  # once each, in order
    if not done:
        return
    order = event.order
    items = set(order.service_object_ids)
    if order.serial_item_id is not None:
        items.add(order.serial_item_id)
    c = tables.case.c
    rows = (
        await uow.session.execute(
            select(c.id, c.serial_item_id)
            .where(
                c.id.in_(done),
                c.status == CaseStatus.OPEN.value,
                c.campaign_id.is_not(None),
            )
            .order_by(c.id)  # one lock order for concurrent completions: no deadlocks
        )
    ).all()
    for case_id, serial_item_id in rows:
        if serial_item_id not in items:
            # Field work only offers the cases of the order's items; a mismatch is a bug
            # or a stale projection there, and must not close another item's case.
            log.warning(
                "service order %s names campaign case %s of another serial item; left open",
                order.number,
                case_id,
            )
            continue
        await close_case(
            uow,
            ctx,
            case_id,
            how=ClosedHow.SERVICE_ORDER.value,
            by=event.changed_by,
            service_order_id=order.order_id,
            service_order_number=order.number,
            outcome=CaseOutcome.COMPLETED,
        )
