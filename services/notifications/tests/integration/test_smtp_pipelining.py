"""SMTP pipelining (RFC 2920) against a server that answers nothing until the whole
envelope has come: MAIL, the RCPTs and DATA in one write, replies read however they
arrive (together, or split anywhere), each refusal sorted as before, the hand-over after
DATA's 354 and before the text, and a transaction abandoned by closing the connection
once the server is reading the text."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from aftersales_testing.smtp_sink import free_port, offering_pipelining
from notifications.delivery.domain import (
    PermanentDeliveryError,
    SmtpServer,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from notifications.delivery.smtp import SmtpTransport
from notifications.settings import Settings

from .helpers import an_email


@dataclass
class Turn:
    """One transaction as the server plays it: its replies to the envelope, written in
    these pieces, then (after a 354) its reply to the text, or None to hang up on it."""

    envelope_replies: list[bytes]
    text_reply: bytes | None = b"250 2.0.0 queued\r\n"
    hang_up: bool = False  # close the connection after the envelope's replies


@dataclass
class Scripted:
    turns: list[Turn]
    greetings: int = 0
    goodbyes: int = 0
    envelopes: list[bytes] = field(default_factory=list)
    texts: list[bytes | None] = field(default_factory=list)  # None: the client hung up

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(b"220 scripted ESMTP\r\n")
            await reader.readuntil(b"\r\n")  # EHLO
            self.greetings += 1
            writer.write(b"250-scripted\r\n250-PIPELINING\r\n250 SIZE 10000000\r\n")
            while True:
                # Nothing is answered before DATA has come: a client waiting for MAIL's
                # reply would wait here until its timeout.
                envelope = await reader.readuntil(b"\r\n")
                if envelope == b"QUIT\r\n":
                    # Answered, and the connection left for the client to close.
                    writer.write(b"221 bye\r\n")
                    self.goodbyes += 1
                    await reader.read()
                    return
                while not envelope.endswith(b"DATA\r\n"):
                    envelope += await reader.readuntil(b"\r\n")
                turn = self.turns.pop(0)
                self.envelopes.append(envelope)
                for piece in turn.envelope_replies:
                    writer.write(piece)
                    await writer.drain()
                    await asyncio.sleep(0.01)
                if turn.hang_up:
                    return
                if b"354" not in b"".join(turn.envelope_replies):
                    continue
                try:
                    self.texts.append(await reader.readuntil(b"\r\n.\r\n"))
                except asyncio.IncompleteReadError:
                    self.texts.append(None)
                    return
                if turn.text_reply is None:
                    return
                writer.write(turn.text_reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def scripted(*turns: Turn) -> AsyncIterator[tuple[Scripted, SmtpServer]]:
    script = Scripted(list(turns))
    server = await asyncio.start_server(script.session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield script, SmtpServer("127.0.0.1", port, use_tls=False)
    finally:
        server.close()


@pytest.fixture
def transport(settings: Settings) -> SmtpTransport:
    # Longer than the test's own timeout: a reply never read hangs the test, not passes.
    return SmtpTransport(settings.model_copy(update={"smtp_timeout_seconds": 300.0}))


async def test_the_envelope_goes_in_one_write_and_replies_read_together_are_all_taken(
    transport: SmtpTransport,
) -> None:
    together = Turn([b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n"])
    again = Turn([b"250 ok\r\n250 ok\r\n354 go ahead\r\n"])
    async with scripted(together, again) as (script, server):
        to = ["a@example.com", "b@example.com"]
        seen: list[tuple[int, int]] = []

        async def handing_over() -> None:
            seen.append((len(script.envelopes), len(script.texts)))

        email = an_email(to, "A line\n.starting with a dot")
        assert await transport.send(email, to, server, handing_over=handing_over) == to
        # After the envelope's replies and before the text.
        assert seen == [(1, 0)]
        [envelope] = script.envelopes
        assert envelope == (
            f"MAIL FROM:<service@aftersales.local> SIZE={len(email.data)}\r\n".encode()
            + b"RCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
        )
        [text] = script.texts
        assert text is not None
        assert text.endswith(b"\r\n.\r\n")
        assert b"\r\n..starting with a dot" in text

        # The kept connection is aiosmtplib's again, and pipelines the next one too.
        assert await transport.send(an_email(["c@example.com"]), ["c@example.com"], server) == [
            "c@example.com"
        ]
        assert script.greetings == 1
        assert len(script.texts) == 2


async def test_replies_split_anywhere_are_put_together(transport: SmtpTransport) -> None:
    pieces = [b"25", b"0 ok\r\n250-first line\r\n", b"250 last line\r\n35", b"4 go ahead\r\n"]
    async with scripted(Turn(pieces, b"250 2.0.0 queued\r\n")) as (script, server):
        assert await transport.send(an_email(["a@example.com"]), ["a@example.com"], server) == [
            "a@example.com"
        ]
        assert len(script.texts) == 1


async def test_a_refused_sender_fails_for_good_and_nothing_is_handed_over(
    transport: SmtpTransport,
) -> None:
    refused = Turn([b"550 5.7.1 not you\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"])
    async with scripted(refused) as (script, server):
        handed_over: list[bool] = []

        async def handing_over() -> None:
            handed_over.append(True)

        with pytest.raises(PermanentDeliveryError, match="550"):
            await transport.send(
                an_email(["a@example.com"]), ["a@example.com"], server, handing_over=handing_over
            )
        assert handed_over == []
        assert script.texts == []
        # The goodbye was aiosmtplib's again, its 221 read (not left to a timeout).
        assert script.goodbyes == 1


async def test_a_server_that_refuses_mail_and_hangs_up_is_answered_by_its_refusal(
    transport: SmtpTransport,
) -> None:
    """421 to MAIL and the connection closed (a server shutting down): the 421 is the
    answer (for now), not the lost connection."""
    closing = Turn([b"421 4.3.2 shutting down\r\n"], hang_up=True)
    async with scripted(closing) as (script, server):
        with pytest.raises(TransientDeliveryError, match="SMTP 421"):
            await transport.send(an_email(["a@example.com"]), ["a@example.com"], server)
        assert script.texts == []


async def test_every_recipient_refused_and_a_hang_up_fails_for_good(
    transport: SmtpTransport,
) -> None:
    """Every RCPT refused and the connection closed before DATA's reply: the refusals
    are the answer."""
    refused = Turn([b"250 ok\r\n550 5.1.1 unknown\r\n"], hang_up=True)
    async with scripted(refused) as (script, server):
        with pytest.raises(PermanentDeliveryError, match=r"a@example.com: SMTP 550"):
            await transport.send(an_email(["a@example.com"]), ["a@example.com"], server)
        assert script.texts == []


async def test_every_recipient_refused_fails_for_good(transport: SmtpTransport) -> None:
    refused = Turn([b"250 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n"])
    async with scripted(refused) as (script, server):
        with pytest.raises(PermanentDeliveryError, match=r"a@example.com: SMTP 550"):
            await transport.send(an_email(["a@example.com"]), ["a@example.com"], server)
        assert script.texts == []


async def test_a_refused_recipient_is_left_out_and_the_others_get_it(
    transport: SmtpTransport,
) -> None:
    partly = Turn([b"250 ok\r\n250 ok\r\n451 4.3.0 try later\r\n354 go ahead\r\n"])
    async with scripted(partly) as (script, server):
        to = ["a@example.com", "b@example.com"]
        assert await transport.send(an_email(to), to, server) == ["a@example.com"]
        assert len(script.texts) == 1


async def test_a_failed_hand_over_after_354_hangs_up_and_sends_no_text(
    transport: SmtpTransport,
) -> None:
    async with scripted(Turn([b"250 ok\r\n250 ok\r\n354 go ahead\r\n"])) as (script, server):

        async def unrecorded() -> None:
            raise ConnectionResetError("the database went away")

        with pytest.raises(ConnectionResetError, match="database went away"):
            await transport.send(
                an_email(["a@example.com"]), ["a@example.com"], server, handing_over=unrecorded
            )
        # Hung up while the server was reading the text: no message, no QUIT taken as text.
        for _ in range(100):
            if script.texts:
                break
            await asyncio.sleep(0.01)
        assert script.texts == [None]
        assert transport.connections.take(server) is None


async def test_no_answer_after_the_text_is_uncertain(transport: SmtpTransport) -> None:
    silent = Turn([b"250 ok\r\n250 ok\r\n354 go ahead\r\n"], text_reply=None)
    async with scripted(silent) as (script, server):
        with pytest.raises(UncertainDeliveryError, match="no answer after the data"):
            await transport.send(an_email(["a@example.com"]), ["a@example.com"], server)
        assert len(script.texts) == 1


class _Pipelining:
    """An aiosmtpd handler offering PIPELINING that keeps what it is given."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        session.host_name = hostname
        return offering_pipelining(responses)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope.original_content or b"")
        return "250 accepted"


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


async def test_pipelining_over_tls(
    transport: SmtpTransport, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS the replies come through the TLS layer's transport: the same exchange."""
    cert, key = certificate
    # The client verifies the server as always; this test's certificate is what it trusts.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    handler = _Pipelining()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=context)
    controller.start()
    try:
        server = SmtpServer("127.0.0.1", port, use_tls=True)
        for to in ("a@example.com", "b@example.com"):
            assert await transport.send(an_email([to]), [to], server) == [to]
        assert len(handler.received) == 2
        await transport.connections.close_idle(everything=True)
    finally:
        controller.stop()
