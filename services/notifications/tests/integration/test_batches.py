"""The e-mail sender's batches: deliveries queued while no sender ran go out together
(one transaction), and each message still ends as its own delivery would: sent once,
failed, or back to the broker and sent later."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import DeliverEmail
from aftersales_contracts.topology import NOTIFICATIONS_EMAIL_DELIVERIES
from aftersales_kit.inbox import Consumer
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import consumed
from notifications import sender
from notifications.delivery.batches import Sender
from notifications.delivery.email_batches import EmailBatch, EmailWay
from notifications.delivery.ledger import AttemptLedger
from notifications.delivery.smtp import SmtpTransport
from notifications.settings import Settings

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


async def test_a_batch_whose_sender_dies_before_its_commit_leaves_its_answers_recorded(
    settings: Settings, runtime: ServiceRuntime, client: httpx.AsyncClient, sink: SmtpSink
) -> None:
    """The server took every e-mail of a batch, then the sender died before the batch's
    one commit of their outcomes: each answer was committed the moment it came, so the
    next delivery records it (sent, once) instead of leaving the message "maybe sent"."""
    addresses = [email_address() for _ in range(4)]
    refused = email_address()
    sink.refuse_data.add(refused)  # refused for good once it has the content
    ids = [await _queued(client, to) for to in [*addresses, refused]]
    consumer = Consumer(NOTIFICATIONS_EMAIL_DELIVERIES, runtime.uow)
    async with runtime.uow() as uow:
        # The dead process's ledger: gone with it.
        dying = Sender(settings, AttemptLedger(), consumer, EmailWay(SmtpTransport(settings), None))
        await EmailBatch(
            [Envelope.wrap(DeliverEmail(message_id=uuid.UUID(m))) for m in ids],
            uow,
            dying,
            now=datetime.now(UTC),
        ).deliver()
        await uow.rollback()  # the sender dies: the batch's transaction never commits
    assert [_files_to(sink, to) for to in addresses] == [1] * len(addresses)
    for message_id in ids:
        shown = (await client.get(f"/messages/{message_id}")).json()
        assert shown["status"] == "queued"
        assert [(a["phase"], a["outcome"]) for a in shown["attempts"]] == [("answered", None)]

    # A new sender process: the commands still queued come to it.
    app = sender.build_app(settings)
    async with app.router.lifespan_context(app):
        sent = [await status_of(client, m, "sent") for m in ids[:-1]]
        failed = await status_of(client, ids[-1], "failed")
    assert [_files_to(sink, to) for to in addresses] == [1] * len(addresses)  # not again
    for shown, to in zip(sent, addresses, strict=True):
        assert [(a["phase"], a["outcome"]) for a in shown["attempts"]] == [("answered", "sent")]
        assert shown["sent_to"] == [to]
    assert "554" in failed["reason"]
    assert [(a["phase"], a["outcome"]) for a in failed["attempts"]] == [("answered", "failed")]
