"""Helpers for the protocol tests (no tests of its own): an attachment store of the test's
own, products in the projection, a technician with their planned order, a protocol made
over HTTP, files of each accepted type, and the protocol events in the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message
from fieldwork import tables
from fieldwork.context import Context
from fieldwork.protocols import routes
from fieldwork.storage import FilesystemAttachmentStore
from tests.integration.seed import World, as_user, runtime_of, seed_world
from tests.integration.test_orders_support import add_technician, planned_order

# The smallest files each accepted type starts with (their magic numbers), padded.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 100
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 100


def use_store(client: httpx.AsyncClient, root: Path, **settings: Any) -> FilesystemAttachmentStore:
    """The app's attachments go under ``root``; ``settings`` overrides (limits) apply to
    this client's app only."""
    app = client.app  # type: ignore[attr-defined]
    store = FilesystemAttachmentStore(root)
    app.dependency_overrides[routes.store_of] = lambda: store
    if settings:
        ctx: Context = app.state.context
        app.state.context = Context(ctx.settings.model_copy(update=settings), ctx.clock)
    return store


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def add_product(
    client: httpx.AsyncClient, *, name: str = "Heating element 2 kW", number: str | None = None
) -> uuid.UUID:
    product_id = uuid.uuid4()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            tables.product.insert().values(
                id=product_id,
                version=1,
                product_number=number or "HE-" + product_id.hex[:6],
                name=name,
                active=True,
            )
        )
        await uow.commit()
    return product_id


@dataclass
class Site:
    """A world with a technician who signs in, their planned order and its case."""

    world: World
    technician_id: uuid.UUID
    username: str
    order: dict[str, Any]

    @property
    def order_id(self) -> str:
        return str(self.order["id"])

    @property
    def case_id(self) -> str:
        return str(self.order["case_id"])

    @property
    def phone(self) -> dict[str, str]:
        """The technician's own identity headers (their phone through the gateway)."""
        return as_user(self.username, "technician")


async def site(client: httpx.AsyncClient, **order_fields: Any) -> Site:
    world = await seed_world(client)
    username = "tech-" + uuid.uuid4().hex[:8]
    technician_id = await add_technician(client, world, username=username)
    order = await planned_order(client, world, technician_id, **order_fields)
    return Site(world, technician_id, username, order)


async def new_protocol(
    client: httpx.AsyncClient, headers: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    answer = await client.post("/protocols", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.headers["ETag"] == f'"{answer.json()["version"]}"'
    protocol: dict[str, Any] = answer.json()
    return protocol


def tag(protocol: dict[str, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"If-Match": f'"{protocol["version"]}"', **(extra or {})}


async def protocol_events(client: httpx.AsyncClient, protocol_id: str) -> list[dict[str, Any]]:
    async with runtime_of(client).uow() as uow:
        bodies = await uow.session.scalars(
            select(outbox_message.c.body)
            .where(
                outbox_message.c.message_type == "fieldwork.protocol.completed",
                outbox_message.c.body["payload"]["protocol_id"].astext == protocol_id,
            )
            .order_by(outbox_message.c.id)
        )
        return [dict(body["payload"]) for body in bodies]


async def attachment_rows(client: httpx.AsyncClient, protocol_id: str) -> list[dict[str, Any]]:
    async with runtime_of(client).uow() as uow:
        rows = await uow.session.execute(
            select(tables.protocol_attachment).where(
                tables.protocol_attachment.c.protocol_id == uuid.UUID(protocol_id)
            )
        )
        return [dict(r) for r in rows.mappings()]
