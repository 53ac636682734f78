"""Builders shared by the integration tests: send requests with fresh keys, and writing
a message through the outbox (customers and org units come from
``aftersales_testing.builders``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from aftersales_contracts.catalog import OrgUnitChanged
from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.notifications import SendMessage
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address, unique
from aftersales_testing.waiting import consumed, eventually
from notifications import visibility
from notifications.delivery.domain import compose_email
from notifications.delivery.mime import ComposedEmail


def an_email(to: list[str], text: str = "Your machine is due for service.") -> ComposedEmail:
    """An e-mail as the sender composes it, for a transport's tests."""
    return compose_email(
        message_id=str(uuid.uuid4()),
        from_address="service@aftersales.local",
        to=to,
        subject="Service due",
        body_html=f"<p>{text}</p>",
        body_text=text,
        footer="",
        date=datetime.now(UTC),
    )


def send_body(**overrides: Any) -> dict[str, Any]:
    """A SendMessage body (JSON shape) with a fresh idempotency key."""
    body: dict[str, Any] = {
        "idempotency_key": unique("key-"),
        "requester": "tests",
        "requester_reference": unique("ref-"),
        "recipient": {"emails": [email_address()]},
        "channel": "auto",
        "content": {
            "email_subject": "Service due for {{ serial_number }}",
            "email_body": "<p>Dear {{ customer_name }},</p><p>your pump is due.</p>",
        },
        "values": {"serial_number": "SN-1", "customer_name": "Ada & <Bob>"},
        "business_object": {"kind": "scheduling.callout", "id": unique(), "version": 1},
    }
    return body | overrides


async def publish(
    runtime: ServiceRuntime, message: Message, *, command: bool = False
) -> Envelope[Message]:
    """Write a message through a unit of work; the outbox relay delivers it. The
    envelope's ``message_id`` is what ``aftersales_testing.waiting.consumed`` waits for."""
    async with runtime.uow() as uow:
        envelope = uow.send(message) if command else uow.publish(message)
        await uow.commit()
    return envelope


async def send_together(
    runtime: ServiceRuntime, bodies: list[dict[str, Any]]
) -> list[Envelope[Any]]:
    """Send requests as commands in one commit (the relay publishes them together and the
    API takes them as a batch); returns once every one is consumed."""
    async with runtime.uow() as uow:
        sent = [uow.send(SendMessage.model_validate(body)) for body in bodies]
        await uow.commit()
    for envelope in sent:
        await consumed(runtime.sessionmaker, envelope.message_id)
    return sent


async def status_of(
    client: httpx.AsyncClient, message_id: str, wanted: str, *, within: float = 30.0
) -> dict[str, Any]:
    """``GET /messages/{id}`` once the message has reached the ``wanted`` status (within
    ``within`` seconds)."""

    async def shown() -> dict[str, Any]:
        body: dict[str, Any] = (await client.get(f"/messages/{message_id}")).json()
        return body

    return await eventually(
        shown,
        lambda body: body.get("status") == wanted,
        within=within,
        what=f"message {message_id} {wanted}",
    )


async def known_org_unit(runtime: ServiceRuntime) -> uuid.UUID:
    """An org unit in notifications' projection, as catalog's OrgUnitChanged would leave
    it (written through the projection's use case, without the broker): only such units
    may have sending settings."""
    unit_id = uuid.uuid4()
    code = unique("OU-")
    event = OrgUnitChanged(
        org_unit_id=unit_id, version=1, code=code, name=code, time_zone="UTC", parent_id=None
    )
    async with runtime.uow() as uow:
        await visibility.project_org_unit(event, uow, now=datetime.now(UTC))
    return unit_id
