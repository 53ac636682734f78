"""The kit's consumer runs a delivery again in process when the database fails under it;
the sender must not take its own unfinished attempt for a dead sender's. Real parts: the
sender's database behind a TCP proxy that the test cuts, the SMTP sink, the real
consumer and runtime. ``unconfirmed`` stays for a sender that died between handing the
message over and recording the answer (``test_attempt_phase``, ``test_never_twice``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import email_address
from aftersales_testing.smtp_sink import SmtpSink
from aftersales_testing.tcp_proxy import TcpProxy
from aftersales_testing.waiting import eventually
from notifications.delivery.domain import SmtpServer
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.smtp import HandingOver, SmtpTransport
from notifications.settings import Settings

from ..conftest import outbox_payloads
from .helpers import send_body, status_of
from .test_never_twice import _received_by, _sender


@dataclass
class _Connection:
    touched_attempt: bool = False
    committing: bool = False


class LosesACommitsAnswer(TcpProxy):
    """A proxy that, once ``armed``, lets the next COMMIT of a connection that wrote a
    delivery attempt reach the server (which commits it), drops the server's answer and
    cuts every connection: the database's host gone between the two, so the client
    cannot tell whether its commit happened."""

    def __init__(self, target_host: str, target_port: int) -> None:
        super().__init__(target_host, target_port)
        self.armed = False
        self.answers_dropped = 0

    def _pumps(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> list[Coroutine[Any, Any, None]]:
        connection = _Connection()
        return [self._up(reader, up_writer, connection), self._down(up_reader, writer, connection)]

    async def _up(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: _Connection
    ) -> None:
        try:
            while data := await reader.read(65536):
                if self.armed and b"delivery_attempt" in data:
                    connection.touched_attempt = True
                if self.armed and connection.touched_attempt and b"COMMIT" in data:
                    connection.committing = True
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()

    async def _down(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: _Connection
    ) -> None:
        try:
            while data := await reader.read(65536):
                if connection.committing:
                    # Committed on the server; the client never hears it.
                    self.armed = False
                    self.answers_dropped += 1
                    self.cut()
                    return
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[LosesACommitsAnswer]:
    target = urlsplit(settings.database_url)
    proxy = LosesACommitsAnswer(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def _through(settings: Settings, proxy: TcpProxy) -> Settings:
    """The sender's settings with its database behind ``proxy``, and its outcome write
    not retried inside the delivery: a failed write goes up to the kit's consumer, which
    runs the delivery again once the database is back (the path under test)."""
    return settings.model_copy(
        update={
            "database_url": proxy.url(settings.database_url),
            "delivery_outcome_retry_seconds": 0.0,
        }
    )


async def _restore_once_refused(proxy: TcpProxy) -> None:
    """Bring the database back once the sender has tried it while it was away (its
    readiness probe or the retried delivery was refused)."""

    async def refused() -> int:
        return proxy.refused

    await eventually(refused, what="a connection refused during the outage")
    proxy.restore()


class CutAfterTheServerTookIt(SmtpTransport):
    """The server accepts the message; then the sender's database goes away before the
    outcome is committed (the sender itself lives on and knows the answer)."""

    def __init__(self, settings: Settings, proxy: TcpProxy, doomed: str) -> None:
        super().__init__(settings)
        self.proxy = proxy
        self.doomed = {doomed}

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
            self.proxy.cut()
        return accepted


class CutDuringTheHandOver(SmtpTransport):
    """The hand-over's commit reaches the database, its answer does not: the attempt is
    ``handing_over`` in the database, but the sender stops before DATA."""

    def __init__(self, settings: Settings, proxy: LosesACommitsAnswer, doomed: str) -> None:
        super().__init__(settings)
        self.proxy = proxy
        self.doomed = {doomed}

    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        dies = bool(self.doomed.intersection(recipients))
        self.doomed.difference_update(recipients)

        async def losing_its_answer() -> None:
            self.proxy.armed = dies
            if handing_over is not None:
                await handing_over()

        return await super().send(email, recipients, server, handing_over=losing_its_answer)


async def test_a_database_lost_after_the_server_took_it_is_recorded_sent_by_the_retry(
    runtime: ServiceRuntime,
    settings: Settings,
    client: httpx.AsyncClient,
    sink: SmtpSink,
    proxy: LosesACommitsAnswer,
) -> None:
    to = email_address()
    transport = CutAfterTheServerTookIt(settings, proxy, to)
    async with _sender(_through(settings, proxy), transport):
        restoring = asyncio.create_task(_restore_once_refused(proxy))
        message_id = (
            await client.post("/messages", json=send_body(recipient={"emails": [to]}))
        ).json()["id"]
        shown = await status_of(client, message_id, "sent")
        await restoring
    assert transport.doomed == set()  # the database did go away after the server took it
    assert len(_received_by(sink, to)) == 1
    # The retried delivery found its own attempt unfinished and recorded what it knew.
    assert [(a["number"], a["phase"], a["outcome"]) for a in shown["attempts"]] == [
        (1, "handing_over", "sent"),
    ]
    assert shown["reason"] is None
    assert len(await outbox_payloads(runtime, "notifications.message.sent", message_id)) == 1


async def test_a_hand_over_whose_commit_answer_was_lost_is_sent_once_by_the_retry(
    runtime: ServiceRuntime,
    settings: Settings,
    client: httpx.AsyncClient,
    sink: SmtpSink,
    proxy: LosesACommitsAnswer,
) -> None:
    to = email_address()
    transport = CutDuringTheHandOver(settings, proxy, to)
    async with _sender(_through(settings, proxy), transport):
        restoring = asyncio.create_task(_restore_once_refused(proxy))
        message_id = (
            await client.post("/messages", json=send_body(recipient={"emails": [to]}))
        ).json()["id"]
        shown = await status_of(client, message_id, "sent")
        await restoring
    assert transport.doomed == set()
    assert proxy.answers_dropped == 1  # the hand-over's commit went through unheard
    assert len(_received_by(sink, to)) == 1
    # The first attempt reached handing_over in the database, yet this process knew it
    # never began DATA: not sent, and sent by the retry.
    assert [(a["number"], a["phase"], a["outcome"]) for a in shown["attempts"]] == [
        (1, "handing_over", "not_sent"),
        (2, "handing_over", "sent"),
    ]
    assert shown["reason"] is None
    assert len(await outbox_payloads(runtime, "notifications.message.sent", message_id)) == 1
