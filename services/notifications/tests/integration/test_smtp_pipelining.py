"""SMTP pipelining (RFC 2920) against a server that answers nothing until the whole
envelope has come: MAIL, the RCPTs and DATA in one write, replies read however they
arrive (together, or split anywhere), each refusal sorted as before, the hand-over
recorded while the envelope is answered and before the text, and a transaction abandoned
by closing the connection once the server is reading the text."""

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
    # Set before the envelope is answered (the client's hand-over has begun, say).
    answer_once: asyncio.Event | None = None
    # Set by the server once it has the envelope.
    received: asyncio.Event = field(default_factory=asyncio.Event)


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
                turn.received.set()
                if turn.answer_once is not None:
                    await turn.answer_once.wait()
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
        # Before the text.
        assert len(seen) == 1
        assert seen[0][1] == 0
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


async def test_the_hand_over_is_recorded_while_the_envelope_is_answered(
    transport: SmtpTransport,
) -> None:
    """The server answers the envelope only once the hand-over has begun, and the
    hand-over ends only once the server has the envelope: one after the other, this
    would never end."""
    begun = asyncio.Event()
    turn = Turn([b"250 ok\r\n250 ok\r\n354 go\r\n"], answer_once=begun)
    async with scripted(turn) as (script, server):

        async def handing_over() -> None:
            begun.set()
            await turn.received.wait()

        sending = transport.send(
            an_email(["a@example.com"]), ["a@example.com"], server, handing_over=handing_over
        )
        assert await asyncio.wait_for(sending, 10) == ["a@example.com"]
        assert len(script.texts) == 1


async def test_the_text_waits_for_the_hand_over(transport: SmtpTransport) -> None:
    """The envelope answered (354) while the hand-over is still being recorded: the
    text goes only once it is."""
    async with scripted(Turn([b"250 ok\r\n250 ok\r\n354 go ahead\r\n"])) as (script, server):
        texts_at_the_end: list[int] = []

        async def handing_over() -> None:
            await asyncio.sleep(0.3)  # the 354 has come meanwhile
            texts_at_the_end.append(len(script.texts))

        assert await transport.send(
            an_email(["a@example.com"]), ["a@example.com"], server, handing_over=handing_over
        ) == ["a@example.com"]
        assert texts_at_the_end == [0]
        assert len(script.texts) == 1


async def test_a_refused_sender_fails_for_good_and_nothing_is_handed_over(
    transport: SmtpTransport,
) -> None:
    refused = Turn([b"550 5.7.1 not you\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"])
    async with scripted(refused) as (script, server):
        recording: list[str] = []

        async def handing_over() -> None:
            recording.append("begun")
            await asyncio.sleep(0.2)  # longer than the refusal takes to come
            recording.append("recorded")

        with pytest.raises(PermanentDeliveryError, match="550"):
            await transport.send(
                an_email(["a@example.com"]), ["a@example.com"], server, handing_over=handing_over
            )
        # Recorded alongside the envelope, and ended before the refusal is raised (its
        # connection is the next statement's); no text went.
        assert recording == ["begun", "recorded"]
        assert script.texts == []
        # The goodbye was aiosmtplib's again, its 221 read (not left to a timeout).
        assert script.goodbyes == 1


async def test_a_refused_envelope_is_the_answer_when_the_hand_over_failed_too(
    transport: SmtpTransport,
) -> None:
    """Both failed: nothing was handed over either way, and the server's refusal says
    what becomes of the message (failed for good here), not the database's hiccup."""
    refused = Turn([b"550 5.7.1 not you\r\n503 5.5.1 sender first\r\n503 5.5.1 no recipients\r\n"])
    async with scripted(refused) as (script, server):

        async def unrecorded() -> None:
            raise ConnectionResetError("the database went away")

        with pytest.raises(PermanentDeliveryError, match="550"):
            await transport.send(
                an_email(["a@example.com"]), ["a@example.com"], server, handing_over=unrecorded
            )
        assert script.texts == []


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


async def test_a_kept_connection_found_closed_goes_on_a_new_one_with_one_hand_over(
    transport: SmtpTransport,
) -> None:
    """The server closed the kept connection meanwhile: found at the envelope (the
    hand-over under way), the message goes on a new connection, its hand-over recorded
    once (twice would find the attempt no longer preparing)."""
    first = Turn([b"250 ok\r\n250 ok\r\n354 go ahead\r\n"])
    closed = Turn([], hang_up=True)
    again = Turn([b"250 ok\r\n250 ok\r\n354 go ahead\r\n"])
    async with scripted(first, closed, again) as (script, server):
        assert await transport.send(an_email(["a@example.com"]), ["a@example.com"], server)
        hand_overs: list[int] = []

        async def handing_over() -> None:
            hand_overs.append(len(script.envelopes))

        assert await transport.send(
            an_email(["b@example.com"]), ["b@example.com"], server, handing_over=handing_over
        ) == ["b@example.com"]
        assert len(hand_overs) == 1
        assert script.greetings == 2
        assert len(script.envelopes) == 3
        assert len(script.texts) == 2


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
