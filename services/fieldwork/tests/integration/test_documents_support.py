"""Helpers for the documents' tests (no tests of its own): protocols written straight into
their tables (the protocols package's own API is tested elsewhere) with photos through the
attachment store, the customer's contacts flagged, document settings, the send requests in
the outbox, and a PDF's text read back with pypdf."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.envelope import Envelope, Message
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.waiting import consumed
from fieldwork import storage, tables
from fieldwork.context import Context
from tests.conftest import NOW
from tests.integration.seed import World, runtime_of


def context_of(client: httpx.AsyncClient) -> Context:
    ctx: Context = client.app.state.context  # type: ignore[attr-defined]
    return ctx


def photo(width: int = 1600, height: int = 1200, *, fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 40))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def add_protocol(
    client: httpx.AsyncClient,
    order: dict[str, Any],
    *,
    status: str = "completed",
    show_images: bool = True,
    order_level: bool = True,
    items: list[tuple[str, str, str]] | None = None,
    works: list[tuple[str, int]] | None = None,
    files: list[tuple[str, str, str, bytes]] | None = None,
    solution: str = "Replaced the door hinge",
) -> uuid.UUID:
    """A protocol of ``order`` (or, ``order_level`` False, of its whole case) with its
    consumed items (description, quantity, unit), works (description, minutes) and
    attachments (kind, file name, media type, bytes; written through the store)."""
    protocol_id = uuid.uuid4()
    store = storage.attachment_store(context_of(client).settings)
    async with runtime_of(client).uow() as uow:
        s = uow.session
        await s.execute(
            insert(tables.protocol).values(
                id=protocol_id,
                version=1,
                case_id=uuid.UUID(order["case_id"]),
                order_id=uuid.UUID(order["id"]) if order_level else None,
                status=status,
                fault_description="The oven door does not close",
                solution_description=solution,
                show_images=show_images,
                created_at=NOW,
                created_by="tina",
                updated_at=NOW,
                completed_at=NOW if status == "completed" else None,
                completed_by="tina" if status == "completed" else None,
            )
        )
        for position, (description, quantity, unit) in enumerate(
            items if items is not None else [("Door hinge HG-7", "2", "pcs")], start=1
        ):
            await s.execute(
                insert(tables.protocol_item).values(
                    id=uuid.uuid4(),
                    protocol_id=protocol_id,
                    position=position,
                    description=description,
                    quantity=Decimal(quantity),
                    unit=unit,
                )
            )
        for position, (description, minutes) in enumerate(
            works if works is not None else [("Replaced the hinge", 90)], start=1
        ):
            await s.execute(
                insert(tables.protocol_work).values(
                    id=uuid.uuid4(),
                    protocol_id=protocol_id,
                    position=position,
                    description=description,
                    minutes=minutes,
                    work_date=date(2026, 11, 30),
                )
            )
        for kind, name, media_type, data in files or []:
            attachment_id = uuid.uuid4()
            key = storage.attachment_key(protocol_id, attachment_id)
            size, digest = await store.write(key, _chunks(data), max_bytes=50 * 1024 * 1024)
            await s.execute(
                insert(tables.protocol_attachment).values(
                    id=attachment_id,
                    protocol_id=protocol_id,
                    kind=kind,
                    file_name=name,
                    media_type=media_type,
                    size_bytes=size,
                    sha256=digest,
                    storage_key=key,
                    uploaded_at=NOW,
                    uploaded_by="tina",
                )
            )
        await uow.commit()
    return protocol_id


async def change_protocol(client: httpx.AsyncClient, protocol_id: uuid.UUID, **values: Any) -> None:
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.protocol).where(tables.protocol.c.id == protocol_id).values(**values)
        )
        await uow.commit()


async def flag_contacts(
    client: httpx.AsyncClient,
    world: World,
    *,
    protocol: tuple[bool, bool] = (False, False),
    work_order: tuple[bool, bool] = (False, False),
) -> None:
    """Set "send service protocol" and "send work order" on the world's two contacts
    (Sven, Anna), as catalog's customer event would."""
    c = tables.customer.c
    async with runtime_of(client).uow() as uow:
        contacts = await uow.session.scalar(select(c.contacts).where(c.id == world.customer_id))
        assert contacts is not None
        for index, contact in enumerate(contacts):
            contact["send_service_protocol"] = protocol[index]
            contact["send_work_order"] = work_order[index]
        await uow.session.execute(
            update(tables.customer).where(c.id == world.customer_id).values(contacts=contacts)
        )
        await uow.commit()


async def save_settings(
    client: httpx.AsyncClient, org_unit_id: uuid.UUID, **fields: Any
) -> dict[str, Any]:
    url = f"/document-settings/{org_unit_id}"
    etag = (await client.get(url)).headers["ETag"]
    answer = await client.put(url, json=fields, headers={"If-Match": etag})
    assert answer.status_code == 200, answer.text
    saved: dict[str, Any] = answer.json()
    return saved


async def send_requests(client: httpx.AsyncClient, order_id: str | uuid.UUID) -> list[Any]:
    """The SendMessage payloads field work wrote to its outbox about the order."""
    async with runtime_of(client).uow() as uow:
        bodies = await uow.session.scalars(
            select(outbox_message.c.body)
            .where(
                outbox_message.c.message_type == "notifications.send_message",
                outbox_message.c.body["payload"]["business_object"]["id"].astext == str(order_id),
            )
            .order_by(outbox_message.c.id)
        )
        return [body["payload"] for body in bodies]


async def publish_and_wait(client: httpx.AsyncClient, event: Message) -> Envelope[Message]:
    """Publish one of field work's own events and wait until its consumers applied it."""
    runtime = runtime_of(client)
    async with runtime.uow() as uow:
        envelope = uow.publish(event)
        await uow.commit()
    await consumed(runtime.sessionmaker, envelope.message_id)
    return envelope


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_images(data: bytes) -> int:
    reader = PdfReader(io.BytesIO(data))
    return sum(len(page.images) for page in reader.pages)
