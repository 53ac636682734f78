"""E-mail over SMTP, with every failure sorted into permanent (the message fails),
transient (the broker redelivers it later) or uncertain (the data was sent and no answer
came: it may have been accepted, so it is not sent again on its own)."""

from __future__ import annotations

import asyncio
import functools
import re
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import aiosmtplib
from aiosmtplib.email import quote_address
from aiosmtplib.protocol import normalize_message_line_endings

from notifications.delivery.domain import (
    PermanentDeliveryError,
    SmtpServer,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.pacing import TokenBucket
from notifications.settings import Settings

HandingOver = Callable[[], Awaitable[None]]


class EmailTransport(Protocol):
    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        """Send (through ``server``, an org unit's own, or the installation's); return the
        recipients the server accepted, or raise a DeliveryError. ``handing_over`` is
        awaited just before the point of no return (the server accepted the envelope;
        nothing of the message is on it yet); to a server that pipelines it runs while the
        envelope is answered, so it may have run for a message the server then refuses
        (the refusal is raised: nothing was handed over). Whatever it raises is raised
        unchanged and nothing is handed over."""
        ...


def _describe(error: aiosmtplib.SMTPResponseException) -> str:
    return f"SMTP {error.code}: {error.message}"


class _HandOver:
    """A message's ``handing_over`` step, run at most once however many connections the
    message tries: a kept connection found closed at the envelope sends it on a new one,
    and its hand-over may have been recorded meanwhile (recording it twice would find the
    attempt no longer ``preparing``)."""

    def __init__(self, step: HandingOver) -> None:
        self._step = step
        self._running: asyncio.Future[None] | None = None

    def start(self) -> asyncio.Future[None]:
        if self._running is None:
            self._running = asyncio.ensure_future(self._step())
        return self._running

    async def alongside(self, envelope: Awaitable[set[str]]) -> set[str]:
        """The envelope's replies awaited while the hand-over is recorded: the server's
        round trip and the database's overlap, and both are in before the text goes. A
        failed envelope is the answer (nothing was handed over, whether or not the
        hand-over was recorded); a failed hand-over after a good envelope raises
        ``_NotHandedOver``."""
        recording = self.start()
        try:
            refused = await envelope
        except Exception:
            # The hand-over's statement ends before the next one uses its connection; its
            # own failure, if any, is moot (a retry on a new connection raises it again).
            await asyncio.wait([recording])
            if not recording.cancelled():
                recording.exception()
            raise
        except BaseException:
            recording.cancel()
            raise
        await self.recorded()
        return refused

    async def recorded(self) -> None:
        try:
            await self.start()
        except Exception as error:
            raise _NotHandedOver(error) from error


class _NotHandedOver(Exception):
    """``handing_over`` failed: carries its error past the SMTP error handling."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _greet(client: aiosmtplib.SMTP) -> None:
    """EHLO (HELO when refused) unless connecting did (STARTTLS, login), so the server's
    extensions are known before the envelope."""
    if not client.is_ehlo_or_helo_needed:
        return
    try:
        await client.ehlo()
    except aiosmtplib.SMTPHeloError:
        await client.helo()


def _options(
    client: aiosmtplib.SMTP, email: ComposedEmail, sender: str, recipients: Sequence[str]
) -> tuple[list[str], str]:
    """The MAIL options and the address encoding, as aiosmtplib's ``send_message`` makes
    them: SMTPUTF8 when an address needs it, SIZE when the server offers it (the message
    itself is 7-bit: ``mime``)."""
    options: list[str] = []
    utf8 = not (sender + "".join(recipients)).isascii()
    if utf8:
        if not client.supports_extension("smtputf8"):
            raise aiosmtplib.SMTPNotSupported(
                "an address needs SMTPUTF8, which the server does not support"
            )
        options.append("SMTPUTF8")
    if client.supports_extension("size"):
        # RFC 1870: the octets DATA carries (CRLF line ends already).
        options.insert(0, f"SIZE={len(email.data)}")
    return options, "utf-8" if utf8 else "ascii"


@dataclass
class _Kept:
    client: aiosmtplib.SMTP
    sent: int  # messages this connection has carried
    idle_since: float


class SmtpConnections:
    """SMTP connections kept open between messages, per server (host, port, TLS, login):
    a connect, TLS handshake, login and EHLO per e-mail cost more than the transaction
    itself. A connection goes back after a transaction the server answered with 250
    (it is then ready for the next MAIL, RFC 5321 4.1.4); one that failed in any way is
    closed. Idle ones are closed after ``max_idle_seconds`` (servers drop idle clients
    after a minute or so, RFC 5321 4.5.3.2.7, and a closed one is noticed by the next
    take), and a connection is closed after ``max_messages`` (servers limit messages a
    connection)."""

    def __init__(
        self,
        *,
        max_idle_seconds: float,
        max_messages: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_idle_seconds = max_idle_seconds
        self.max_messages = max_messages
        self._monotonic = monotonic
        self._idle: dict[SmtpServer, list[_Kept]] = {}

    def take(self, server: SmtpServer) -> _Kept | None:
        """An open idle connection to ``server`` (the most recently used), or None."""
        kept = self._idle.get(server)
        while kept:
            candidate = kept.pop()
            if candidate.client.is_connected and not self._expired(candidate):
                return candidate
            candidate.client.close()
        return None

    def give_back(self, server: SmtpServer, client: aiosmtplib.SMTP, sent: int) -> bool:
        """Keep ``client`` for the next message to ``server``; False when it has carried
        its share (the caller says goodbye)."""
        if sent >= self.max_messages or self.max_idle_seconds <= 0:
            return False
        self._idle.setdefault(server, []).append(_Kept(client, sent, self._monotonic()))
        return True

    def _expired(self, kept: _Kept) -> bool:
        return self._monotonic() - kept.idle_since > self.max_idle_seconds

    async def close_idle(self, *, everything: bool = False) -> None:
        """Say goodbye to connections idle too long (every one with ``everything``)."""
        for server, kept in list(self._idle.items()):
            leaving = [k for k in kept if everything or self._expired(k)]
            self._idle[server] = [k for k in kept if k not in leaving]
            for k in leaving:
                await _goodbye(k.client)

    async def run(self) -> None:
        """The sender's background loop: close idle connections as they expire; every
        one when the process stops."""
        try:
            while True:
                await asyncio.sleep(max(self.max_idle_seconds / 2, 0.5))
                await self.close_idle()
        finally:
            await asyncio.shield(self.close_idle(everything=True))


async def _goodbye(client: aiosmtplib.SMTP) -> None:
    """QUIT when the connection still answers; close it whatever happens."""
    try:
        if client.is_connected:
            await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        pass
    finally:
        client.close()


class _StaleConnection(Exception):
    """A kept connection turned out closed before anything of the message reached it."""


class SmtpTransport:
    """One SMTP transaction a step at a time (connect with TLS/STARTTLS and login, EHLO,
    MAIL, RCPT for each recipient, then ``handing_over``, then DATA), so the point of no
    return is known: a failure before the message's text sent nothing; from it on, a lost
    answer may hide an accepted message (RFC 1047). A server that offers PIPELINING gets
    MAIL, the RCPTs and DATA in one write (``_Pipelined``), and the hand-over is recorded
    while their replies come, the text sent once both are in. Connections are kept open
    between messages (``SmtpConnections``); a kept one the server closed meanwhile is
    found at MAIL, before anything of the message was handed over, and the message goes
    on a new one."""

    def __init__(self, settings: Settings, connections: SmtpConnections | None = None) -> None:
        self._settings = settings
        self.connections = connections or SmtpConnections(
            max_idle_seconds=settings.smtp_keep_open_seconds,
            max_messages=settings.smtp_messages_per_connection,
        )

    def _installation_server(self) -> SmtpServer:
        s = self._settings
        return SmtpServer(
            host=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_use_tls,
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        )

    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        server = server or self._installation_server()
        hand_over = _HandOver(handing_over) if handing_over is not None else None
        kept = self.connections.take(server)
        if kept is not None:
            try:
                return await self._transaction(
                    kept.client, kept.sent, email, recipients, server, hand_over
                )
            except _StaleConnection:
                pass  # closed while it waited: nothing was handed over, a new one goes on
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            timeout=self._settings.smtp_timeout_seconds,
            # Named once, not looked up (``socket.getfqdn``) for every connection.
            local_hostname=_local_hostname(),
        )
        return await self._transaction(client, None, email, recipients, server, hand_over)

    async def _transaction(
        self,
        client: aiosmtplib.SMTP,
        sent: int | None,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer,
        hand_over: _HandOver | None,
    ) -> list[str]:
        """One message on ``client``: a kept connection that has carried ``sent``
        messages, or a new one (None) connected here."""
        sender = email.sender or self._settings.from_address
        data_began = False
        pipelined: _Pipelined | None = None
        try:
            try:
                if sent is None:
                    await client.connect()
                await _greet(client)
                options, encoding = _options(client, email, sender, recipients)
                if client.supports_extension("pipelining"):
                    pipelined = _Pipelined(client)
                    envelope = pipelined.envelope(sender, options, recipients, encoding)
                    if hand_over is not None:
                        refused = await hand_over.alongside(envelope)
                    else:
                        refused = await envelope
                else:
                    await client.mail(sender, options=options, encoding=encoding)
                    refused = await _envelope(client, recipients, encoding)
                    if hand_over is not None:
                        await hand_over.recorded()
                data_began = True
                if pipelined is not None:
                    await pipelined.content(email.data)
                else:
                    await client.data(email.data)
            except Exception:
                if pipelined is not None and pipelined.awaiting_content:
                    # The server is reading the message (354): a QUIT now would be read
                    # as its text. Closing the connection abandons the transaction.
                    client.close()
                else:
                    if pipelined is not None:
                        pipelined.give_back()  # QUIT's reply is read by aiosmtplib
                    await _goodbye(client)
                raise
            except BaseException:  # cancelled: no goodbye to wait for
                client.close()
                raise
            finally:
                if pipelined is not None:
                    pipelined.give_back()
        except _NotHandedOver as failed:
            # Not the server's doing: the envelope is dropped (QUIT, or the connection
            # closed once DATA was answered), nothing was sent.
            raise failed.error from None
        except (aiosmtplib.SMTPException, OSError) as error:
            raise _sorted(error, kept=sent is not None, data_began=data_began) from error
        if not self.connections.give_back(server, client, (sent or 0) + 1):
            await _goodbye(client)
        return [r for r in recipients if r not in refused]


def _sorted(
    error: aiosmtplib.SMTPException | OSError, *, kept: bool, data_began: bool
) -> Exception:
    """What a failure of the SMTP transaction means for the message."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        # Every recipient refused: permanent only when every refusal is.
        codes = [r.code for r in error.recipients]
        detail = "; ".join(f"{r.recipient}: {_describe(r)}" for r in error.recipients)
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentDeliveryError(detail)
        return TransientDeliveryError(detail)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        # Wrong credentials are the operator's to fix, not the message's fault:
        # retry, and let the delivery limit park it in the dead-letter queue for a redrive.
        return TransientDeliveryError(_describe(error))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        if kept and error.code == 421 and not data_began:
            # A kept connection the server is closing (idle too long): not an answer
            # about this message.
            return _StaleConnection()
        # The server answered, so it did not take the message (whatever the step).
        if 500 <= error.code < 600:
            return PermanentDeliveryError(_describe(error))
        return TransientDeliveryError(_describe(error))
    said = f"{type(error).__name__}: {error}"
    if data_began:
        # The message may be on the server although its reply never came.
        return UncertainDeliveryError(f"no answer after the data was sent ({said})")
    if kept:
        # A kept connection found closed before DATA (the hand-over's own failures are
        # not these): nothing of the message was handed over.
        return _StaleConnection()
    # Connection refused, dropped, timed out before the data: the server may be back soon.
    return TransientDeliveryError(said)


@functools.cache
def _local_hostname() -> str:
    return socket.getfqdn()


async def _envelope(client: aiosmtplib.SMTP, recipients: Sequence[str], encoding: str) -> set[str]:
    """RCPT for each recipient; the refused ones. Every one refused raises
    ``SMTPRecipientsRefused`` (nothing to send)."""
    refusals: list[aiosmtplib.SMTPRecipientRefused] = []
    for recipient in recipients:
        try:
            await client.rcpt(recipient, encoding=encoding)
        except aiosmtplib.SMTPRecipientRefused as refusal:
            refusals.append(refusal)
    if len(refusals) == len(recipients):
        raise aiosmtplib.SMTPRecipientsRefused(refusals)
    return {r.recipient for r in refusals}


def _command(*parts: bytes) -> bytes:
    """One command line; a control character in it would end the line early, so it is
    refused as aiosmtplib refuses it."""
    for part in parts:
        if _CONTROL.search(part):
            raise ValueError("Command arg contains a prohibited control character")
    return b" ".join(parts) + b"\r\n"


_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")
_LEADING_DOT = re.compile(rb"(?m)^\.")
_START_INPUT = 354


class _Pipelined:
    """One transaction on ``client`` with RFC 2920 pipelining: MAIL, every RCPT and DATA
    written at once and their replies read after, then the text and its reply: two round
    trips a message where a step at a time takes four (and one more a further recipient),
    and as many fewer writes and wake-ups on both sides. The replies are read by
    ``_Replies``, put on the connection for the transaction (aiosmtplib reads one reply
    per command and drops one that comes before the last is taken), and the connection
    goes back to aiosmtplib after it (``give_back``). Failures raise what aiosmtplib's
    steps raise, for ``_sorted``."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        protocol = client.protocol
        if protocol is None or protocol.transport is None:
            raise aiosmtplib.SMTPServerDisconnected("Server not connected")
        self._protocol = protocol
        self._transport = protocol.transport
        self._replies = _Replies(protocol)
        self._transport.set_protocol(self._replies)
        self._timeout = client.timeout
        # DATA was answered 354: the server reads whatever comes next as the message.
        self.awaiting_content = False

    async def envelope(
        self, sender: str, options: Sequence[str], recipients: Sequence[str], encoding: str
    ) -> set[str]:
        """MAIL, the RCPTs and DATA in one write; the refused recipients. Raises as
        ``SMTP.mail``, ``_envelope`` and ``SMTP.data`` would."""
        mail = _command(
            b"MAIL",
            b"FROM:" + quote_address(sender).encode(encoding),
            *(option.encode("ascii") for option in options),
        )
        rcpts = [_command(b"RCPT", b"TO:" + quote_address(r).encode(encoding)) for r in recipients]
        self._protocol.write(b"".join([mail, *rcpts, b"DATA\r\n"]))
        # Every reply is read before any is judged: the next transaction must not find
        # this one's replies waiting. A server may hang up once it has refused MAIL (a
        # 421) or every RCPT: that refusal, not the lost connection, is the answer.
        mailed = await self._reply()
        answers: list[aiosmtplib.SMTPResponse] = []
        try:
            for _ in recipients:
                # One at a time: the replies read before a failure are judged.
                answers.append(await self._reply())  # noqa: PERF401
            data = await self._reply()
        except aiosmtplib.SMTPException:
            self._judge(mailed, sender, recipients, answers)
            raise
        self.awaiting_content = data.code == _START_INPUT
        refused = self._judge(mailed, sender, recipients, answers)
        if not self.awaiting_content:
            raise aiosmtplib.SMTPDataError(data.code, data.message)
        return refused

    @staticmethod
    def _judge(
        mailed: aiosmtplib.SMTPResponse,
        sender: str,
        recipients: Sequence[str],
        answers: Sequence[aiosmtplib.SMTPResponse],
    ) -> set[str]:
        """The refused recipients of the replies read so far; raises as ``SMTP.mail``
        and ``_envelope`` would for a refused sender or every recipient refused."""
        if mailed.code != aiosmtplib.SMTPStatus.completed:
            raise aiosmtplib.SMTPSenderRefused(mailed.code, mailed.message, sender)
        refusals = [
            aiosmtplib.SMTPRecipientRefused(answer.code, answer.message, recipient)
            for recipient, answer in zip(recipients, answers, strict=False)
            if answer.code
            not in (aiosmtplib.SMTPStatus.completed, aiosmtplib.SMTPStatus.will_forward)
        ]
        if len(refusals) == len(recipients):
            raise aiosmtplib.SMTPRecipientsRefused(refusals)
        return {r.recipient for r in refusals}

    async def content(self, data: bytes) -> None:
        """The message's text, dot-stuffed and ended, and the server's verdict on it."""
        text = _LEADING_DOT.sub(b"..", normalize_message_line_endings(data))
        self._protocol.write(text + b".\r\n")
        self.awaiting_content = False
        answer = await self._reply()
        if answer.code != aiosmtplib.SMTPStatus.completed:
            raise aiosmtplib.SMTPDataError(answer.code, answer.message)

    async def _reply(self) -> aiosmtplib.SMTPResponse:
        return await self._replies.next(self._timeout)

    def give_back(self) -> None:
        """The connection to aiosmtplib again (a closed one stays closed; twice is once)."""
        if not self._transport.is_closing() and self._transport.get_protocol() is self._replies:
            self._transport.set_protocol(self._protocol)


class _Replies(asyncio.Protocol):
    """The SMTP replies of a connection, every complete one queued as it arrives (several
    may come in one read); the connection's loss and flow control are passed on to the
    aiosmtplib protocol it stands in for, so that one knows when it gets it back."""

    def __init__(self, standing_in_for: asyncio.BaseProtocol) -> None:
        self._other = standing_in_for
        self._buffer = bytearray()
        self._replies: deque[aiosmtplib.SMTPResponse] = deque()
        self._failed: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None

    def data_received(self, data: bytes) -> None:
        self._buffer.extend(data)
        try:
            while (reply := _parse_reply(self._buffer)) is not None:
                self._replies.append(reply)
        except aiosmtplib.SMTPResponseException as malformed:
            self._failed = malformed
        self._wake()

    def eof_received(self) -> bool:
        self._failed = self._failed or aiosmtplib.SMTPServerDisconnected("Unexpected EOF")
        self._wake()
        return False  # the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        lost = aiosmtplib.SMTPServerDisconnected("Connection lost")
        lost.__cause__ = exc
        self._failed = self._failed or lost
        self._wake()
        self._other.connection_lost(exc)

    def pause_writing(self) -> None:
        self._other.pause_writing()

    def resume_writing(self) -> None:
        self._other.resume_writing()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done() and (self._replies or self._failed):
            waiter.set_result(None)

    async def next(self, timeout: float | None) -> aiosmtplib.SMTPResponse:
        """The next reply, in the order the commands went."""
        if not self._replies and self._failed is None:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._waiter
            except TimeoutError as error:
                raise aiosmtplib.SMTPReadTimeoutError(
                    "Timed out waiting for server response"
                ) from error
            finally:
                self._waiter = None
        if self._replies:
            return self._replies.popleft()
        assert self._failed is not None
        raise self._failed


_MAX_REPLY_LINE = 8192


def _parse_reply(buffer: bytearray) -> aiosmtplib.SMTPResponse | None:
    """The first complete reply in ``buffer``, taken out of it (None while incomplete):
    lines of a code and text, ``250-`` on all but the last (RFC 5321 4.2.1)."""
    lines: list[bytes] = []
    offset = 0
    while (end := buffer.find(b"\n", offset)) != -1:
        line = bytes(buffer[offset : end + 1])
        if len(line) > _MAX_REPLY_LINE or not line[:3].isdigit():
            raise aiosmtplib.SMTPResponseException(
                aiosmtplib.SMTPStatus.invalid_response,
                f"Malformed SMTP response line: {line[:80].decode('utf-8', 'replace')}",
            )
        offset = end + 1
        lines.append(line[4:].strip(b" \t\r\n"))
        if line[3:4] != b"-":
            del buffer[:offset]
            message = b"\n".join(lines).decode("utf-8", "surrogateescape")
            return aiosmtplib.SMTPResponse(int(line[:3]), message)
    if len(buffer) - offset > _MAX_REPLY_LINE:
        raise aiosmtplib.SMTPResponseException(
            aiosmtplib.SMTPStatus.invalid_response, "Response too long"
        )
    return None


class SmtpRateLimits:
    """A token bucket per SMTP server (host and port) in this sender process: at most
    ``rate`` messages a second on average and ``burst`` at once to each server, so an
    org unit's own server is held to its provider's limit without slowing the others.
    One token per message (one SMTP transaction), whatever its number of recipients.
    Several sender processes each have their own buckets: the server sees their sum."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        # Checked now, not at the first message: a bad setting stops the process at start.
        TokenBucket(rate, burst, monotonic=monotonic, sleep=sleep)
        self._rate, self._burst = rate, burst
        self._monotonic, self._sleep = monotonic, sleep
        self._buckets: dict[tuple[str, int], TokenBucket] = {}

    def bucket(self, host: str, port: int) -> TokenBucket:
        key = (host.lower(), port)
        if key not in self._buckets:
            self._buckets[key] = TokenBucket(
                self._rate, self._burst, monotonic=self._monotonic, sleep=self._sleep
            )
        return self._buckets[key]

    def of(self, server: SmtpServer | None, settings: Settings) -> TokenBucket:
        """The bucket of ``server`` (None: the installation's)."""
        if server is None:
            return self.bucket(settings.smtp_host, settings.smtp_port)
        return self.bucket(server.host, server.port)
