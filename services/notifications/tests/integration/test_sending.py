"""Send requests end to end: broker or HTTP in, rendered e-mail in the SMTP sink, result out."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import DeliverEmail, SendMessage
from aftersales_contracts.topology import NOTIFICATIONS_EMAIL_DELIVERIES
from aftersales_kit.broker import dead_letter_queue
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import customer_registered, email_address
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import consumed, eventually
from notifications import tables
from notifications.sending import customers

from ..conftest import outbox_payloads
from .helpers import publish, send_body, status_of

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def mail_to(sink: SmtpSink, to: str) -> list[EmailMessage]:
    return [m for m in sink.messages() if to in str(m["To"])]


async def message_by_key(runtime: ServiceRuntime, key: str) -> list[dict[str, Any]]:
    async with runtime.sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    select(tables.message).where(tables.message.c.idempotency_key == key)
                )
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


async def project(runtime: ServiceRuntime, **overrides: Any) -> uuid.UUID:
    event = customer_registered(**overrides)
    async with runtime.uow() as uow:
        await customers.project_customer(event, uow, now=NOW)
    return event.customer_id


async def test_command_is_rendered_sent_and_reported(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    customer = customer_registered()
    await publish(runtime, customer)
    to = str(customer.emails[0])
    body = send_body(recipient={"customer_id": str(customer.customer_id)})
    await publish(runtime, SendMessage.model_validate(body), command=True)

    async def arrived() -> list[EmailMessage]:
        return mail_to(sink, to)

    mails = await eventually(arrived)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["Subject"] == "Service due for SN-1"
    assert mail["From"] == "service@aftersales.local"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "Dear Ada & <Bob>," in text.get_content()
    assert "Dear Ada &amp; &lt;Bob&gt;," in html.get_content()
    assert "Please do not reply" in text.get_content()

    message_id = str(mail["X-Aftersales-Message-ID"])
    sent = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.sent", message_id)
    )
    assert sent[0]["requester_reference"] == body["requester_reference"]
    assert sent[0]["sent_to"] == [to]
    assert sent[0]["business_object"] == body["business_object"]

    shown = await status_of(client, message_id, "sent")
    assert shown["channel"] == "email"
    assert shown["recipients"] == [to]
    assert shown["sent_to"] == [to]
    assert shown["subject"] == "Service due for SN-1"
    assert shown["sent_at"] is not None

    log = await client.get(
        "/messages",
        params={
            "business_object_kind": body["business_object"]["kind"],
            "business_object_id": body["business_object"]["id"],
        },
    )
    assert log.status_code == 200
    assert [m["message_id"] for m in log.json()["items"]] == [message_id]


async def test_the_same_idempotency_key_sends_once(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    body = send_body()
    to = body["recipient"]["emails"][0]
    first = await client.post("/messages", json=body)
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "queued"
    await status_of(client, first.json()["id"], "sent")

    again = await client.post("/messages", json=body | {"values": {"other": "x"}})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "sent"
    # The same key as a command is a repeat too: once it is consumed, still one message,
    # queued for the sender once, sent once.
    repeat = await publish(runtime, SendMessage.model_validate(body), command=True)
    await consumed(runtime.sessionmaker, repeat.message_id)

    assert len(await message_by_key(runtime, body["idempotency_key"])) == 1
    delivered = await outbox_payloads(runtime, "notifications.deliver_email", first.json()["id"])
    assert len(delivered) == 1
    assert len(mail_to(sink, to)) == 1


async def test_message_for_an_unknown_customer_waits_for_the_customer(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    customer = customer_registered()
    body = send_body(recipient={"customer_id": str(customer.customer_id)})
    response = await client.post("/messages", json=body)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "awaiting_recipient"
    assert response.json()["recipients"] == []

    await publish(runtime, customer)
    shown = await status_of(client, response.json()["id"], "sent")
    assert shown["recipients"] == [str(customer.emails[0])]
    assert len(mail_to(sink, str(customer.emails[0]))) == 1


async def test_blocked_messages_are_reported(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    letters_only = await project(
        runtime,
        allowed_methods=[CommunicationMethod.LETTER],
        preferred_method=CommunicationMethod.LETTER,
    )
    prefers_sms = await project(
        runtime,
        mobiles=["+46701234567"],
        allowed_methods=[CommunicationMethod.EMAIL, CommunicationMethod.SMS],
        preferred_method=CommunicationMethod.SMS,
    )
    no_address = await project(runtime, emails=[])
    reachable = await project(runtime)

    letters_allowed = await project(runtime, allowed_methods=[CommunicationMethod.LETTER])
    cases = [
        # The preferred method is one the message (the step) does not provide: the seed's
        # "preferred communication is not possible", not another method (issue 17 item 2).
        (
            send_body(recipient={"customer_id": str(letters_only)}),
            "preferred_communication_not_possible",
        ),
        (
            send_body(recipient={"customer_id": str(prefers_sms)}),
            "preferred_communication_not_possible",
        ),
        (send_body(recipient={"customer_id": str(letters_allowed)}), "blocked_by_allowed_methods"),
        # SMS asked for and the message has no SMS text: the step's SMS is not set up.
        (
            send_body(recipient={"customer_id": str(prefers_sms)}, channel="sms"),
            "sms_setup_missing",
        ),
        # No e-mail address and e-mail the only way: a recipient problem, fixed by
        # updating the recipient, not the step's e-mail settings (issue 17 item 13).
        (send_body(recipient={"customer_id": str(no_address)}), "blocked_by_allowed_methods"),
        (
            send_body(
                recipient={"customer_id": str(reachable)},
                channel="email",
                content={"sms_text": "Only an SMS text"},
            ),
            "email_settings_missing",
        ),
        (
            send_body(
                recipient={"customer_id": str(reachable)},
                content={"email_subject": None, "email_body": None},
            ),
            "nothing_to_send",
        ),
    ]
    for body, reason in cases:
        response = await client.post("/messages", json=body)
        assert response.status_code == 202, response.text
        message = response.json()
        assert (message["status"], message["reason"]) == ("blocked", reason), body
        assert message["detail"]
        blocked = await outbox_payloads(runtime, "notifications.message.blocked", message["id"])
        assert len(blocked) == 1
        assert blocked[0]["reason"] == reason
        assert blocked[0]["requester"] == "tests"
        assert blocked[0]["requester_reference"] == body["requester_reference"]
        assert not await outbox_payloads(runtime, "notifications.deliver_email", message["id"])


async def test_missing_placeholder_value(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    # Over HTTP: refused, naming the placeholder, and nothing stored.
    body = send_body(values={"serial_number": "SN-1"})
    response = await client.post("/messages", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "values.customer_name"
    assert "customer_name" in response.json()["detail"]
    assert await message_by_key(runtime, body["idempotency_key"]) == []

    # As a command: the message fails and the requester hears why.
    await publish(runtime, SendMessage.model_validate(body), command=True)
    rows = await eventually(lambda: message_by_key(runtime, body["idempotency_key"]))
    assert rows[0]["status"] == "failed"
    assert "customer_name" in rows[0]["reason"]
    failed = await outbox_payloads(runtime, "notifications.message.failed", rows[0]["id"])
    assert failed[0]["requester_reference"] == body["requester_reference"]
    assert "customer_name" in failed[0]["reason"]


async def test_bad_http_input_names_the_field(client: httpx.AsyncClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({k: v for k, v in send_body().items() if k != "requester"}, "requester"),
        (send_body(recipient={"emails": ["not-an-address"]}), "recipient.emails.0"),
        (send_body(recipient={}), "recipient"),
        (send_body(channel="pigeon"), "channel"),
        (send_body(idempotency_key=""), "idempotency_key"),
        (send_body(surprise=1), "surprise"),
        (send_body(business_object={"kind": "x"}), "business_object.id"),
    ]
    for body, field in cases:
        response = await client.post("/messages", json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field, response.json()

    assert (await client.get(f"/messages/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/messages/not-a-uuid")).json()["field"] == "path.message_id"
    missing = await client.get("/messages", params={"business_object_kind": "x"})
    assert missing.status_code == 422
    assert missing.json()["field"] == "query.business_object_id"


async def test_permanent_smtp_error_fails_the_message(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    to = email_address()
    sink.reject.add(to)
    response = await client.post("/messages", json=send_body(recipient={"emails": [to]}))
    message_id = response.json()["id"]

    failed = await status_of(client, message_id, "failed")
    assert "550" in failed["reason"]
    assert failed["trace_id"]
    events = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.failed", message_id)
    )
    assert events[0]["channel"] == "email"
    assert events[0]["trace_id"] == failed["trace_id"]
    assert mail_to(sink, to) == []


async def test_transient_smtp_error_is_retried_then_dead_lettered(
    runtime: ServiceRuntime, sender_app: FastAPI, sink: SmtpSink, client: httpx.AsyncClient
) -> None:
    to = email_address()
    sink.defer.add(to)
    response = await client.post("/messages", json=send_body(recipient={"emails": [to]}))
    message_id = response.json()["id"]

    # After the queue's delivery limit the command waits in the dead-letter queue ...
    await eventually(lambda: _in_dead_letter_queue(sender_app, message_id), within=30)
    # ... and the message is still queued, neither failed nor sent twice.
    shown = (await client.get(f"/messages/{message_id}")).json()
    assert shown["status"] == "queued"
    assert mail_to(sink, to) == []

    # Once the server takes mail again, a redrive sends it.
    sink.defer.discard(to)
    await publish(runtime, DeliverEmail(message_id=uuid.UUID(message_id)), command=True)
    await status_of(client, message_id, "sent")
    assert len(mail_to(sink, to)) == 1


async def _in_dead_letter_queue(app: FastAPI, message_id: str) -> bool:
    """Take our command out of the dead-letter queue; others go back for their own tests."""
    runtime: ServiceRuntime = app.state.runtime
    queue = await runtime.broker.declare_queue(
        dead_letter_queue(NOTIFICATIONS_EMAIL_DELIVERIES, runtime.settings.broker_prefix)
    )
    found, others = False, []
    while (incoming := await queue.get(no_ack=False, fail=False)) is not None:
        if json.loads(incoming.body)["payload"]["message_id"] == message_id:
            found = True
            await incoming.ack()
        else:
            others.append(incoming)
    for other in others:
        await other.nack(requeue=True)
    return found


async def test_concurrent_requests_with_one_key_store_one_message(
    runtime: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    body = send_body(recipient={"emails": [email_address()]}, channel="sms")
    responses = await asyncio.gather(*(client.post("/messages", json=body) for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await message_by_key(runtime, body["idempotency_key"])) == 1
    blocked = await outbox_payloads(
        runtime, "notifications.message.blocked", responses[0].json()["id"]
    )
    assert len(blocked) == 1


async def test_readiness_of_both_processes(api: FastAPI, sender_app: FastAPI) -> None:
    for app in (api, sender_app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://n"
        ) as client:
            response = await client.get("/readyz")
            assert response.status_code == 200, response.text
    assert {getattr(r, "path", "") for r in sender_app.routes} >= {"/healthz", "/readyz"}
    assert not any(getattr(r, "path", "").startswith("/messages") for r in sender_app.routes)
