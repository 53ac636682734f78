"""The daily digest of each org unit's callouts that need someone (seed 004's "service
reminder"): once a day per org unit, at the org unit's local digest time, the callouts
awaiting approval or failed, published as ``CalloutDigestCompiled`` for notifications to
tell the users who chose it. The ``callout_digest`` row makes it once per org unit and
local day, however many replicas look and however often."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.scheduling import (
    MAX_DIGEST_CALLOUTS,
    CalloutDigestCompiled,
    DigestCallout,
)
from aftersales_kit.uow import UnitOfWork
from scheduling import tables
from scheduling.context import Context
from scheduling.domain import CalloutState

AWAITING = (CalloutState.AWAITING_APPROVAL,)
FAILED = (CalloutState.FAILED, CalloutState.FAILED_AT_COMPLETION)
# The key of the callouts without an org unit.
NO_ORG_UNIT = ""


def due_day(now: datetime, zone: ZoneInfo, at: time) -> date | None:
    """The local day whose digest is due at ``now`` (from ``at`` local time on), or None
    before ``at``. Pure."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= at else None


async def compile_due(ctx: Context, uow: UnitOfWork) -> int:
    """Compile and publish every org unit's digest that is due and not yet compiled
    today (local day); an org unit with nothing awaiting or failed gets none. Returns how
    many were published."""
    now = ctx.clock.now()
    c, unit = tables.callout, tables.org_unit
    counts = (
        await uow.session.execute(
            select(
                c.c.org_unit,
                func.count().filter(c.c.state.in_(AWAITING)).label("awaiting"),
                func.count().filter(c.c.state.in_(FAILED)).label("failed"),
            )
            .where(c.c.state.in_((*AWAITING, *FAILED)))
            .group_by(c.c.org_unit)
        )
    ).all()
    units = {
        r.code: r
        for r in (
            await uow.session.execute(
                select(unit.c.code, unit.c.id, unit.c.time_zone).where(
                    unit.c.code.in_([r.org_unit for r in counts if r.org_unit is not None])
                )
            )
        ).all()
    }
    published = 0
    for row in counts:
        known = units.get(row.org_unit) if row.org_unit is not None else None
        zone = _zone(known.time_zone if known is not None else None, ctx)
        day = due_day(now, zone, ctx.settings.digest_time)
        if day is None:
            continue
        claimed = await uow.session.scalar(
            insert(tables.callout_digest)
            .values(
                org_unit_code=row.org_unit or NO_ORG_UNIT,
                day=day,
                compiled_at=now,
                awaiting_approval=row.awaiting,
                failed=row.failed,
            )
            .on_conflict_do_nothing()
            .returning(tables.callout_digest.c.day)
        )
        if claimed is None:
            continue  # compiled today already (here or by another replica)
        uow.publish(
            CalloutDigestCompiled(
                org_unit_id=known.id if known is not None else None,
                org_unit_code=row.org_unit,
                day=day,
                awaiting_approval=row.awaiting,
                failed=row.failed,
                callouts=await _first_callouts(uow, row.org_unit),
            )
        )
        published += 1
    await uow.commit()
    return published


def _zone(name: str | None, ctx: Context) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ctx.zone
    except (ValueError, KeyError):  # a zone this machine does not know: the service's
        return ctx.zone


async def _first_callouts(uow: UnitOfWork, org_unit: str | None) -> list[DigestCallout]:
    c, item, cust = tables.callout, tables.serial_item, tables.customer
    query: Any = (
        select(
            c.c.id,
            c.c.state,
            c.c.scheduled_for,
            c.c.service_type_name,
            c.c.step_description,
            item.c.serial_number,
            cust.c.name.label("customer_name"),
        )
        .select_from(
            c.join(item, item.c.id == c.c.serial_item_id).outerjoin(
                cust, cust.c.id == c.c.customer_id
            )
        )
        .where(
            c.c.state.in_((*AWAITING, *FAILED)),
            c.c.org_unit.is_(None) if org_unit is None else c.c.org_unit == org_unit,
        )
        .order_by(c.c.scheduled_for, c.c.id)
        .limit(MAX_DIGEST_CALLOUTS)
    )
    return [
        DigestCallout(
            callout_id=r.id,
            state=r.state,
            scheduled_for=r.scheduled_for,
            service_type_name=r.service_type_name,
            step_description=r.step_description,
            serial_number=r.serial_number,
            customer_name=r.customer_name,
        )
        for r in (await uow.session.execute(query)).all()
    ]
