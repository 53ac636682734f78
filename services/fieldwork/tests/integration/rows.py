"""Rows written straight into field work's tables for the read side's tests: technicians,
order kinds, org units, cases with their orders and bookings, as the write side would leave
them. The views read tables, so their tests do not wait on (or test) the write side.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from fieldwork import tables
from tests.conftest import NOW
from tests.integration.seed import World, runtime_of

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A technician's home base in central Stockholm, near the world's serial items.
HOME: dict[str, Any] = {
    "street": "Sveavägen 1",
    "city": "Stockholm",
    "latitude": 59.3300,
    "longitude": 18.0600,
}
OFFICE_HOURS = {str(d): [{"start": "08:00", "end": "16:00"}] for d in range(1, 6)}


def located(lat: float | None, lon: float | None, street: str = "Storgatan 1") -> dict[str, Any]:
    return {
        "street": street,
        "postal_code": "111 51",
        "city": "Stockholm",
        "country": "SE",
        "latitude": lat,
        "longitude": lon,
    }


async def add_org_unit(
    client: httpx.AsyncClient, parent_id: uuid.UUID | None = None, zone: str = "Europe/Stockholm"
) -> tuple[uuid.UUID, str]:
    unit_id, code = uuid.uuid4(), "ou-" + uuid.uuid4().hex[:8]
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            insert(tables.org_unit).values(
                id=unit_id, version=1, code=code, name=code, time_zone=zone, parent_id=parent_id
            )
        )
        await uow.commit()
    return unit_id, code


async def add_technician(
    client: httpx.AsyncClient,
    org_unit_id: uuid.UUID | None,
    name: str = "Tina Tekniker",
    *,
    username: str | None = None,
    home_base: dict[str, Any] | None = HOME,
    working_hours: dict[str, Any] | None = None,
    active: bool = True,
) -> uuid.UUID:
    technician_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            insert(tables.technician).values(
                id=technician_id,
                version=1,
                name=name,
                username=username,
                org_unit_id=org_unit_id,
                home_base=home_base,
                working_hours=OFFICE_HOURS if working_hours is None else working_hours,
                active=active,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()
    return technician_id


async def add_kind(
    client: httpx.AsyncClient, org_unit_id: uuid.UUID | None, code: str = "repair"
) -> uuid.UUID:
    kind_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            insert(tables.order_kind).values(
                id=kind_id,
                version=1,
                code=code,
                name=code.title(),
                org_unit_id=org_unit_id,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await uow.commit()
    return kind_id


async def add_order(
    client: httpx.AsyncClient,
    world: World,
    *,
    stage: str = "new",
    status: str | None = None,
    priority: str = "normal",
    org_unit_id: uuid.UUID | bool | None = True,
    technician_id: uuid.UUID | None = None,
    kind_id: uuid.UUID | None = None,
    customer_id: uuid.UUID | bool | None = True,
    location: dict[str, Any] | None = None,
    description: str = "The oven door does not close",
    created_at: datetime = NOW,
    completed_at: datetime | None = None,
    cancelled_at: datetime | None = None,
) -> tuple[uuid.UUID, str]:
    """An order in its own case; ``True`` for org unit and customer: the world's."""
    order_id, case_id = uuid.uuid4(), uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        s = uow.session
        value = await s.scalar(select(func.nextval("service_order_number_seq")))
        number = f"SO-{value:06d}"
        unit = world.org_unit_id if org_unit_id is True else org_unit_id or None
        customer = world.customer_id if customer_id is True else customer_id or None
        await s.execute(
            insert(tables.service_case).values(
                id=case_id,
                version=1,
                number="SC-" + case_id.hex[:10],
                name=number,
                customer_id=customer,
                org_unit_id=unit,
                created_at=created_at,
                updated_at=created_at,
            )
        )
        await s.execute(
            insert(tables.service_order).values(
                id=order_id,
                version=1,
                number=number,
                case_id=case_id,
                kind_id=kind_id,
                customer_id=customer,
                serial_item_id=world.item_id,
                location=location if location is not None else located(59.3326, 18.0649),
                priority=priority,
                technician_id=technician_id,
                description=description,
                org_unit_id=unit,
                stage=stage,
                status=status,
                created_at=created_at,
                updated_at=created_at,
                completed_at=completed_at,
                cancelled_at=cancelled_at,
            )
        )
        await uow.commit()
    return order_id, number


async def add_booking(
    client: httpx.AsyncClient,
    order_id: uuid.UUID,
    technician_id: uuid.UUID,
    day: date,
    start: str,
    end: str,
    *,
    state: str = "standing",
    overrides: list[str] | None = None,
    zone: ZoneInfo = STOCKHOLM,
) -> uuid.UUID:
    """A booking of local ``start``-``end`` on ``day``; a standing one also makes the
    order planned with its technician and moves its booked time, as the write side does."""
    booking_id = uuid.uuid4()
    local_start, local_end = time.fromisoformat(start), time.fromisoformat(end)
    starts_at = datetime.combine(day, local_start, zone).astimezone(UTC)
    ends_at = datetime.combine(day, local_end, zone).astimezone(UTC)
    if ends_at <= starts_at:
        ends_at += timedelta(days=1)
    async with runtime_of(client).uow() as uow:
        s = uow.session
        await s.execute(
            insert(tables.booking).values(
                id=booking_id,
                order_id=order_id,
                technician_id=technician_id,
                starts_at=starts_at,
                ends_at=ends_at,
                local_date=day,
                local_start=local_start,
                local_end=local_end,
                state=state,
                overrides=overrides or [],
                override_reason="planner said so" if overrides else None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        if state == "standing":
            o = tables.service_order.c
            await s.execute(
                update(tables.service_order)
                .where(o.id == order_id)
                .values(
                    technician_id=technician_id,
                    stage=func.coalesce(
                        func.nullif(o.stage, "new"), "planned"
                    ),  # a new order becomes planned
                    status=func.coalesce(o.status, "planned"),
                    booked_from=func.least(func.coalesce(o.booked_from, starts_at), starts_at),
                )
            )
        await uow.commit()
    return booking_id
