"""Helpers for the case tests (no tests of its own): a case's row and events, status
actions, and protocols written straight into their tables (the protocols package's own
API is tested elsewhere)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message
from fieldwork import tables
from tests.integration.seed import runtime_of
from tests.integration.test_orders_support import if_match


async def case_row(client: httpx.AsyncClient, case_id: str | uuid.UUID) -> dict[str, Any]:
    async with runtime_of(client).uow() as uow:
        row = (
            (
                await uow.session.execute(
                    select(tables.service_case).where(
                        tables.service_case.c.id == uuid.UUID(str(case_id))
                    )
                )
            )
            .mappings()
            .one()
        )
        return dict(row)


async def case_events(
    client: httpx.AsyncClient, case_id: str | uuid.UUID, type_: str = "fieldwork.case.%"
) -> list[dict[str, Any]]:
    """The case's events in the outbox, oldest first: ``{"type", "payload"}`` each."""
    async with runtime_of(client).uow() as uow:
        bodies = await uow.session.scalars(
            select(outbox_message.c.body)
            .where(
                outbox_message.c.message_type.like(type_),
                outbox_message.c.body["payload"]["case_id"].astext == str(case_id),
            )
            .order_by(outbox_message.c.id)
        )
        return [{"type": body["type"], "payload": body["payload"]} for body in bodies]


async def act(
    client: httpx.AsyncClient,
    order: dict[str, Any],
    action: str,
    expect: int = 200,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    answer = await client.post(
        f"/service-orders/{order['id']}/actions/{action}",
        headers={**(headers or {}), **if_match(order)},
    )
    assert answer.status_code == expect, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def add_protocol(
    client: httpx.AsyncClient,
    *,
    case_id: str | uuid.UUID,
    order_id: str | uuid.UUID | None,
    completed_at: datetime | None,
    problem: str | None = None,
    items: list[tuple[str, Decimal, str]] = (),  # type: ignore[assignment]
    works: list[tuple[str, int, uuid.UUID | None]] = (),  # type: ignore[assignment]
    photos: int = 0,
    by: str = "tess",
) -> uuid.UUID:
    """A protocol with its lines and photo rows, completed at ``completed_at`` (a draft
    when None), reporting ``problem`` when given."""
    protocol_id = uuid.uuid4()
    stamp = completed_at or datetime(2026, 11, 30, 7, 0).astimezone()
    async with runtime_of(client).uow() as uow:
        s = uow.session
        await s.execute(
            tables.protocol.insert().values(
                id=protocol_id,
                version=1,
                case_id=uuid.UUID(str(case_id)),
                order_id=uuid.UUID(str(order_id)) if order_id else None,
                status="completed" if completed_at else "draft",
                fault_description="Oven cold",
                solution_description="Replaced the thermostat",
                problem_reported=problem is not None,
                problem_description=problem,
                created_at=stamp,
                created_by=by,
                updated_at=stamp,
                completed_at=completed_at,
                completed_by=by if completed_at else None,
            )
        )
        for position, (description, quantity, unit) in enumerate(items):
            await s.execute(
                tables.protocol_item.insert().values(
                    id=uuid.uuid4(),
                    protocol_id=protocol_id,
                    position=position,
                    description=description,
                    quantity=quantity,
                    unit=unit,
                )
            )
        for position, (description, minutes, technician_id) in enumerate(works):
            await s.execute(
                tables.protocol_work.insert().values(
                    id=uuid.uuid4(),
                    protocol_id=protocol_id,
                    position=position,
                    description=description,
                    minutes=minutes,
                    technician_id=technician_id,
                )
            )
        for index in range(photos):
            await s.execute(
                tables.protocol_attachment.insert().values(
                    id=uuid.uuid4(),
                    protocol_id=protocol_id,
                    kind="photo_before" if index % 2 == 0 else "photo_after",
                    file_name=f"photo-{index}.jpg",
                    media_type="image/jpeg",
                    size_bytes=100,
                    sha256="0" * 64,
                    storage_key=f"test/{protocol_id}/{index}",
                    uploaded_at=stamp,
                    uploaded_by=by,
                )
            )
        await uow.commit()
    return protocol_id


async def new_case(
    client: httpx.AsyncClient,
    world: Any,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A case of the world's customer, its first contact and both serial items (201)."""
    body: dict[str, Any] = {
        "name": "Deck oven does not heat",
        "customer_id": str(world.customer_id),
        "contact_id": str(world.contact_id),
        "serial_item_ids": [str(world.item_id), str(world.other_item_id)],
        "planned_start": "2026-12-01T08:00:00+01:00",
    } | fields
    answer = await client.post("/service-cases", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    case: dict[str, Any] = answer.json()
    assert answer.headers["ETag"] == f'"{case["version"]}"'
    return case


async def new_trip(
    client: httpx.AsyncClient,
    case: dict[str, Any],
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    answer = await client.post(f"/service-cases/{case['id']}/trips", json=fields, headers=headers)
    assert answer.status_code == 201, answer.text
    order: dict[str, Any] = answer.json()
    return order


async def fetch_case(client: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    answer = await client.get(f"/service-cases/{case_id}")
    assert answer.status_code == 200, answer.text
    case: dict[str, Any] = answer.json()
    return case
