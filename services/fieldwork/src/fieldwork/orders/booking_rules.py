"""Placing a booking under the rules of decision 72: the technician's row locked, then
overlaps with their other standing bookings and their working hours checked, refused with
a 409 naming each conflict unless the planner overrides (recorded on the booking)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_kit.problems import Conflict, Unprocessable
from fieldwork import tables
from fieldwork.orders.schemas import OverrideIn
from fieldwork.orders.store import STANDING, Recorder
from fieldwork.planning import domain as planning

B = tables.booking.c
T = tables.technician.c
SO = tables.service_order.c


class BookingConflict(Conflict):
    """An overlap or working hours; the problem's ``conflicts`` lists each."""


async def active_technician(
    session: AsyncSession, technician_id: uuid.UUID, field: str, *, lock: bool = False
) -> RowMapping:
    """The technician's row (``FOR UPDATE`` when ``lock``); 422 naming ``field`` when it
    does not exist or is inactive."""
    query = select(tables.technician).where(T.id == technician_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise Unprocessable(f"no technician with id {technician_id}", field=field)
    if not row["active"]:
        raise Unprocessable(f"technician {row['name']} is not active", field=field)
    return row


def localize(
    day: Any, start: Any, end: Any, zone: ZoneInfo, field_prefix: str
) -> planning.LocalBooking:
    try:
        return planning.localize(day, start, end, zone, field_prefix=field_prefix)
    except planning.InvalidBooking as error:
        raise Unprocessable(error.reason, field=error.field) from error


@dataclass(frozen=True)
class Placed:
    booking_id: uuid.UUID
    overrides: list[str]


async def _others(
    session: AsyncSession,
    technician_id: uuid.UUID,
    local: planning.LocalBooking,
    exclude: uuid.UUID | None,
) -> list[planning.StandingBooking]:
    query = (
        select(B.id, B.order_id, SO.number, B.starts_at, B.ends_at)
        .join(tables.service_order, SO.id == B.order_id)
        .where(
            B.technician_id == technician_id,
            B.state == STANDING,
            B.starts_at < local.ends_at,
            B.ends_at > local.starts_at,
        )
    )
    if exclude is not None:
        query = query.where(B.id != exclude)
    rows = await session.execute(query)
    return [planning.StandingBooking(*row) for row in rows.all()]


async def place_booking(
    session: AsyncSession,
    *,
    order_id: uuid.UUID,
    technician_id: uuid.UUID,
    local: planning.LocalBooking,
    override: OverrideIn | None,
    record: Recorder,
    field_prefix: str = "",
    booking_id: uuid.UUID | None = None,
) -> Placed:
    """Add a standing booking to the order (or move ``booking_id``) for ``technician_id``.

    The technician's row is locked first (``SELECT ... FOR UPDATE``), so two planners
    booking the same technician at once are checked one after the other, each seeing the
    other's booking. Refused (409 with ``conflicts``) on an overlap with another standing
    booking or outside working hours, unless ``override`` is given: then what was
    overridden, why and by whom is stored on the booking and in the history."""
    technician = await active_technician(
        session, technician_id, f"{field_prefix}technician_id", lock=True
    )
    working_hours: Mapping[str, Any] = technician["working_hours"] or {}
    found = planning.clashes(
        local, await _others(session, technician_id, local, booking_id), working_hours
    )
    if found and override is None:
        raise BookingConflict(
            "; ".join(c.detail for c in found) + ". Send override with a reason to book it anyway.",
            conflicts=[c.member for c in found],
        )
    overrides = sorted({c.kind for c in found})
    reason = override.reason if found and override is not None else None
    values: dict[str, Any] = {
        "technician_id": technician_id,
        "starts_at": local.starts_at,
        "ends_at": local.ends_at,
        "local_date": local.local_date,
        "local_start": local.local_start,
        "local_end": local.local_end,
        "overrides": overrides,
        "override_reason": reason,
        "updated_at": record.at,
    }
    if booking_id is None:
        booking_id = uuid.uuid4()
        await session.execute(
            tables.booking.insert().values(
                id=booking_id,
                order_id=order_id,
                state=STANDING,
                created_at=record.at,
                created_by=record.by,
                **values,
            )
        )
        action = "added"
    else:
        await session.execute(update(tables.booking).where(B.id == booking_id).values(values))
        action = "changed"
    detail: dict[str, Any] = {
        "action": action,
        "booking_id": str(booking_id),
        "technician_id": str(technician_id),
        "starts_at": local.starts_at.isoformat(),
        "ends_at": local.ends_at.isoformat(),
        "local_date": local.local_date.isoformat(),
        "local_start": local.local_start.isoformat("minutes"),
        "local_end": local.local_end.isoformat("minutes"),
    }
    if overrides:
        detail |= {
            "overrides": overrides,
            "override_reason": reason,
            "conflicts": [c.member for c in found],
        }
    await record("booking", detail=detail)
    return Placed(booking_id, overrides)


async def release_booking(
    session: AsyncSession, booking_id: uuid.UUID, record: Recorder, *, now: datetime, why: str
) -> None:
    """A standing booking no longer holds the technician's time (removed, or the order
    went back to New)."""
    await session.execute(
        update(tables.booking).where(B.id == booking_id).values(state="released", updated_at=now)
    )
    await record(
        "booking", detail={"action": "released", "booking_id": str(booking_id), "why": why}
    )
