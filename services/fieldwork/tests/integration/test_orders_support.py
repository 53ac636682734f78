"""Helpers for the order tests (no tests of its own): technicians, vehicles and order kinds
written straight into their tables (the resources package's own API is tested elsewhere),
an order made over HTTP, and the events an order left in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message
from fieldwork import tables
from tests.integration.seed import World, runtime_of

# Monday to Friday 07:00-17:00 local time: the fixed clock's Monday morning is inside.
WEEKDAYS = {str(day): [{"start": "07:00", "end": "17:00"}] for day in range(1, 6)}
STAMP = datetime(2026, 11, 1, tzinfo=UTC)


async def add_technician(
    client: httpx.AsyncClient,
    world: World,
    *,
    username: str | None = None,
    working_hours: dict[str, Any] | None = None,
    active: bool = True,
    name: str = "Tekla Tekniker",
) -> uuid.UUID:
    technician_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.technician.insert().values(
                id=technician_id,
                version=1,
                name=name,
                username=username,
                org_unit_id=world.org_unit_id,
                home_base={"street": "Depåvägen 1", "latitude": 59.30, "longitude": 18.00},
                working_hours=WEEKDAYS if working_hours is None else working_hours,
                active=active,
                created_at=STAMP,
                updated_at=STAMP,
            )
        )
        await uow.commit()
    return technician_id


async def add_vehicle(client: httpx.AsyncClient, world: World, *, active: bool = True) -> uuid.UUID:
    vehicle_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.vehicle.insert().values(
                id=vehicle_id,
                version=1,
                registration="ABC" + vehicle_id.hex[:6],
                name="Service van",
                org_unit_id=world.org_unit_id,
                active=active,
                created_at=STAMP,
                updated_at=STAMP,
            )
        )
        await uow.commit()
    return vehicle_id


async def add_kind(
    client: httpx.AsyncClient,
    org_unit_id: uuid.UUID | None,
    *,
    active: bool = True,
    name: str = "Repair",
) -> uuid.UUID:
    kind_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.order_kind.insert().values(
                id=kind_id,
                version=1,
                code="k-" + kind_id.hex[:10],
                name=name,
                org_unit_id=org_unit_id,
                active=active,
                created_at=STAMP,
                updated_at=STAMP,
            )
        )
        await uow.commit()
    return kind_id


async def new_order(
    client: httpx.AsyncClient, world: World, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """An order of the world's customer at its first serial item (201 asserted)."""
    body: dict[str, Any] = {
        "customer_id": str(world.customer_id),
        "serial_item_id": str(world.item_id),
        "description": "Oven does not heat\nSince Friday",
    } | fields
    answer = await client.post("/service-orders", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    order: dict[str, Any] = answer.json()
    return order


async def planned_order(
    client: httpx.AsyncClient,
    world: World,
    technician_id: uuid.UUID,
    *,
    day: str = "2026-11-30",
    start: str = "09:00",
    end: str = "11:00",
    **fields: Any,
) -> dict[str, Any]:
    """An order booked for ``technician_id``: Planned."""
    order = await new_order(
        client,
        world,
        technician_id=str(technician_id),
        booking={"date": day, "start": start, "end": end},
        **fields,
    )
    assert order["stage"] == "planned", order
    return order


def if_match(order: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{order["version"]}"'}


async def events_of(client: httpx.AsyncClient, order_id: str | uuid.UUID) -> list[dict[str, Any]]:
    """The order's events in the outbox, oldest first: ``{"type", "payload"}`` each."""
    async with runtime_of(client).uow() as uow:
        bodies = await uow.session.scalars(
            select(outbox_message.c.body)
            .where(
                outbox_message.c.message_type.like("fieldwork.order.%"),
                outbox_message.c.body["payload"]["order"]["order_id"].astext == str(order_id),
            )
            .order_by(outbox_message.c.id)
        )
        return [{"type": body["type"], "payload": body["payload"]} for body in bodies]


async def event_types(client: httpx.AsyncClient, order_id: str | uuid.UUID) -> list[str]:
    return [event["type"] for event in await events_of(client, order_id)]
