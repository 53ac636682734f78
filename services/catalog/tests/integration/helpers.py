"""Builders and outbox readers shared by catalog's integration tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message


def n() -> str:
    return uuid.uuid4().hex[:10]


async def create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    return dict(response.json())


async def customer(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    body = {"customer_number": f"C-{n()}", "name": "Ada Lovelace", "emails": ["ada@example.com"]}
    return await create(client, "/customers", body | extra)


async def product(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    return await create(client, "/products", {"product_number": f"P-{n()}", "name": "Pump"} | extra)


async def org_unit(client: httpx.AsyncClient, **extra: Any) -> dict[str, Any]:
    body = {"code": f"OU-{n()}", "name": "North", "time_zone": "Europe/Stockholm"}
    return await create(client, "/org-units", body | extra)


async def _payloads(client: httpx.AsyncClient, routing_key: str) -> list[Any]:
    """The payloads of every ``routing_key`` event in the outbox, oldest first."""
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body)
                .where(outbox_message.c.routing_key == routing_key)
                .order_by(outbox_message.c.id)
            )
        ).all()
    return [b["payload"] for b in bodies]


async def outbox(client: httpx.AsyncClient, routing_key: str, key: str, value: str) -> list[Any]:
    """The payloads of ``routing_key`` events in the outbox whose ``key`` is ``value``."""
    return [p for p in await _payloads(client, routing_key) if p[key] == value]


async def imported_sets(
    client: httpx.AsyncClient, routing_key: str, members: str, key: str, value: str
) -> list[list[Any]]:
    """The set events (``routing_key``, their snapshots under ``members``) that carry a
    snapshot whose ``key`` is ``value``: each set's snapshots."""
    sets = [p[members] for p in await _payloads(client, routing_key)]
    return [s for s in sets if any(m[key] == value for m in s)]
