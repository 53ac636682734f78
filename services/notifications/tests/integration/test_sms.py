"""SMS end to end: send request in, the fake provider (a real HTTP server) receives it,
the result goes out; a flaky provider, a refused number, SMS not set up."""

from __future__ import annotations

import functools
import random
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import SendMessage
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import customer_registered
from aftersales_testing.waiting import eventually
from notifications import main
from notifications.delivery.domain import PermanentDeliveryError, TransientDeliveryError
from notifications.delivery.sms import HttpSmsProvider
from notifications.fake_sms import FakeSmsServer
from notifications.settings import Settings

from ..conftest import FAKE_SMS_KEY, outbox_payloads
from .helpers import known_org_unit, publish, send_body, status_of


def mobile() -> str:
    return f"+4670{random.randrange(10**7):07d}"


def sms_body(**overrides: Any) -> dict[str, Any]:
    body = send_body(
        channel="sms",
        content={"sms_text": "Hi {{ customer_name }}, {{ serial_number }} is due for service."},
    )
    return body | overrides


async def test_sms_command_is_sent_through_the_provider_and_reported(
    runtime: ServiceRuntime,
    sms_sender_app: FastAPI,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    number = mobile()
    customer = customer_registered(
        mobiles=[number],
        allowed_methods=[CommunicationMethod.EMAIL, CommunicationMethod.SMS],
        preferred_method=CommunicationMethod.SMS,
    )
    await publish(runtime, customer)
    # ``auto``: the customer's preferred method decides.
    body = sms_body(channel="auto", recipient={"customer_id": str(customer.customer_id)})
    body["content"] |= {"email_subject": "Due", "email_body": "<p>Due</p>"}
    await publish(runtime, SendMessage.model_validate(body), command=True)

    received = await eventually(lambda: _received(fake_sms, number))
    assert len(received) == 1
    assert received[0].text == "Hi Ada & <Bob>, SN-1 is due for service."
    assert received[0].sender == "Aftersales"

    sent = await eventually(
        lambda: _events_for(runtime, "notifications.message.sent", body["requester_reference"])
    )
    assert sent[0]["channel"] == "sms"
    assert sent[0]["sent_to"] == [number]
    assert sent[0]["business_object"] == body["business_object"]

    shown = await status_of(client, sent[0]["message_id"], "sent")
    assert shown["channel"] == "sms"
    assert shown["recipients"] == [number]
    assert shown["provider_message_ids"] == [received[0].id]
    assert (shown["sms_encoding"], shown["sms_segments"]) == ("gsm-7", 1)
    assert await outbox_payloads(runtime, "notifications.deliver_sms", shown["id"])
    assert not await outbox_payloads(runtime, "notifications.deliver_email", shown["id"])


async def test_a_customer_allowing_only_sms_gets_the_sms_though_an_address_is_on_file(
    runtime: ServiceRuntime,
    sms_sender_app: FastAPI,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    # Issue 17 item 3: no preference, only SMS allowed, an e-mail address on file (the
    # builder's): blocked by the allowed methods before, as e-mail was tried first.
    number = mobile()
    customer = customer_registered(
        mobiles=[number], allowed_methods=[CommunicationMethod.SMS], preferred_method=None
    )
    assert customer.emails
    await publish(runtime, customer)
    body = sms_body(channel="auto", recipient={"customer_id": str(customer.customer_id)})
    body["content"] |= {"email_subject": "Due", "email_body": "<p>Due</p>"}
    response = await client.post("/messages", json=body)
    assert response.status_code == 202, response.text
    # (It may wait for the customer's snapshot a moment: the same rule releases it.)
    shown = await status_of(client, response.json()["id"], "sent")
    assert (shown["channel"], shown["sent_to"]) == ("sms", [number])
    assert len(fake_sms.state.received(number)) == 1
    assert not await outbox_payloads(runtime, "notifications.deliver_email", shown["id"])


async def test_explicit_numbers_over_http_with_a_long_unicode_text(
    sms_sender_app: FastAPI, fake_sms: FakeSmsServer, client: httpx.AsyncClient
) -> None:
    first, second = mobile(), mobile()
    text = "Привет! " * 10  # 80 UCS-2 units: two parts
    response = await client.post(
        "/messages",
        json=sms_body(recipient={"mobiles": [first, second]}, content={"sms_text": text}),
    )
    assert response.status_code == 202, response.text
    assert (response.json()["sms_encoding"], response.json()["sms_segments"]) == ("ucs-2", 2)
    shown = await status_of(client, response.json()["id"], "sent")
    assert shown["sent_to"] == [first, second]
    assert [m.text for m in fake_sms.state.received(first)] == [text]
    assert len(fake_sms.state.received(second)) == 1


async def test_a_flaky_provider_is_retried_and_sends_once(
    runtime: ServiceRuntime,
    sms_sender_app: FastAPI,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    number = mobile()
    fake_sms.state.fail_next(number, 2, status=503)
    response = await client.post("/messages", json=sms_body(recipient={"mobiles": [number]}))
    message_id = response.json()["id"]

    await status_of(client, message_id, "sent")
    assert fake_sms.state.attempts(number) == 3
    assert len(fake_sms.state.received(number)) == 1
    assert len(await outbox_payloads(runtime, "notifications.message.sent", message_id)) == 1


async def test_a_refused_number_fails_at_once_with_the_reason(
    runtime: ServiceRuntime,
    sms_sender_app: FastAPI,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    number = mobile()
    fake_sms.state.refuse(number)
    body = sms_body(recipient={"mobiles": [number]})
    message_id = (await client.post("/messages", json=body)).json()["id"]

    failed = await status_of(client, message_id, "failed")
    assert "400" in failed["reason"]
    assert "invalid number" in failed["reason"]
    assert failed["trace_id"]
    events = await eventually(
        lambda: outbox_payloads(runtime, "notifications.message.failed", message_id)
    )
    assert events[0]["channel"] == "sms"
    assert events[0]["requester_reference"] == body["requester_reference"]
    assert "invalid number" in events[0]["reason"]
    # Failed at the first answer: no retries.
    assert fake_sms.state.attempts(number) == 1
    assert fake_sms.state.received(number) == []


async def test_bad_numbers_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    for bad in ("0701234567", "+0701234567", "+46 70 123 45 67", "+4670123456789012"):
        response = await client.post("/messages", json=sms_body(recipient={"mobiles": [bad]}))
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["field"] == "recipient.mobiles.0"


@pytest.fixture
async def unconfigured_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = main.build_app(settings.model_copy(update={"sms_provider_url": None}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://notifications"
        ) as client,
    ):
        yield client


async def test_without_a_provider_sms_is_blocked_as_setup_missing(
    runtime: ServiceRuntime, unconfigured_client: httpx.AsyncClient
) -> None:
    number = mobile()
    for body in (
        sms_body(recipient={"mobiles": [number]}),
        sms_body(recipient={"mobiles": [number]}, channel="auto"),
    ):
        response = await unconfigured_client.post("/messages", json=body)
        assert response.status_code == 202, response.text
        shown = response.json()
        assert (shown["status"], shown["reason"]) == ("blocked", "sms_setup_missing")
        assert "provider" in shown["detail"]
        blocked = await outbox_payloads(runtime, "notifications.message.blocked", shown["id"])
        assert blocked[0]["reason"] == "sms_setup_missing"
        assert not await outbox_payloads(runtime, "notifications.deliver_sms", shown["id"])


async def test_the_adapter_sorts_failures(fake_sms: FakeSmsServer, settings: Settings) -> None:
    """The HTTP adapter against the fake over real HTTP, one answer at a time."""
    provider = HttpSmsProvider(settings)
    number = mobile()
    try:
        for status in (503, 500, 429):
            fake_sms.state.fail_next(number, 1, status=status)
            with pytest.raises(TransientDeliveryError, match=str(status)):
                await provider.send(to=number, sender="Aftersales", text="x", reference="r1")
        assert await provider.send(to=number, sender="Aftersales", text="x", reference="r1")
        # The same reference again: the first id, and no second SMS.
        again = await provider.send(to=number, sender="Aftersales", text="x", reference="r1")
        assert [m.id for m in fake_sms.state.received(number)] == [again]
        with pytest.raises(PermanentDeliveryError, match="invalid number"):
            await provider.send(to="+12", sender="Aftersales", text="x", reference="r2")
    finally:
        await provider.aclose()

    wrong_key = HttpSmsProvider(settings.model_copy(update={"sms_api_key": None}))
    try:
        with pytest.raises(TransientDeliveryError, match="401"):
            await wrong_key.send(to=number, sender="Aftersales", text="x", reference="r3")
    finally:
        await wrong_key.aclose()

    # A provider that is not there, and one that never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        port = silent.getsockname()[1]
        for url in (f"http://127.0.0.1:{port}",):
            away = HttpSmsProvider(settings.model_copy(update={"sms_provider_url": url}))
            try:
                with pytest.raises(TransientDeliveryError, match="could not connect"):
                    await away.send(to=number, sender="A", text="x", reference="r4")
            finally:
                await away.aclose()
        silent.listen(1)
        slow = HttpSmsProvider(
            settings.model_copy(
                update={"sms_provider_url": f"http://127.0.0.1:{port}", "sms_timeout_seconds": 0.2}
            )
        )
        try:
            with pytest.raises(TransientDeliveryError, match="Timeout"):
                await slow.send(to=number, sender="A", text="x", reference="r5")
        finally:
            await slow.aclose()
    assert FAKE_SMS_KEY not in repr(settings)


async def _received(fake: FakeSmsServer, number: str) -> list[Any]:
    return fake.state.received(number)


async def _events_for(
    runtime: ServiceRuntime, routing_key: str, requester_reference: str
) -> list[dict[str, Any]]:
    async with runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(outbox_message.c.routing_key == routing_key)
            )
        ).all()
    return [
        b["payload"]
        for b in bodies
        if b["payload"].get("requester_reference") == requester_reference
    ]


async def test_an_org_unit_sends_its_sms_under_its_own_sender_name(
    runtime: ServiceRuntime,
    sms_sender_app: FastAPI,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    # Issue 17 item 9: the sender name is set per org unit through the API; an org unit
    # without one, and a message without an org unit, use the installation's.
    own, other = await known_org_unit(runtime), await known_org_unit(runtime)
    url = f"/sending-settings/{own}"
    for bad in ("Pumpservice1", "12345", "Pump-Service", "Pümp", ""):
        refused = await client.put(url, json={"sms_sender_name": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["field"] == "sms_sender_name", bad
    assert (await client.get(url)).status_code == 404  # nothing stored
    created = await client.put(url, json={"sms_sender_name": "Pump 24"})
    assert created.status_code == 201, created.text
    assert created.json()["sms_sender_name"] == "Pump 24"
    assert (await client.get(url)).json()["sms_sender_name"] == "Pump 24"
    assert (await client.put(f"/sending-settings/{other}", json={"footer": "F"})).status_code == 201

    senders: dict[uuid.UUID | None, str] = {}
    for unit in (own, other, None):
        number = mobile()
        body = sms_body(recipient={"mobiles": [number]}, org_unit_id=unit and str(unit))
        assert (await client.post("/messages", json=body)).status_code == 202
        received = await eventually(functools.partial(_received, fake_sms, number))
        senders[unit] = received[0].sender
    assert senders == {own: "Pump 24", other: "Aftersales", None: "Aftersales"}

    # Cleared by a PUT without it: the installation's name again.
    cleared = await client.put(url, json={}, headers={"If-Match": '"1"'})
    assert cleared.json()["sms_sender_name"] is None
