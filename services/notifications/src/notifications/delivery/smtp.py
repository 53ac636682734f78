"""E-mail over SMTP, with every failure sorted into permanent (the message fails),
transient (the broker redelivers it later) or uncertain (the data was sent and no answer
came: it may have been accepted, so it is not sent again on its own)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Protocol

import aiosmtplib

from notifications.delivery.domain import (
    PermanentDeliveryError,
    SmtpServer,
    TransientDeliveryError,
    UncertainDeliveryError,
)
from notifications.delivery.pacing import TokenBucket
from notifications.settings import Settings


class EmailTransport(Protocol):
    async def send(
        self, email: EmailMessage, recipients: Sequence[str], server: SmtpServer | None = None
    ) -> list[str]:
        """Send (through ``server``, an org unit's own, or the installation's); return the
        recipients the server accepted, or raise a DeliveryError."""
        ...


def _describe(error: aiosmtplib.SMTPResponseException) -> str:
    return f"SMTP {error.code}: {error.message}"


class _Client(aiosmtplib.SMTP):
    """aiosmtplib's client, remembering whether the DATA step began: a connection lost
    or timed out from then on may have lost only the server's ``250`` (RFC 1047)."""

    data_began = False

    async def data(self, message: str | bytes, *args: Any, **kwargs: Any) -> Any:
        self.data_began = True
        return await super().data(message, *args, **kwargs)


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(
        self, email: EmailMessage, recipients: Sequence[str], server: SmtpServer | None = None
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
        client = _Client(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            timeout=s.smtp_timeout_seconds,
        )
        accepted: list[str] | None = None
        try:
            async with client:
                errors, _ = await client.send_message(
                    email, sender=sender, recipients=list(recipients)
                )
                accepted = [r for r in recipients if r not in errors]
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
            if client.data_began:
                # The message may be on the server although its reply never came.
                raise UncertainDeliveryError(
                    f"no answer after the data was sent ({said})"
                ) from error
            # Connection refused, dropped, timed out before the data: the server may be back soon.
            raise TransientDeliveryError(said) from error
        return accepted


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
