"""Sending windows (the "communication workflow settings"): when each org unit's callouts
may be sent, in its time zone; the service-wide window for the rest."""

from __future__ import annotations

from datetime import time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Row, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.problems import NotFound
from aftersales_kit.uow import UnitOfWork
from scheduling import domain, queries, tables
from scheduling.context import Context
from scheduling.domain import CalloutState
from scheduling.planning import zone_named


def default_window(ctx: Context, zone: ZoneInfo | None = None) -> domain.SendingWindow:
    """The service-wide window (settings), for items without org-unit settings."""
    s = ctx.settings
    return domain.SendingWindow(
        domain.ALL_WEEKDAYS, s.sending_window_start, s.sending_window_end, zone or ctx.zone
    )


async def windows(
    ctx: Context, uow: UnitOfWork, codes: set[str | None]
) -> dict[str | None, domain.SendingWindow]:
    """Each org unit's sending window: its own settings in its own time zone, else the
    service-wide window (in the org unit's zone when known); None: no org unit."""
    known = sorted(code for code in codes if code is not None)
    zones: dict[str, ZoneInfo] = {}
    configured: dict[str, Row[Any]] = {}
    if known:
        ou, sw = tables.org_unit.c, tables.sending_window.c
        for code, name in (
            await uow.session.execute(select(ou.code, ou.time_zone).where(ou.code.in_(known)))
        ).all():
            zones[code] = zone_named(name) or ctx.zone
        for row in (
            await uow.session.execute(
                select(tables.sending_window).where(sw.org_unit_code.in_(known))
            )
        ).all():
            configured[row.org_unit_code] = row
    result: dict[str | None, domain.SendingWindow] = {}
    for code in codes:
        zone = zones.get(code) if code is not None else None
        own = configured.get(code) if code is not None else None
        if own is not None:
            result[code] = domain.SendingWindow(
                frozenset(own.weekdays), own.start_time, own.end_time, zone or ctx.zone
            )
        else:
            result[code] = default_window(ctx, zone)
    return result


async def sending_window(
    ctx: Context, uow: UnitOfWork, code: str, visible: queries.Visible = None
) -> dict[str, Any]:
    """An org unit's window: its own, or the service-wide default it falls back to."""
    zone = await _known_org_unit(ctx, uow, code, visible)
    row = (
        await uow.session.execute(
            select(tables.sending_window).where(tables.sending_window.c.org_unit_code == code)
        )
    ).first()
    window = (await windows(ctx, uow, {code}))[code]
    return {
        "org_unit_code": code,
        "time_zone": zone.key,
        "weekdays": sorted(window.weekdays),
        "start": window.start,
        "end": window.end,
        "configured": row is not None,
        "updated_at": row.updated_at if row else None,
        "updated_by": row.updated_by if row else None,
        "next_opening": window.next_opening(ctx.clock.now()),
    }


async def set_sending_window(
    ctx: Context,
    uow: UnitOfWork,
    code: str,
    weekdays: frozenset[int],
    start: time,
    end: time,
    actor: str,
    visible: queries.Visible = None,
) -> dict[str, Any]:
    zone = await _known_org_unit(ctx, uow, code, visible)
    values = {
        "org_unit_code": code,
        "weekdays": sorted(weekdays),
        "start_time": start,
        "end_time": end,
        "updated_at": ctx.clock.now(),
        "updated_by": actor,
    }
    statement = insert(tables.sending_window).values(values)
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["org_unit_code"],
            set_={k: statement.excluded[k] for k in values if k != "org_unit_code"},
        )
    )
    await _reconsider_deferred(uow, code, zone)
    await uow.commit()
    return await sending_window(ctx, uow, code, visible)


async def reset_sending_window(
    ctx: Context, uow: UnitOfWork, code: str, visible: queries.Visible = None
) -> dict[str, Any]:
    """Back to the service-wide default window."""
    zone = await _known_org_unit(ctx, uow, code, visible)
    await uow.session.execute(
        tables.sending_window.delete().where(tables.sending_window.c.org_unit_code == code)
    )
    await _reconsider_deferred(uow, code, zone)
    await uow.commit()
    return await sending_window(ctx, uow, code, visible)


async def _reconsider_deferred(uow: UnitOfWork, code: str, zone: ZoneInfo) -> None:
    """Callouts the old window deferred are due again from the start of their day (the
    dispatcher applies the new window); nothing already requested moves."""
    c = tables.callout.c
    start_of_day = func.timezone(zone.key, cast(c.scheduled_for, DateTime()))
    await uow.session.execute(
        update(tables.callout)
        .where(
            c.org_unit == code,
            c.state == CalloutState.APPROVED,
            c.send_requested_at.is_(None),
            c.due_at > start_of_day,
        )
        .values(due_at=func.least(c.due_at, start_of_day))
    )


async def _known_org_unit(
    ctx: Context, uow: UnitOfWork, code: str, visible: queries.Visible
) -> ZoneInfo:
    """The org unit's time zone; 404 for a code the projection does not know or the
    caller may not see."""
    name = await uow.session.scalar(
        select(tables.org_unit.c.time_zone).where(tables.org_unit.c.code == code).limit(1)
    )
    if name is None or not queries.may_see(visible, code):
        raise NotFound(f"no org unit with code {code!r}", field="org_unit_code")
    return zone_named(name) or ctx.zone
