"""Re-drive or redelivery never sends twice: the attempt is recorded before the message
is handed over, a delivery that finds an unfinished attempt makes the message
``unconfirmed`` instead of sending it again, and an operator resolves it (resend or
confirm-sent). Every e-mail has its stable Message-ID and a Date: header, as received."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.waiting import eventually
from notifications import deliveries_cli, sender, sms_sender
from notifications.delivery.domain import SmtpServer, UncertainDeliveryError
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.sms import HttpSmsProvider
from notifications.delivery.smtp import HandingOver, SmtpTransport
from notifications.fake_sms import FakeSmsServer
from notifications.settings import Settings

from ..conftest import outbox_payloads
from .helpers import an_email, send_body, status_of
from .test_reliability import through
from .test_sms import mobile, sms_body

OPERATOR = {"X-Aftersales-Roles": "operator", "X-Aftersales-User": "olga"}
VIEWER = {"X-Aftersales-Roles": "viewer", "X-Aftersales-User": "vic"}


class DiesAfterTheServerTookIt(SmtpTransport):
    """The SMTP server accepts the message, then the sender "dies" before it records
    that (its transaction never commits): the first time for each recipient in ``doomed``."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.doomed: set[str] = set()

    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        accepted = await super().send(email, recipients, server, handing_over=handing_over)
        if self.doomed.intersection(recipients):
            self.doomed.difference_update(recipients)
            raise RuntimeError("the sender died after the server took the message")
        return accepted


class DatabaseLostAfterTheServerTookIt(SmtpTransport):
    """The server accepts the message, then every connection to the service's database
    is dropped (the outcome's commit fails) — the sender itself lives on."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.doomed: set[str] = set()

    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        accepted = await super().send(email, recipients, server, handing_over=handing_over)
        if self.doomed.intersection(recipients):
            self.doomed.difference_update(recipients)
            await _drop_connections(self._settings)
        return accepted


async def _drop_connections(settings: Settings) -> None:
    engine = create_async_engine(settings.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def _sender(settings: Settings, transport: SmtpTransport) -> AsyncIterator[FastAPI]:
    app = sender.build_app(settings, transport=transport)
    async with app.router.lifespan_context(app):
        yield app


def _received_by(sink: SmtpSink, to: str) -> list[EmailMessage]:
    return [m for m in sink.messages() if m["To"] == to]


async def _deliveries_queued(runtime: ServiceRuntime, message_id: str) -> int:
    """How many DeliverEmail/DeliverSms commands were written for one message."""
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.routing_key.in_(
                        ["notifications.deliver_email", "notifications.deliver_sms"]
                    )
                )
            )
        ).all()
    return sum(1 for b in bodies if b["payload"]["message_id"] == message_id)


async def _unconfirmed_after_a_death(
    settings: Settings, client: httpx.AsyncClient, sink: SmtpSink
) -> tuple[str, str]:
    """A message whose sender died after the SMTP server took it, redelivered: the
    message id and its recipient."""
    transport = DiesAfterTheServerTookIt(settings)
    to = email_address()
    transport.doomed.add(to)
    async with _sender(settings, transport):
        message_id = await client.post("/messages", json=send_body(recipient={"emails": [to]}))
        message_id = message_id.json()["id"]
        await status_of(client, message_id, "unconfirmed")
    return message_id, to


async def test_a_redelivery_after_the_server_took_the_message_does_not_send_it_again(
    runtime: ServiceRuntime, settings: Settings, client: httpx.AsyncClient, sink: SmtpSink
) -> None:
    message_id, to = await _unconfirmed_after_a_death(settings, client, sink)

    received = _received_by(sink, to)
    assert len(received) == 1  # the redelivery did not send it again
    # As received: the stable Message-ID and an RFC 5322 Date with its zone.
    assert received[0]["Message-ID"].startswith(f"<{message_id}@")
    assert parsedate_to_datetime(received[0]["Date"]).tzinfo is not None

    shown = (await client.get(f"/messages/{message_id}")).json()
    assert shown["status"] == "unconfirmed"
    assert "may have been sent" in shown["reason"]
    # It died past the recorded point of no return (DATA), so it may have gone out.
    assert [(a["number"], a["phase"], a["outcome"]) for a in shown["attempts"]] == [
        (1, "handing_over", "unconfirmed")
    ]
    assert shown["attempts"][0]["recipients"] == [to]
    # The requester is told nothing until an operator decides.
    assert await outbox_payloads(runtime, "notifications.message.sent", message_id) == []

    # The operator's list.
    listed = (await client.get("/messages", params={"status": "unconfirmed"})).json()
    assert message_id in [e["message_id"] for e in listed["items"]]
    assert listed["latest_version"] is None


async def test_resend_sends_exactly_once_more_and_tells_the_requester(
    runtime: ServiceRuntime,
    settings: Settings,
    client: httpx.AsyncClient,
    sink: SmtpSink,
) -> None:
    message_id, to = await _unconfirmed_after_a_death(settings, client, sink)

    response = await client.post(f"/messages/{message_id}/resend", headers=OPERATOR)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "queued"

    async with _sender(settings, SmtpTransport(settings)):
        sent = await status_of(client, message_id, "sent")
    assert len(_received_by(sink, to)) == 2  # the operator's explicit choice: once more
    assert [(a["outcome"], a["resolution"], a["resolved_by"]) for a in sent["attempts"]] == [
        ("unconfirmed", "resend", "olga"),
        ("sent", None, None),
    ]
    assert sent["reason"] is None
    events = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.sent", message_id)
    )
    assert len(events) == 1

    again = await client.post(f"/messages/{message_id}/resend", headers=OPERATOR)
    assert again.status_code == 409
    assert again.json()["field"] == "status"
    assert "sent" in again.json()["detail"]


async def test_confirm_sent_sends_nothing_and_tells_the_requester(
    runtime: ServiceRuntime, settings: Settings, client: httpx.AsyncClient, sink: SmtpSink
) -> None:
    message_id, to = await _unconfirmed_after_a_death(settings, client, sink)

    response = await client.post(f"/messages/{message_id}/confirm-sent", headers=OPERATOR)
    assert response.status_code == 200, response.text
    confirmed = response.json()
    assert confirmed["status"] == "sent"
    assert confirmed["sent_to"] == [to]
    assert confirmed["sent_at"] == confirmed["attempts"][0]["started_at"]
    assert confirmed["attempts"][0]["resolution"] == "confirmed_sent"
    events = await outbox_payloads(runtime, "notifications.message.sent", message_id)
    assert [e["sent_to"] for e in events] == [[to]]
    # Nothing was queued for sending again: the first delivery command is the only one.
    assert await _deliveries_queued(runtime, message_id) == 1
    assert len(_received_by(sink, to)) == 1

    again = await client.post(f"/messages/{message_id}/confirm-sent", headers=OPERATOR)
    assert again.status_code == 409


async def test_only_admins_and_operators_resolve_and_only_unconfirmed_messages(
    client: httpx.AsyncClient, sender_app: FastAPI
) -> None:
    queued = (await client.post("/messages", json=send_body())).json()["id"]
    for route in ("resend", "confirm-sent"):
        refused = await client.post(f"/messages/{queued}/{route}", headers=VIEWER)
        assert refused.status_code == 403
        assert refused.json()["field"] == "X-Aftersales-Roles"
        unknown = await client.post(f"/messages/{uuid.uuid4()}/{route}", headers=OPERATOR)
        assert unknown.status_code == 404
    await status_of(client, queued, "sent")
    conflict = await client.post(f"/messages/{queued}/confirm-sent", headers=OPERATOR)
    assert conflict.status_code == 409
    assert conflict.json()["message_status"] == "sent"
    # A list needs a business object or a status.
    assert (await client.get("/messages")).json()["field"] == "query.status"
    only_kind = await client.get("/messages", params={"business_object_kind": "x"})
    assert only_kind.json()["field"] == "query.business_object_id"


async def test_a_lost_database_after_the_server_took_it_is_ridden_out_without_a_duplicate(
    runtime: ServiceRuntime, settings: Settings, client: httpx.AsyncClient, sink: SmtpSink
) -> None:
    transport = DatabaseLostAfterTheServerTookIt(settings)
    to = email_address()
    transport.doomed.add(to)
    async with _sender(settings, transport):
        message_id = (
            await client.post("/messages", json=send_body(recipient={"emails": [to]}))
        ).json()["id"]
        # The commit of "sent" failed; the sender knew, and wrote it once it could.
        shown = await status_of(client, message_id, "sent")
    assert transport.doomed == set()  # the connections were dropped after the hand-over
    assert len(_received_by(sink, to)) == 1
    assert [a["outcome"] for a in shown["attempts"]] == ["sent"]


async def _swallowing_smtp(received: list[bytes]) -> asyncio.Server:
    """An SMTP server that takes the whole message after DATA and then drops the
    connection without its 250 (RFC 1047's lost reply)."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 swallow ESMTP\r\n")
        await writer.drain()
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                while (data := await reader.readline()) not in (b".\r\n", b""):
                    received.append(data)
                writer.close()  # taken, and no reply
                return
            writer.write(b"221 bye\r\n" if verb == b"QUIT" else b"250 OK\r\n")
            await writer.drain()
        writer.close()

    return await asyncio.start_server(session, "127.0.0.1", 0)


async def test_no_answer_after_the_data_makes_the_message_unconfirmed_at_once(
    settings: Settings, client: httpx.AsyncClient, sender_app: FastAPI, runtime: ServiceRuntime
) -> None:
    received: list[bytes] = []
    server = await _swallowing_smtp(received)
    port = server.sockets[0].getsockname()[1]
    try:
        email = an_email(["a@example.com"])
        with pytest.raises(UncertainDeliveryError, match="no answer after the data"):
            await SmtpTransport(settings).send(
                email, ["a@example.com"], server=SmtpServer("127.0.0.1", port, use_tls=False)
            )

        body = send_body(org_unit_id=str(await through(client, runtime, port)))
        message_id = (await client.post("/messages", json=body)).json()["id"]
        shown = await status_of(client, message_id, "unconfirmed")
        assert "no answer after the data" in shown["reason"]
        assert [a["outcome"] for a in shown["attempts"]] == ["unconfirmed"]
    finally:
        server.close()


class _ProviderThatDies(HttpSmsProvider):
    """The provider takes the SMS, then the sender dies before recording it."""

    doomed: set[str]

    async def send(self, *, to: str, sender: str, text: str, reference: str) -> str:
        provider_id = await super().send(to=to, sender=sender, text=text, reference=reference)
        if to in self.doomed:
            self.doomed.discard(to)
            raise RuntimeError("the SMS sender died after the provider took it")
        return provider_id


async def test_an_sms_attempt_is_recorded_and_an_unfinished_one_is_not_sent_again(
    runtime: ServiceRuntime,
    settings: Settings,
    client: httpx.AsyncClient,
    fake_sms: FakeSmsServer,
) -> None:
    provider = _ProviderThatDies(settings)
    number = mobile()
    provider.doomed = {number}
    app = sms_sender.build_app(settings, provider=provider)
    try:
        async with app.router.lifespan_context(app):
            body = sms_body(recipient={"mobiles": [number]})
            message_id = (await client.post("/messages", json=body)).json()["id"]
            shown = await status_of(client, message_id, "unconfirmed")
            # Recorded handing over before the first number's request.
            assert [(a["channel"], a["phase"]) for a in shown["attempts"]] == [
                ("sms", "handing_over")
            ]
            assert len(fake_sms.state.received(number)) == 1
            # The operator resends: the provider answers the same reference with the
            # first id (it honours it) and sends nothing more.
            resent = await client.post(f"/messages/{message_id}/resend", headers=OPERATOR)
            assert resent.status_code == 200
            sent = await status_of(client, message_id, "sent")
    finally:
        await provider.aclose()
    assert len(fake_sms.state.received(number)) == 1
    assert sent["provider_message_ids"] == [fake_sms.state.received(number)[0].id]


async def test_the_operators_cli_lists_and_resolves_unconfirmed_messages(
    runtime: ServiceRuntime,
    settings: Settings,
    client: httpx.AsyncClient,
    sink: SmtpSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    message_id, to = await _unconfirmed_after_a_death(settings, client, sink)
    url = ["--database-url", settings.database_url]

    assert await deliveries_cli.run(deliveries_cli.parse_args([*url, "unconfirmed"])) == 0
    listed = capsys.readouterr().out
    assert f"{message_id}  email  {to}" in listed

    confirm = deliveries_cli.parse_args([*url, "confirm-sent", message_id, "--by", "ops"])
    assert await deliveries_cli.run(confirm) == 0
    assert capsys.readouterr().out.strip() == f"{message_id}  sent"
    assert await deliveries_cli.run(confirm) == 1  # no longer unconfirmed
    assert "not unconfirmed" in capsys.readouterr().err
    assert len(await outbox_payloads(runtime, "notifications.message.sent", message_id)) == 1
