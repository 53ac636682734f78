"""An order as a trip of its case (seed 002): its assigned technicians (the first the
responsible one, ``service_order.technician_id``) and its distance, pre-filled from the
responsible technician's home base to the order's location when both have coordinates.

Called by the order write side (create and change); kept here with the rest of the
case's rules."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_kit.problems import Unprocessable
from fieldwork import tables
from fieldwork.orders.booking_rules import active_technician
from fieldwork.views.domain import distance_km, point_of

OT = tables.order_technician.c
T = tables.technician.c


async def check_technicians(
    session: AsyncSession, technician_ids: Sequence[uuid.UUID], field: str = "technician_ids"
) -> list[uuid.UUID]:
    """Each must exist and be active, and be named once (422 naming ``<field>.<i>``)."""
    seen: set[uuid.UUID] = set()
    for index, technician_id in enumerate(technician_ids):
        if technician_id in seen:
            raise Unprocessable(
                f"technician {technician_id} is named twice", field=f"{field}.{index}"
            )
        seen.add(technician_id)
        await active_technician(session, technician_id, f"{field}.{index}")
    return list(technician_ids)


def responsible_of(
    technician_ids: Sequence[uuid.UUID] | None,
    technician_id: uuid.UUID | None,
    *,
    technician_id_given: bool,
) -> uuid.UUID | None:
    """The responsible technician when ``technician_ids`` is given: its first; a
    ``technician_id`` sent beside it must be that one (422 naming ``technician_id``)."""
    first = technician_ids[0] if technician_ids else None
    if technician_id_given and technician_id != first:
        raise Unprocessable(
            "the responsible technician is the first of technician_ids: send one or the"
            " other, or the same",
            field="technician_id",
        )
    return first


async def assign(
    session: AsyncSession,
    order_id: uuid.UUID,
    technician_ids: Sequence[uuid.UUID],
    *,
    at: datetime,
    by: str | None,
    replace: bool,
) -> None:
    """Record ``technician_ids`` as assigned to the trip; ``replace`` drops the others
    first (``technician_ids`` is then the whole list)."""
    if replace:
        await session.execute(
            delete(tables.order_technician).where(
                OT.order_id == order_id, OT.technician_id.not_in(list(technician_ids))
            )
        )
    for technician_id in technician_ids:
        await session.execute(
            insert(tables.order_technician)
            .values(order_id=order_id, technician_id=technician_id, assigned_at=at, assigned_by=by)
            .on_conflict_do_nothing()
        )


async def assigned_ids(
    session: AsyncSession, order_id: uuid.UUID, responsible: uuid.UUID | None
) -> list[uuid.UUID]:
    """The trip's technicians as recorded, the responsible one among them."""
    ids = list(await session.scalars(select(OT.technician_id).where(OT.order_id == order_id)))
    if responsible is not None and responsible not in ids:
        ids.insert(0, responsible)
    return ids


async def unassign(session: AsyncSession, order_id: uuid.UUID, technician_id: uuid.UUID) -> None:
    await session.execute(
        delete(tables.order_technician).where(
            OT.order_id == order_id, OT.technician_id == technician_id
        )
    )


async def prefilled_distance(
    session: AsyncSession,
    technician_id: uuid.UUID | None,
    location: Mapping[str, Any] | None,
) -> float | None:
    """The straight-line (haversine) distance in km, one decimal, from the technician's
    home base to ``location``; None unless both have coordinates."""
    if technician_id is None:
        return None
    to = point_of(location)
    if to is None:
        return None
    home = await session.scalar(select(T.home_base).where(T.id == technician_id))
    start = point_of(home)
    if start is None:
        return None
    return round(distance_km(start, to), 1)


def stored_distance(value: float | Decimal | None) -> Decimal | None:
    """The distance as the column keeps it (one decimal)."""
    if value is None:
        return None
    return Decimal(str(round(float(value), 1)))
