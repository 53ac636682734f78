"""A delivery that waits holds nothing of the database: during its retry backoff and
while it waits for its rate limiter's token, the message row is free (another sender can
take it, or any other work) and the sender process holds no connection."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from aftersales_contracts.notifications import DeliverEmail, DeliverSms
from aftersales_contracts.topology import (
    NOTIFICATIONS_EMAIL_DELIVERIES,
    NOTIFICATIONS_SMS_DELIVERIES,
    QueueSpec,
)
from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from aftersales_testing.waiting import consumed, eventually
from notifications import sender, sms_sender
from notifications.delivery import handlers as delivery
from notifications.delivery.pacing import TokenBucket
from notifications.delivery.sms import HttpSmsProvider
from notifications.delivery.smtp import SmtpTransport
from notifications.fake_sms import FakeSmsServer
from notifications.settings import Settings

from .helpers import send_body, status_of
from .test_reliability import _Flaky, smtp_server, through
from .test_sms import mobile, sms_body

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# Long enough that a lock held through it shows; the other sender must be done well before.
BACKOFF = 4.0
SOONER = BACKOFF / 3


@pytest.fixture
def flaky() -> Iterator[tuple[_Flaky, int]]:
    with smtp_server() as running:
        yield running


@pytest.fixture
async def patient_sender(settings: Settings) -> AsyncIterator[FastAPI]:
    """An e-mail sender that waits BACKOFF seconds after a transient failure."""
    app = sender.build_app(
        settings.model_copy(
            update={"smtp_retry_delay_seconds": BACKOFF, "smtp_retry_max_delay_seconds": BACKOFF}
        )
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def patient_sms_sender(settings: Settings) -> AsyncIterator[FastAPI]:
    app = sms_sender.build_app(
        settings.model_copy(
            update={"sms_retry_delay_seconds": BACKOFF, "sms_retry_max_delay_seconds": BACKOFF}
        )
    )
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def paced_sender(settings: Settings) -> AsyncIterator[FastAPI]:
    """An e-mail sender allowed one message at once and then one every BACKOFF seconds."""
    app = sender.build_app(
        settings.model_copy(update={"smtp_rate_per_second": 1 / BACKOFF, "smtp_rate_burst": 1})
    )
    async with app.router.lifespan_context(app):
        yield app


def _runtime(app: FastAPI) -> ServiceRuntime:
    runtime: ServiceRuntime = app.state.runtime
    return runtime


async def _row_is_free(runtime: ServiceRuntime, message_id: str) -> bool:
    """Whether the message row can be locked right now (NOWAIT: no waiting for a holder)."""
    async with runtime.sessionmaker() as session, session.begin():
        try:
            await session.execute(
                text("SELECT id FROM message WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": uuid.UUID(message_id)},
            )
        except Exception as error:  # asyncpg's LockNotAvailableError, wrapped
            if "could not obtain lock" in str(error):
                return False
            raise
    return True


async def _holds_no_connection(app: FastAPI) -> bool:
    # The async engine's pool is a QueuePool: it counts the connections handed out.
    handed_out: int = _runtime(app).engine.pool.checkedout()  # type: ignore[attr-defined]
    return handed_out == 0


async def _delivery_command(runtime: ServiceRuntime, kind: str, message_id: str) -> uuid.UUID:
    """The id of the DeliverEmail/DeliverSms command the API queued for a message."""

    async def queued() -> list[Any]:
        async with runtime.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(outbox_message.c.message_id, outbox_message.c.body).where(
                        outbox_message.c.routing_key == kind
                    )
                )
            ).all()
        return [r.message_id for r in rows if r.body["payload"]["message_id"] == message_id]

    found = await eventually(queued, what=f"{kind} for {message_id}")
    command_id: uuid.UUID = found[0]
    return command_id


async def _settled(runtime: ServiceRuntime, command_id: uuid.UUID, queue: QueueSpec) -> None:
    """The sender has applied (or skipped) the command: its inbox holds the mark."""
    await consumed(runtime.sessionmaker, command_id, consumer=queue.name, within=3 * BACKOFF)


async def test_an_email_in_its_retry_backoff_leaves_the_message_to_another_sender(
    runtime: ServiceRuntime,
    patient_sender: FastAPI,
    settings: Settings,
    client: httpx.AsyncClient,
    flaky: tuple[_Flaky, int],
) -> None:
    server, port = flaky
    to = email_address()
    server.fail_next[to] = 1
    body = send_body(
        recipient={"emails": [to]}, org_unit_id=str(await through(client, runtime, port))
    )
    message_id = (await client.post("/messages", json=body)).json()["id"]
    command_id = await _delivery_command(runtime, "notifications.deliver_email", message_id)

    # The first attempt was refused (451): the sender now waits BACKOFF seconds ...
    await eventually(lambda: _attempts(server, to), lambda n: n == 1, what="first attempt")
    # ... holding neither the row nor a connection:
    await eventually(lambda: _row_is_free(runtime, message_id), within=SOONER, what="row free")
    await eventually(
        lambda: _holds_no_connection(patient_sender), within=SOONER, what="no connection held"
    )
    # Another sender (a redrive's copy of the command, say) takes the message meanwhile
    # and sends it at once instead of waiting behind the backoff.
    async with runtime.uow() as uow:
        await asyncio.wait_for(
            delivery.deliver_email(
                DeliverEmail(message_id=uuid.UUID(message_id)),
                uow,
                SmtpTransport(settings),
                settings,
                now=NOW,
            ),
            timeout=SOONER,
        )
    assert (await client.get(f"/messages/{message_id}")).json()["status"] == "sent"

    # The first sender's redelivery, after its backoff, finds it sent: sent once.
    await _settled(runtime, command_id, NOTIFICATIONS_EMAIL_DELIVERIES)
    assert len(server.to(to)) == 1


async def test_an_sms_in_its_retry_backoff_leaves_the_message_to_another_sender(
    runtime: ServiceRuntime,
    patient_sms_sender: FastAPI,
    settings: Settings,
    fake_sms: FakeSmsServer,
    client: httpx.AsyncClient,
) -> None:
    number = mobile()
    fake_sms.state.fail_next(number, 1, status=503)
    message_id = (
        await client.post("/messages", json=sms_body(recipient={"mobiles": [number]}))
    ).json()["id"]
    command_id = await _delivery_command(runtime, "notifications.deliver_sms", message_id)

    await eventually(
        lambda: _sms_attempts(fake_sms, number), lambda n: n == 1, what="first attempt"
    )
    await eventually(lambda: _row_is_free(runtime, message_id), within=SOONER, what="row free")
    await eventually(
        lambda: _holds_no_connection(patient_sms_sender), within=SOONER, what="no connection"
    )
    provider = HttpSmsProvider(settings)
    try:
        async with runtime.uow() as uow:
            await asyncio.wait_for(
                delivery.deliver_sms(
                    DeliverSms(message_id=uuid.UUID(message_id)),
                    uow,
                    provider,
                    TokenBucket(10, 10),
                    settings,
                    now=NOW,
                ),
                timeout=SOONER,
            )
    finally:
        await provider.aclose()
    assert (await client.get(f"/messages/{message_id}")).json()["status"] == "sent"

    await _settled(runtime, command_id, NOTIFICATIONS_SMS_DELIVERIES)
    assert len(fake_sms.state.received(number)) == 1


async def test_a_delivery_waiting_for_its_rate_limit_holds_no_row_and_no_connection(
    runtime: ServiceRuntime, paced_sender: FastAPI, client: httpx.AsyncClient
) -> None:
    first = (await client.post("/messages", json=send_body())).json()["id"]
    await status_of(client, first, "sent")
    # The burst is spent: the next message waits about BACKOFF seconds for a token.
    second = (await client.post("/messages", json=send_body())).json()["id"]
    command_id = await _delivery_command(runtime, "notifications.deliver_email", second)

    await eventually(lambda: _row_is_free(runtime, second), within=SOONER, what="row free")
    await eventually(
        lambda: _holds_no_connection(paced_sender), within=SOONER, what="no connection held"
    )
    assert (await client.get(f"/messages/{second}")).json()["status"] == "queued"

    # Once its token comes it takes the message again (and its inbox mark) and sends it.
    await _settled(runtime, command_id, NOTIFICATIONS_EMAIL_DELIVERIES)
    await status_of(client, second, "sent")


async def _attempts(server: _Flaky, to: str) -> int:
    return server.attempts.get(to, 0)


async def _sms_attempts(fake: FakeSmsServer, number: str) -> int:
    return fake.state.attempts(number)


async def test_an_email_in_its_retry_backoff_does_not_hold_back_the_senders_other_emails(
    runtime: ServiceRuntime,
    patient_sender: FastAPI,
    client: httpx.AsyncClient,
    flaky: tuple[_Flaky, int],
) -> None:
    """The sender applies its deliveries a batch at a time: the pause after a deferral is
    waited in that delivery's own task, not in the batch's, or one deferred e-mail would
    hold every other e-mail of the sender for its whole backoff."""
    server, port = flaky
    deferred, other = email_address(), email_address()
    server.fail_next[deferred] = 1
    org_unit_id = str(await through(client, runtime, port))
    first = await client.post(
        "/messages", json=send_body(recipient={"emails": [deferred]}, org_unit_id=org_unit_id)
    )
    await eventually(lambda: _attempts(server, deferred), lambda n: n == 1, what="deferral")
    # The deferred one now waits BACKOFF seconds before the broker has it again ...
    second = await client.post(
        "/messages", json=send_body(recipient={"emails": [other]}, org_unit_id=org_unit_id)
    )
    # ... while the next e-mail goes out at once.
    await status_of(client, second.json()["id"], "sent", within=SOONER)
    assert (await client.get(f"/messages/{first.json()['id']}")).json()["status"] == "queued"
    await status_of(client, first.json()["id"], "sent", within=3 * BACKOFF)
    assert len(server.to(deferred)) == len(server.to(other)) == 1
