"""Send requests over AMQP taken as a batch: each stored and decided as its own request
says, in one transaction."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from aftersales_contracts.notifications import SendMessage, SendMessages
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import customer_registered
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import consumed, eventually
from notifications import tables
from notifications.sending import customers

from ..conftest import outbox_envelopes, outbox_payloads
from .helpers import publish, send_body, send_together, status_of


async def _by_key(runtime: ServiceRuntime, key: str) -> list[dict[str, Any]]:
    async with runtime.sessionmaker() as session:
        rows = await session.execute(
            select(tables.message).where(tables.message.c.idempotency_key == key)
        )
        return [dict(r) for r in rows.mappings()]


async def test_send_requests_arriving_together_are_stored_in_one_batch_each_as_it_says(
    runtime: ServiceRuntime, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aftersales_kit.inbox")
    plain = [send_body() for _ in range(4)]
    missing = send_body(values={"serial_number": "SN-1"})  # no customer_name: fails
    repeated = send_body()
    earlier = send_body()  # stored before the batch came
    assert (await client.post("/messages", json=earlier)).status_code == 202
    commands = [*plain[:2], missing, repeated, earlier, *plain[2:], repeated]
    sent = await send_together(runtime, commands)

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
    # The same key twice in one batch: one message, one delivery; a key stored before the
    # batch: nothing new.
    [once] = await _by_key(runtime, repeated["idempotency_key"])
    assert len(await outbox_payloads(runtime, "notifications.deliver_email", once["id"])) == 1
    [before] = await _by_key(runtime, earlier["idempotency_key"])
    assert len(await outbox_payloads(runtime, "notifications.deliver_email", before["id"])) == 1
    # All of it in the batch's one pass: no race lost on a key sent it one by one (the
    # batch looks its keys up once; a repeated key looks again).
    assert not [r for r in caplog.records if "one message at a time" in r.getMessage()]
    # What follows from each request names that request (not the batch's first).
    commands_by_key = {body["idempotency_key"]: e for body, e in zip(commands, sent, strict=True)}
    bodies = await outbox_envelopes(runtime, "notifications.deliver_email")
    rows = {b["payload"]["message_id"]: b for b in bodies}
    for body in plain:
        [row] = await _by_key(runtime, body["idempotency_key"])
        command = commands_by_key[body["idempotency_key"]]
        assert rows[str(row["id"])]["causation_id"] == str(command.message_id)


async def test_a_batch_reads_its_customers_at_once_each_message_as_it_would_alone(
    runtime: ServiceRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aftersales_kit.inbox")
    known = customer_registered(language="sv")
    no_address = customer_registered(emails=[])
    unknown = customer_registered()  # notifications has not seen it yet
    for customer in (known, no_address):
        async with runtime.uow() as uow:
            await customers.project_customer(customer, uow, now=datetime.now(UTC))
    to_known = [send_body(recipient={"customer_id": str(known.customer_id)}) for _ in range(2)]
    to_no_address = send_body(recipient={"customer_id": str(no_address.customer_id)})
    to_unknown = send_body(recipient={"customer_id": str(unknown.customer_id)})
    commands = [to_known[0], to_unknown, to_no_address, to_known[1]]
    await send_together(runtime, commands)

    rows = [(await _by_key(runtime, body["idempotency_key"]))[0] for body in commands]
    assert len({row["created_at"] for row in rows}) < len(commands)  # taken together
    assert [row["status"] for row in rows] == ["queued", "awaiting_recipient", "blocked", "queued"]
    assert rows[0]["recipients"] == rows[3]["recipients"] == [str(known.emails[0])]
    # Each in its customer's language (read with the batch's customers), the one whose
    # customer is not known yet in the installation's.
    assert [row["language"] for row in rows] == ["sv", "en", "en", "sv"]
    assert not [r for r in caplog.records if "one message at a time" in r.getMessage()]
    # The customer that was not known yet releases its waiting message when it comes.
    await publish(runtime, unknown)
    waited = await eventually(lambda: _queued(runtime, to_unknown["idempotency_key"]), within=10)
    assert waited is not None
    assert waited["recipients"] == [str(unknown.emails[0])]


def _mails_to(sink: SmtpSink, to: str) -> list[Any]:
    return [m for m in sink.messages() if to in str(m["To"])]


async def _queued(runtime: ServiceRuntime, key: str) -> dict[str, Any] | None:
    [row] = await _by_key(runtime, key)
    return row if row["status"] == "queued" else None


async def test_a_set_of_requests_is_each_request_on_its_own(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    # Decision 102: one command for a requester's batch; each request still its own
    # message, key, mail and result, and a set beside a single one in the same batch.
    earlier = send_body()
    first = await client.post("/messages", json=earlier)
    assert first.status_code == 202, first.text
    fresh = [send_body() for _ in range(3)]
    unrenderable = send_body(values={"serial_number": "SN-1"})  # customer_name missing
    requests = [SendMessage.model_validate(b) for b in [*fresh, earlier, fresh[0], unrenderable]]
    alone = send_body()
    async with runtime.uow() as uow:
        carrier = uow.send(SendMessages(messages=requests))
        uow.send(SendMessage.model_validate(alone))
        await uow.commit()
    await consumed(runtime.sessionmaker, carrier.message_id)

    for body in [*fresh, alone]:
        [row] = await eventually(partial(_by_key, runtime, body["idempotency_key"]))
        shown = await status_of(client, str(row["id"]), "sent")
        to = body["recipient"]["emails"][0]
        assert shown["sent_to"] == [to]
        assert len(_mails_to(sink, to)) == 1  # fresh[0] twice in the set: once
        [sent] = await eventually(
            partial(outbox_payloads, runtime, "notifications.message.sent", row["id"])
        )
        assert sent["requester_reference"] == body["requester_reference"]
    # The request made before over HTTP is a repeat: still one message, one mail.
    assert [r["id"] for r in await _by_key(runtime, earlier["idempotency_key"])] == [
        uuid.UUID(first.json()["id"])
    ]
    await status_of(client, first.json()["id"], "sent")
    assert len(_mails_to(sink, earlier["recipient"]["emails"][0])) == 1
    # A request that cannot be rendered fails alone; the set's others went out.
    [failed] = await _by_key(runtime, unrenderable["idempotency_key"])
    assert failed["status"] == "failed"
    assert "customer_name" in failed["reason"]
    # What follows from a request names the set's command as its cause.
    fresh_ids = {
        str(row["id"]) for b in fresh for row in await _by_key(runtime, b["idempotency_key"])
    }
    deliveries = await outbox_envelopes(runtime, "notifications.deliver_email")
    causes = {d["causation_id"] for d in deliveries if d["payload"]["message_id"] in fresh_ids}
    assert causes == {str(carrier.message_id)}
