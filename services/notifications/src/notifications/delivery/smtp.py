"""E-mail over SMTP, with every failure sorted into permanent (the message fails),
transient (the broker redelivers it later) or uncertain (the data was sent and no answer
came: it may have been accepted, so it is not sent again on its own)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

import aiosmtplib
from aiosmtplib.email import flatten_message
from aiosmtplib.protocol import normalize_message_line_endings

from notifications.delivery.domain import (
    PermanentDeliveryError,
    SmtpServer,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from notifications.delivery.pacing import TokenBucket
from notifications.settings import Settings

HandingOver = Callable[[], Awaitable[None]]


class EmailTransport(Protocol):
    async def send(
        self,
        email: EmailMessage,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        """Send (through ``server``, an org unit's own, or the installation's); return the
        recipients the server accepted, or raise a DeliveryError. ``handing_over`` is
        awaited just before the point of no return (the server accepted the envelope;
        nothing of the message is on it yet); whatever it raises is raised unchanged and
        nothing is handed over."""
        ...


def _describe(error: aiosmtplib.SMTPResponseException) -> str:
    return f"SMTP {error.code}: {error.message}"


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


def _flatten(
    client: aiosmtplib.SMTP, email: EmailMessage, sender: str, recipients: Sequence[str]
) -> tuple[bytes, list[str], str]:
    """The message as DATA carries it, the MAIL options and the address encoding: as
    aiosmtplib's ``send_message`` makes them (SMTPUTF8 when an address needs it,
    8BITMIME and SIZE when the server offers them)."""
    options: list[str] = []
    utf8 = not (sender + "".join(recipients)).isascii()
    if utf8:
        if not client.supports_extension("smtputf8"):
            raise aiosmtplib.SMTPNotSupported(
                "an address needs SMTPUTF8, which the server does not support"
            )
        options.append("SMTPUTF8")
    cte_type = "7bit"
    if client.supports_extension("8bitmime"):
        options.append("BODY=8BITMIME")
        cte_type = "8bit"
    data = flatten_message(email, utf8=utf8, cte_type=cte_type)
    if client.supports_extension("size"):
        # RFC 1870: the octets DATA carries, CRLF pairs included.
        options.insert(0, f"SIZE={len(normalize_message_line_endings(data))}")
    return data, options, "utf-8" if utf8 else "ascii"


class SmtpTransport:
    """One SMTP transaction a step at a time (connect with TLS/STARTTLS and login, EHLO,
    MAIL, RCPT for each recipient, then ``handing_over``, then DATA), so the point of no
    return is known: a failure before DATA sent nothing; from DATA on, a lost answer may
    hide an accepted message (RFC 1047)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(
        self,
        email: EmailMessage,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        s = self._settings
        if server is None:
            server = SmtpServer(
                host=s.smtp_host,
                port=s.smtp_port,
                use_tls=s.smtp_use_tls,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            )
        # The envelope sender is the e-mail's From (an org unit may have its own).
        sender = parseaddr(str(email["From"]))[1] or s.from_address
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            timeout=s.smtp_timeout_seconds,
        )
        accepted: list[str] | None = None
        data_began = False
        try:
            async with client:
                await _greet(client)
                data, options, encoding = _flatten(client, email, sender, recipients)
                await client.mail(sender, options=options, encoding=encoding)
                refused = await _envelope(client, recipients, encoding)
                if handing_over is not None:
                    try:
                        await handing_over()
                    except Exception as error:
                        raise _NotHandedOver(error) from error
                data_began = True
                await client.data(data)
                accepted = [r for r in recipients if r not in refused]
        except _NotHandedOver as failed:
            # Not the server's doing: the envelope is dropped (QUIT), nothing was sent.
            raise failed.error from None
        except aiosmtplib.SMTPRecipientsRefused as error:
            # Every recipient refused: permanent only when every refusal is.
            codes = [r.code for r in error.recipients]
            detail = "; ".join(f"{r.recipient}: {_describe(r)}" for r in error.recipients)
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentDeliveryError(detail) from error
            raise TransientDeliveryError(detail) from error
        except aiosmtplib.SMTPAuthenticationError as error:
            # Wrong credentials are the operator's to fix, not the message's fault:
            # retry, and let the delivery limit park it in the dead-letter queue for a redrive.
            raise TransientDeliveryError(_describe(error)) from error
        except aiosmtplib.SMTPResponseException as error:
            # The server answered, so it did not take the message (whatever the step).
            if 500 <= error.code < 600:
                raise PermanentDeliveryError(_describe(error)) from error
            raise TransientDeliveryError(_describe(error)) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            if accepted is not None:  # taken; only the goodbye went wrong
                return accepted
            said = f"{type(error).__name__}: {error}"
            if data_began:
                # The message may be on the server although its reply never came.
                raise UncertainDeliveryError(
                    f"no answer after the data was sent ({said})"
                ) from error
            # Connection refused, dropped, timed out before the data: the server may be back soon.
            raise TransientDeliveryError(said) from error
        return accepted


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
