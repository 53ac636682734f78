"""Use cases of cases: closing one (at a service order, by hand, with its campaign).

``close_case`` is shared with the other packages: field work's completions close the cases
ticked done (``service_orders``), and closing a campaign closes its open cases
(``drives``). The HTTP use cases of templates and parent cases live in ``templates`` and
``parents``; reads in ``queries``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update

from aftersales_contracts.campaigns import CampaignCaseClosed, CaseOutcome
from aftersales_kit.problems import NotFound
from aftersales_kit.uow import UnitOfWork
from campaigns import tables
from campaigns.cases.domain import CaseStatus, ClosedHow
from campaigns.context import Context

__all__ = ["close_case", "closed_event"]


async def close_case(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    *,
    how: str,
    by: str | None,
    reason: str | None = None,
    service_order_id: uuid.UUID | None = None,
    service_order_number: str | None = None,
    outcome: CaseOutcome = CaseOutcome.COMPLETED,
) -> bool:
    """Close the case ``case_id``: status closed, ``closed_at`` from the clock, by whom, how
    (a ``ClosedHow``: "service_order", "manual", "campaign_closed"), the reason and the
    service order; its version raised. A campaign case (one with a campaign and a serial
    item) also publishes ``CampaignCaseClosed`` through the outbox, so catalog drops the
    serial item's mark and field work stops offering it.

    Idempotent: True when this call closed the case, False when it was already closed
    (nothing is changed or published again; a closed case never reopens). Raises
    ``NotFound`` for an unknown id.

    Does NOT commit: the caller commits ``uow`` (with whatever else it changes, the
    outbox row included). Safe under concurrency: the update only matches an open row, so
    of two closes racing only one closes and publishes.
    """
    how = ClosedHow(how).value  # a typo is a programming error: ValueError, not a 4xx
    now = ctx.clock.now()
    c = tables.case.c
    closed = (
        (
            await uow.session.execute(
                update(tables.case)
                .where(c.id == case_id, c.status == CaseStatus.OPEN.value)
                .values(
                    status=CaseStatus.CLOSED.value,
                    version=c.version + 1,
                    updated_at=now,
                    closed_at=now,
                    closed_by=by,
                    closed_how=how,
                    close_reason=reason,
                    service_order_id=service_order_id,
                    service_order_number=service_order_number,
                )
                .returning(tables.case)
            )
        )
        .mappings()
        .first()
    )
    if closed is None:
        exists = await uow.session.scalar(select(c.id).where(c.id == case_id))
        if exists is None:
            raise NotFound(f"no case with id {case_id}", field="case_id")
        return False
    if closed["campaign_id"] is not None and closed["serial_item_id"] is not None:
        uow.publish(await closed_event(uow, closed, outcome))
    return True


async def closed_event(
    uow: UnitOfWork, row: Any, outcome: CaseOutcome = CaseOutcome.COMPLETED
) -> CampaignCaseClosed:
    """The ``CampaignCaseClosed`` of a closed campaign case row, with its campaign's code
    and name (read from the campaign table: consumers keep their projections without
    calling back)."""
    cp = tables.campaign.c
    campaign = (
        (await uow.session.execute(select(cp.code, cp.name).where(cp.id == row["campaign_id"])))
        .mappings()
        .one()
    )
    return CampaignCaseClosed(
        case_id=row["id"],
        campaign_id=row["campaign_id"],
        serial_item_id=row["serial_item_id"],
        campaign_code=campaign["code"],
        campaign_name=campaign["name"],
        outcome=outcome,
        case_number=row["number"],
        closed_at=row["closed_at"],
        service_order_id=row["service_order_id"],
        service_order_number=row["service_order_number"],
        reason=row["close_reason"],
    )
