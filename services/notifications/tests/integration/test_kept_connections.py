"""SMTP connections kept open between messages (``delivery.smtp.SmtpConnections``): one
connect and EHLO for many messages, a new one after a failure, after the server closed
it, after its share of messages, and when idle too long; nothing lost on the way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from aftersales_testing.smtp_sink import free_port, offering_pipelining
from notifications.delivery.domain import (
    PermanentDeliveryError,
    SmtpServer,
    TransientDeliveryError,
)
from notifications.delivery.smtp import SmtpConnections, SmtpTransport
from notifications.settings import Settings

from .helpers import an_email


class _Counting:
    """Counts greetings (one a connection) and goodbyes; refuses ``invalid`` addresses.
    Offers PIPELINING when ``pipelining`` (every test runs both ways)."""

    pipelining = False

    def __init__(self) -> None:
        self.greetings = 0
        self.goodbyes = 0
        self.invalid: set[str] = set()
        self.received: list[list[str]] = []
        self.closing = False  # answer the next MAIL with 421, as a server closing it

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.closing:
            self.closing = False
            return "421 4.4.2 idle for too long, closing"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        self.greetings += 1
        session.host_name = hostname
        return offering_pipelining(responses) if self.pipelining else responses

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.goodbyes += 1
        return "221 Bye"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.invalid:
            return "553 5.1.3 invalid address"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(list(envelope.rcpt_tos))
        return "250 accepted"


@pytest.fixture(autouse=True, params=[False, True], ids=["step-by-step", "pipelined"])
def pipelining(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(_Counting, "pipelining", request.param)
    return bool(request.param)


@contextlib.contextmanager
def counting_server(port: int | None = None) -> Iterator[tuple[_Counting, SmtpServer]]:
    handler = _Counting()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, SmtpServer("127.0.0.1", port, use_tls=False)
    finally:
        controller.stop()


async def send(transport: SmtpTransport, server: SmtpServer, to: str) -> list[str]:
    return await transport.send(an_email([to]), [to], server)


async def test_one_connection_carries_many_messages(settings: Settings) -> None:
    transport = SmtpTransport(settings)
    with counting_server() as (handler, server):
        for i in range(5):
            assert await send(transport, server, f"c{i}@example.com") == [f"c{i}@example.com"]
        assert handler.greetings == 1
        assert len(handler.received) == 5
        await transport.connections.close_idle(everything=True)
        assert handler.goodbyes == 1


async def test_a_connection_the_server_closed_is_replaced_and_nothing_is_lost(
    settings: Settings,
) -> None:
    transport = SmtpTransport(settings)
    port = free_port()
    with counting_server(port) as (first, server):
        await send(transport, server, "a@example.com")
    # The server went away and came back: the kept connection is dead.
    with counting_server(port) as (second, server):
        assert await send(transport, server, "b@example.com") == ["b@example.com"]
        assert second.received == [["b@example.com"]]
        assert second.greetings == 1
        await send(transport, server, "c@example.com")
        assert second.greetings == 1
    assert first.received == [["a@example.com"]]


async def test_a_kept_connection_the_server_is_closing_is_replaced(settings: Settings) -> None:
    transport = SmtpTransport(settings)
    with counting_server() as (handler, server):
        await send(transport, server, "a@example.com")
        handler.closing = True
        assert await send(transport, server, "b@example.com") == ["b@example.com"]
        assert handler.greetings == 2
        assert handler.received == [["a@example.com"], ["b@example.com"]]


async def test_a_new_connection_refused_with_421_is_a_transient_failure(
    settings: Settings,
) -> None:
    transport = SmtpTransport(settings)
    with counting_server() as (handler, server):
        handler.closing = True
        with pytest.raises(TransientDeliveryError, match="421"):
            await send(transport, server, "a@example.com")
        assert handler.received == []


async def test_a_connection_is_closed_after_its_share_of_messages(settings: Settings) -> None:
    transport = SmtpTransport(settings.model_copy(update={"smtp_messages_per_connection": 2}))
    with counting_server() as (handler, server):
        for i in range(5):
            await send(transport, server, f"c{i}@example.com")
        assert handler.greetings == 3
        assert handler.goodbyes == 2  # the third still open, with one message on it


async def test_keep_open_zero_means_a_connection_per_message(settings: Settings) -> None:
    transport = SmtpTransport(settings.model_copy(update={"smtp_keep_open_seconds": 0}))
    with counting_server() as (handler, server):
        for i in range(3):
            await send(transport, server, f"c{i}@example.com")
        assert handler.greetings == 3
        assert handler.goodbyes == 3


async def test_a_failed_transaction_does_not_keep_its_connection(settings: Settings) -> None:
    transport = SmtpTransport(settings)
    with counting_server() as (handler, server):
        handler.invalid.add("bad@example.com")
        await send(transport, server, "a@example.com")
        with pytest.raises(PermanentDeliveryError, match="553"):
            await send(transport, server, "bad@example.com")
        # The refused transaction's connection said goodbye; the next message has a new one.
        assert handler.goodbyes == 1
        await send(transport, server, "b@example.com")
        assert handler.greetings == 2
        assert handler.received == [["a@example.com"], ["b@example.com"]]


async def test_a_failed_hand_over_does_not_keep_its_connection(settings: Settings) -> None:
    transport = SmtpTransport(settings)

    async def unrecorded() -> None:
        raise ConnectionResetError("the database went away")

    with counting_server() as (handler, server):
        await send(transport, server, "a@example.com")
        with pytest.raises(ConnectionResetError):
            await transport.send(
                an_email(["b@example.com"]), ["b@example.com"], server, handing_over=unrecorded
            )
        await send(transport, server, "c@example.com")
        assert handler.greetings == 2
        assert handler.received == [["a@example.com"], ["c@example.com"]]


async def test_idle_connections_are_closed_when_they_expire(settings: Settings) -> None:
    now = [0.0]
    connections = SmtpConnections(max_idle_seconds=30, max_messages=100, monotonic=lambda: now[0])
    transport = SmtpTransport(settings, connections)
    with counting_server() as (handler, server):
        await send(transport, server, "a@example.com")
        now[0] = 10.0
        await connections.close_idle()
        assert handler.goodbyes == 0
        now[0] = 31.0
        await connections.close_idle()
        assert handler.goodbyes == 1
        assert connections.take(server) is None
        await send(transport, server, "b@example.com")
        assert handler.greetings == 2


async def test_each_server_has_its_own_connections(settings: Settings) -> None:
    transport = SmtpTransport(settings)
    with counting_server() as (one, first), counting_server() as (two, second):
        for i in range(3):
            await send(transport, first, f"a{i}@example.com")
            await send(transport, second, f"b{i}@example.com")
        assert (one.greetings, two.greetings) == (1, 1)
        assert len(one.received) == len(two.received) == 3
        await transport.connections.close_idle(everything=True)
