"""Builders shared by the integration tests: customers and send requests with fresh ids."""

from __future__ import annotations

import uuid
from typing import Any

from aftersales_contracts.catalog import CommunicationMethod, CustomerRegistered
from aftersales_contracts.envelope import Message
from aftersales_kit.runtime import ServiceRuntime


def n() -> str:
    return uuid.uuid4().hex[:10]


def address() -> str:
    return f"c-{n()}@example.com"


def customer_event(**overrides: Any) -> CustomerRegistered:
    fields: dict[str, Any] = {
        "customer_id": uuid.uuid4(),
        "version": 1,
        "customer_number": f"C-{n()}",
        "name": "Ada Lovelace",
        "emails": [address()],
        "mobiles": [],
        "allowed_methods": [CommunicationMethod.EMAIL],
        "preferred_method": None,
        "language": "en",
    }
    return CustomerRegistered(**(fields | overrides))


def send_body(**overrides: Any) -> dict[str, Any]:
    """A SendMessage body (JSON shape) with a fresh idempotency key."""
    body: dict[str, Any] = {
        "idempotency_key": f"key-{n()}",
        "requester": "tests",
        "requester_reference": f"ref-{n()}",
        "recipient": {"emails": [address()]},
        "channel": "auto",
        "content": {
            "email_subject": "Service due for {{ serial_number }}",
            "email_body": "<p>Dear {{ customer_name }},</p><p>your pump is due.</p>",
        },
        "values": {"serial_number": "SN-1", "customer_name": "Ada & <Bob>"},
        "business_object": {"kind": "scheduling.callout", "id": n(), "version": 1},
    }
    return body | overrides


async def publish(runtime: ServiceRuntime, message: Message, *, command: bool = False) -> None:
    """Write a message through a unit of work; the outbox relay delivers it."""
    async with runtime.uow() as uow:
        if command:
            uow.send(message)
        else:
            uow.publish(message)
        await uow.commit()
