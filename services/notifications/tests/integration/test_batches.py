"""The e-mail sender's batches: deliveries queued while no sender ran go out together
(one transaction), and each message still ends as its own delivery would: sent once,
failed, or back to the broker and sent later."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.notifications import DeliverEmail, SendMessage
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import consumed
from notifications import sender, tables
from notifications.settings import Settings

from ..conftest import outbox_payloads
from .helpers import send_body, status_of


async def _queued(client: httpx.AsyncClient, to: str) -> str:
    response = await client.post("/messages", json=send_body(recipient={"emails": [to]}))
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _files_to(sink: SmtpSink, to: str) -> int:
    return len([m for m in sink.messages() if to in str(m["To"])])


async def _outbox_bodies(runtime: ServiceRuntime, routing_key: str) -> list[dict[str, Any]]:
    async with runtime.sessionmaker() as session:
        return list(
            (
                await session.scalars(
                    select(outbox_message.c.body).where(outbox_message.c.routing_key == routing_key)
                )
            ).all()
        )


async def test_deliveries_queued_together_go_out_in_one_batch_each_with_its_own_outcome(
    settings: Settings, runtime: ServiceRuntime, client: httpx.AsyncClient, sink: SmtpSink
) -> None:
    plain = [email_address() for _ in range(5)]
    refused, deferred = email_address(), email_address()
    sink.reject.add(refused)
    sink.defer.add(deferred)
    # Queued while no sender runs: the sender finds them waiting and takes them together.
    ids = {to: await _queued(client, to) for to in [*plain[:2], refused, deferred, *plain[2:]]}

    app = sender.build_app(settings)
    async with app.router.lifespan_context(app):
        shown = {to: await status_of(client, ids[to], "sent") for to in plain}
        failed = await status_of(client, ids[refused], "failed")
        assert "550" in failed["reason"]
        # The deferred one went back to the broker: still queued, its attempt not sent.
        still = (await client.get(f"/messages/{ids[deferred]}")).json()
        assert still["status"] == "queued"
        assert still["attempts"][0]["outcome"] == "not_sent"
        sink.defer.discard(deferred)
        await status_of(client, ids[deferred], "sent")

    for to in [*plain, deferred]:
        assert _files_to(sink, to) == 1  # each once
    assert _files_to(sink, refused) == 0
    # One batch: the plain messages' attempts began together (one statement, one time).
    started = {s["attempts"][0]["started_at"] for s in shown.values()}
    assert len(started) < len(plain)
    assert all(len(s["attempts"]) == 1 for s in shown.values())

    # Each MessageSent follows from its own delivery command (not from the batch).
    commands = {
        body["payload"]["message_id"]: body
        for body in await _outbox_bodies(runtime, "notifications.deliver_email")
    }
    for body in await _outbox_bodies(runtime, "notifications.message.sent"):
        command = commands.get(body["payload"]["message_id"])
        if command is None or body["payload"]["message_id"] not in ids.values():
            continue
        assert body["causation_id"] == command["message_id"]
        assert body["correlation_id"] == command["correlation_id"]


async def test_a_message_already_sent_is_not_sent_again_by_a_batch(
    settings: Settings, runtime: ServiceRuntime, client: httpx.AsyncClient, sink: SmtpSink
) -> None:
    first, second = email_address(), email_address()
    ids = [await _queued(client, to) for to in (first, second)]
    app = sender.build_app(settings)
    async with app.router.lifespan_context(app):
        for message_id in ids:
            await status_of(client, message_id, "sent")
    # The same deliveries once more (a redrive, a duplicate command), with a fresh one.
    third = email_address()
    ids.append(await _queued(client, third))
    async with runtime.uow() as uow:
        again = [uow.send(DeliverEmail(message_id=uuid.UUID(m))) for m in ids[:2]]
        await uow.commit()
    app = sender.build_app(settings)
    async with app.router.lifespan_context(app):
        await status_of(client, ids[2], "sent")
        for envelope in again:
            await consumed(runtime.sessionmaker, envelope.message_id)
    assert [_files_to(sink, to) for to in (first, second, third)] == [1, 1, 1]


async def _by_key(runtime: ServiceRuntime, key: str) -> list[dict[str, Any]]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(tables.message).where(tables.message.c.idempotency_key == key)
        )
        return [dict(r) for r in rows.mappings()]


async def test_send_requests_arriving_together_are_stored_in_one_batch_each_as_it_says(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    plain = [send_body() for _ in range(4)]
    missing = send_body(values={"serial_number": "SN-1"})  # no customer_name: fails
    repeated = send_body()
    commands = [*plain[:2], missing, repeated, *plain[2:], repeated]
    # One commit: the relay publishes them together and the API takes them as a batch.
    async with runtime.uow() as uow:
        sent = [uow.send(SendMessage.model_validate(body)) for body in commands]
        await uow.commit()
    for envelope in sent:
        await consumed(runtime.sessionmaker, envelope.message_id)

    stored = [(await _by_key(runtime, body["idempotency_key"]))[0] for body in plain]
    assert len({row["created_at"] for row in stored}) < len(plain)  # taken together
    for body in plain:
        [row] = await _by_key(runtime, body["idempotency_key"])
        assert row["status"] == "queued"
        deliveries = await outbox_payloads(runtime, "notifications.deliver_email", row["id"])
        assert len(deliveries) == 1
    [failed] = await _by_key(runtime, missing["idempotency_key"])
    assert failed["status"] == "failed"
    assert "customer_name" in failed["reason"]
    # The same key twice in one batch: one message, one delivery.
    [once] = await _by_key(runtime, repeated["idempotency_key"])
    assert len(await outbox_payloads(runtime, "notifications.deliver_email", once["id"])) == 1
    # What follows from each request names that request (not the batch's first).
    commands_by_key = {body["idempotency_key"]: e for body, e in zip(commands, sent, strict=True)}
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.routing_key == "notifications.deliver_email"
                )
            )
        ).all()
    rows = {b["payload"]["message_id"]: b for b in bodies}
    for body in plain:
        [row] = await _by_key(runtime, body["idempotency_key"])
        command = commands_by_key[body["idempotency_key"]]
        assert rows[str(row["id"])]["causation_id"] == str(command.message_id)
