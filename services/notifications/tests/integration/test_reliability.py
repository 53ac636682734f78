"""Delivery reliability against real servers: a flaky SMTP server (temporary failures,
then success), a silent one (timeouts), an invalid address, deliveries that exhaust their
retries and wait in the dead-letter queue until ``aftersales-dlq redrive`` after the cause
is mended — for e-mail and for SMS."""

from __future__ import annotations

import contextlib
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI

from aftersales_contracts.topology import (
    DELIVERY_LIMIT,
    NOTIFICATIONS_EMAIL_DELIVERIES,
    NOTIFICATIONS_SMS_DELIVERIES,
    QueueSpec,
)
from aftersales_kit import dead_letters, dlq_cli
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from aftersales_testing.smtp_sink import free_port
from aftersales_testing.waiting import eventually
from notifications.delivery.domain import (
    PermanentDeliveryError,
    SmtpServer,
    TransientDeliveryError,
)
from notifications.delivery.smtp import SmtpTransport
from notifications.fake_sms import FakeSmsServer
from notifications.settings import Settings

from ..conftest import outbox_payloads
from .helpers import an_email, known_org_unit, send_body, status_of
from .test_sms import mobile, sms_body


class _Flaky:
    """An SMTP server's behaviour per recipient: answer 451 the next ``n`` times, refuse
    an address as invalid (553) for good; count attempts and keep what was accepted."""

    def __init__(self) -> None:
        self.fail_next: dict[str, int] = {}
        self.invalid: set[str] = set()
        self.attempts: dict[str, int] = {}
        self.received: list[Envelope] = []
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        with self._lock:
            self.attempts[address] = self.attempts.get(address, 0) + 1
            if address in self.invalid:
                return "553 5.1.3 invalid address"
            if self.fail_next.get(address, 0) > 0:
                self.fail_next[address] -= 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.received.append(envelope)
        return "250 accepted"

    def to(self, recipient: str) -> list[Envelope]:
        with self._lock:
            return [e for e in self.received if recipient in e.rcpt_tos]


@contextlib.contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[_Flaky, int]]:
    handler = _Flaky()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def flaky() -> Iterator[tuple[_Flaky, int]]:
    with smtp_server() as running:
        yield running


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word: every SMTP read times out."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


async def through(client: httpx.AsyncClient, runtime: ServiceRuntime, port: int) -> uuid.UUID:
    """An org unit whose own SMTP server is 127.0.0.1:``port``."""
    org_unit = await known_org_unit(runtime)
    response = await client.put(
        f"/sending-settings/{org_unit}", json={"smtp_host": "127.0.0.1", "smtp_port": port}
    )
    assert response.status_code == 201, response.text
    return org_unit


async def dead_lettered(settings: Settings, spec: QueueSpec, message_id: str) -> bool:
    """Whether the delivery of ``message_id`` waits in ``spec``'s dead-letter queue."""
    letters = await dead_letters.peek(settings.amqp_url, spec, settings.broker_prefix, limit=500)
    return any(message_id.encode() in letter.body for letter in letters)


async def redrive(settings: Settings, spec: QueueSpec) -> None:
    """What an operator runs once the cause is mended: ``aftersales-dlq redrive QUEUE``."""
    args = dlq_cli.parse_args(
        [
            "--amqp-url",
            settings.amqp_url,
            "--prefix",
            settings.broker_prefix,
            "redrive",
            spec.name,
        ]
    )
    assert await dlq_cli.run(args) == 0


async def test_a_flaky_smtp_server_is_retried_with_backoff_and_sends_once(
    runtime: ServiceRuntime,
    sender_app: FastAPI,
    client: httpx.AsyncClient,
    flaky: tuple[_Flaky, int],
) -> None:
    server, port = flaky
    to = email_address()
    server.fail_next[to] = 3
    body = send_body(
        recipient={"emails": [to]}, org_unit_id=str(await through(client, runtime, port))
    )
    message_id = (await client.post("/messages", json=body)).json()["id"]

    shown = await status_of(client, message_id, "sent")
    assert shown["sent_to"] == [to]
    assert server.attempts[to] == 4
    assert len(server.to(to)) == 1
    assert len(await outbox_payloads(runtime, "notifications.message.sent", message_id)) == 1
    assert await outbox_payloads(runtime, "notifications.message.failed", message_id) == []


async def test_an_invalid_address_fails_at_once_with_the_reason(
    runtime: ServiceRuntime,
    sender_app: FastAPI,
    client: httpx.AsyncClient,
    flaky: tuple[_Flaky, int],
) -> None:
    server, port = flaky
    to = email_address()
    server.invalid.add(to)
    body = send_body(
        recipient={"emails": [to]}, org_unit_id=str(await through(client, runtime, port))
    )
    message_id = (await client.post("/messages", json=body)).json()["id"]

    failed = await status_of(client, message_id, "failed")
    assert "553" in failed["reason"]
    assert "invalid address" in failed["reason"]
    assert server.attempts[to] == 1  # not retried
    events = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.failed", message_id)
    )
    assert events[0]["reason"] == failed["reason"]
    assert events[0]["trace_id"] == failed["trace_id"] is not None


async def test_timeouts_and_refused_connections_are_transient(settings: Settings) -> None:
    transport = SmtpTransport(settings.model_copy(update={"smtp_timeout_seconds": 0.3}))
    email = an_email(["a@example.com"])
    with silent_server() as port, pytest.raises(TransientDeliveryError):
        await transport.send(email, ["a@example.com"], server=_server(port))
    with pytest.raises(TransientDeliveryError):
        await transport.send(email, ["a@example.com"], server=_server(free_port()))
    with smtp_server() as (handler, port):
        handler.invalid.add("bad@example.com")
        with pytest.raises(PermanentDeliveryError, match="553"):
            await transport.send(email, ["bad@example.com"], server=_server(port))


def _server(port: int) -> SmtpServer:
    return SmtpServer(host="127.0.0.1", port=port, use_tls=False)


async def test_an_email_dead_lettered_by_a_broken_server_is_sent_after_a_redrive(
    runtime: ServiceRuntime,
    sender_app: FastAPI,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    # The org unit's server is down: nothing listens on its port.
    port = free_port()
    to = email_address()
    body = send_body(
        recipient={"emails": [to]}, org_unit_id=str(await through(client, runtime, port))
    )
    message_id = (await client.post("/messages", json=body)).json()["id"]

    # Retried with backoff up to the delivery limit, then parked; the message stays queued.
    await eventually(
        lambda: dead_lettered(settings, NOTIFICATIONS_EMAIL_DELIVERIES, message_id), within=30
    )
    assert (await client.get(f"/messages/{message_id}")).json()["status"] == "queued"
    assert await outbox_payloads(runtime, "notifications.message.failed", message_id) == []

    # The server is mended; the operator re-drives the dead-letter queue.
    with smtp_server(port) as (server, _):
        await redrive(settings, NOTIFICATIONS_EMAIL_DELIVERIES)
        shown = await status_of(client, message_id, "sent")
        assert shown["sent_to"] == [to]
        assert len(server.to(to)) == 1
    assert not await dead_lettered(settings, NOTIFICATIONS_EMAIL_DELIVERIES, message_id)


async def test_an_sms_whose_retries_run_out_is_dead_lettered_then_redriven(
    runtime: ServiceRuntime,
    sms_sender_app: FastAPI,
    settings: Settings,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    number = mobile()
    fake_sms.state.fail_next(number, 1000, status=503)
    response = await client.post("/messages", json=sms_body(recipient={"mobiles": [number]}))
    message_id = response.json()["id"]

    await eventually(
        lambda: dead_lettered(settings, NOTIFICATIONS_SMS_DELIVERIES, message_id), within=30
    )
    # The first delivery and one per redelivery the quorum queue's limit allows, each
    # trying the provider once.
    assert fake_sms.state.attempts(number) == DELIVERY_LIMIT + 1
    assert (await client.get(f"/messages/{message_id}")).json()["status"] == "queued"
    assert fake_sms.state.received(number) == []

    fake_sms.state.fail_next(number, 0)
    await redrive(settings, NOTIFICATIONS_SMS_DELIVERIES)
    await status_of(client, message_id, "sent")
    assert len(fake_sms.state.received(number)) == 1
    sent = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.sent", message_id)
    )
    assert len(sent) == 1
    assert not await dead_lettered(settings, NOTIFICATIONS_SMS_DELIVERIES, message_id)
