"""Delivery's rules, free of I/O: how a failure is sorted (permanent or transient), which
server and sender a message goes out through, and the composed e-mail."""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, parseaddr

from notifications.delivery import mime
from notifications.delivery.mime import ComposedEmail
from notifications.sending.domain import MessageStatus


class DeliveryError(Exception):
    pass


class PermanentDeliveryError(DeliveryError):
    """Refused for good (an SMTP 5xx, a provider's 4xx): sending again cannot help."""


class TransientDeliveryError(DeliveryError):
    """Away or asking to try later (4xx, timeouts, refused connections): retried.
    ``retry_in``: the pause (seconds) its delivery asks for before the broker has the
    command again, set by the delivery that gives up for now."""

    retry_in: float = 0.0


class UncertainDeliveryError(DeliveryError):
    """The message was handed over and no answer came (the connection dropped or timed
    out after the data was sent, RFC 1047): it may have been accepted. Sending again
    could send twice, so the message becomes unconfirmed instead."""


class AttemptOutcome(enum.StrEnum):
    """How a delivery attempt ended (``delivery_attempt.outcome``; None while it runs)."""

    SENT = "sent"
    # Refused or not reached before anything was handed over: safe to try again.
    NOT_SENT = "not_sent"
    FAILED = "failed"
    # It may have gone out: the message is unconfirmed until an operator decides.
    UNCONFIRMED = "unconfirmed"


class AttemptPhase(enum.StrEnum):
    """How far an attempt got (``delivery_attempt.phase``), each step committed before it
    is taken: what a later delivery concludes when the attempt's sender died in it."""

    # Composing, connecting, greeting, the envelope (SMTP MAIL and RCPT): nothing of the
    # message is on the server yet, so an attempt that died here was not sent.
    PREPARING = "preparing"
    # Past the point of no return (SMTP DATA, the provider's request): it may have gone out.
    HANDING_OVER = "handing_over"
    # The server's answer is in and recorded (``answer``: sent or refused) but the
    # message's outcome is not yet: the next delivery records the answer, sends nothing.
    ANSWERED = "answered"


class Resolution(enum.StrEnum):
    """An operator's choice for an unconfirmed message."""

    RESEND = "resend"
    CONFIRMED_SENT = "confirmed_sent"


class NotUnconfirmed(Exception):
    """Only an unconfirmed message is resent or confirmed by an operator."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the message is {status}, not unconfirmed")
        self.status = status


def check_unconfirmed(status: str) -> None:
    """An operator resolves only what is unconfirmed: a queued, sent or failed message
    has an outcome (or will get one) without them."""
    if status != MessageStatus.UNCONFIRMED:
        raise NotUnconfirmed(status)


def uncertain_reason(number: int, started_at: datetime, detail: str | None = None) -> str:
    """What an unconfirmed message says: which attempt, and that it may have gone out."""
    said = f"attempt {number} at {started_at.isoformat()} ended without a known outcome"
    if detail:
        said += f" ({detail})"
    return f"{said}: it may have been sent; resend or confirm it"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    use_tls: bool
    username: str | None = None
    # Decrypted only in the sender, only for the connection; never in a repr or a log.
    password: str | None = field(default=None, repr=False)


SMS_SENDER_NAME_MAX = 11


def check_sms_sender_name(value: str) -> str:
    """An SMS sender name as providers accept it (an alphanumeric sender ID): 1 to 11
    characters, letters (A-Z, a-z), digits and spaces, at least one letter. Raises
    ValueError saying what is wrong."""
    if not 1 <= len(value) <= SMS_SENDER_NAME_MAX:
        raise ValueError(
            f"the SMS sender name has {len(value)} characters; at most {SMS_SENDER_NAME_MAX}"
        )
    if not re.fullmatch(r"[A-Za-z0-9 ]+", value) or not re.search(r"[A-Za-z]", value):
        raise ValueError(
            "the SMS sender name takes letters, digits and spaces, and at least one letter"
        )
    return value


@dataclass(frozen=True)
class SendingProfile:
    """How one message is sent: the server (None: the installation's), from, logo, footer."""

    from_address: str
    footer: str
    logo_url: str | None = None
    server: SmtpServer | None = None


@dataclass(frozen=True)
class MailAttachment:
    file_name: str
    media_type: str
    content: bytes = field(repr=False)


def compose_email(
    *,
    message_id: str,
    from_address: str,
    to: Sequence[str],
    subject: str,
    body_html: str,
    body_text: str,
    footer: str,
    logo_url: str | None = None,
    attachments: Sequence[MailAttachment] = (),
    date: datetime,
) -> ComposedEmail:
    """A multipart/alternative e-mail (text, then HTML), each part with the footer; the
    HTML with the logo on top; attachments make it multipart/mixed. ``date``: when it
    is handed over (the ``Date:`` header, which RFC 5322 requires; aware)."""
    if date.tzinfo is None:
        raise ValueError("an e-mail's date needs its time zone")
    domain = from_address.rpartition("@")[2].rstrip(">").strip() or "aftersales.local"
    headers = [
        mime.address_list("From", [from_address]),
        mime.address_list("To", to),
        mime.unstructured("Subject", subject),
        f"Date: {format_datetime(date)}",
        # The same for every attempt at one message (not make_msgid's time and
        # randomness): a copy sent twice in the duplicate window (README) is recognizable
        # as one, and receivers that de-duplicate on Message-ID show it once.
        f"Message-ID: <{message_id}@{domain}>",
        # Lets support find the message (and its trace) from a received e-mail.
        f"X-Aftersales-Message-ID: {message_id}",
    ]
    logo = (
        f'<p><img src="{html.escape(logo_url, quote=True)}" alt="" style="max-height:60px"></p>\n'
        if logo_url
        else ""
    )
    alternatives = mime.multipart(
        "alternative",
        [
            mime.text_part("plain", f"{body_text}\n\n--\n{footer}\n"),
            mime.text_part(
                "html",
                "<!DOCTYPE html>\n<html><body>\n"
                f"{logo}"
                f"{body_html}\n"
                '<hr><p style="color:#666;font-size:12px">'
                f"{html.escape(footer).replace(chr(10), '<br>')}</p>\n"
                "</body></html>\n",
            ),
        ],
    )
    entity = alternatives
    if attachments:
        files = [mime.attachment_part(a.file_name, a.media_type, a.content) for a in attachments]
        entity = mime.multipart("mixed", [alternatives.rstrip("\r\n"), *files])
    sender = parseaddr(from_address)[1] or from_address
    return ComposedEmail(sender=sender, data=mime.message(headers, entity))
