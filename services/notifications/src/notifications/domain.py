"""Notifications' rules, free of I/O: rendering, choosing a channel, composing an e-mail,
counting an SMS's segments."""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser

from aftersales_contracts import placeholders
from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import BlockReason, Channel, ChannelChoice, InlineContent
from notifications import templates


class MessageStatus(enum.StrEnum):
    # The customer is not in the projection yet; its CustomerRegistered will release it.
    AWAITING_RECIPIENT = "awaiting_recipient"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class MissingValues(ValueError):
    """Placeholders in the content that the request gave no value for."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(f"no value for placeholder(s): {', '.join(self.names)}")


_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def _body_html(body: str, values: Mapping[str, str]) -> str:
    """A body with HTML tags is HTML (values escaped into it); one without is plain text,
    whose blank lines become paragraphs and line breaks ``<br>``, as its writer meant."""
    if _TAG.search(body):
        return placeholders.render(body, values, escape=html.escape)
    text = placeholders.render(body, values)
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n".join(
        "<p>" + html.escape(p.strip()).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


@dataclass(frozen=True)
class Rendered:
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    sms_text: str | None = None


def render_content(content: InlineContent, values: Mapping[str, str]) -> Rendered:
    """Substitute ``values`` into every part; the HTML body gets them HTML-escaped.

    Every part is checked, not only the one the channel will use, so that a request
    fails the same way whichever channel the recipient's settings pick later.
    """
    parts = (content.email_subject, content.email_body, content.sms_text)
    missing = [
        name
        for part in parts
        if part is not None
        for name in placeholders.find(part)
        if name not in values
    ]
    if missing:
        raise MissingValues(list(dict.fromkeys(missing)))
    subject = placeholders.render(content.email_subject, values) if content.email_subject else None
    body_html = _body_html(content.email_body, values) if content.email_body else None
    if body_html is not None:
        # Sanitized again once rendered: a value or an inline body must not bring in
        # what the template's own sanitizing removed (scripts, handlers, javascript: links).
        body_html = templates.sanitize_html(body_html)
    return Rendered(
        # A header cannot hold a line break: a value with one must not forge headers.
        subject=" ".join(subject.split()) if subject is not None else None,
        body_html=body_html,
        body_text=html_to_text(body_html) if body_html is not None else None,
        sms_text=placeholders.render(content.sms_text, values) if content.sms_text else None,
    )


@dataclass(frozen=True)
class Addressee:
    """Who a message goes to and what they accept. ``allowed`` None: no restriction
    (the requester gave bare e-mail addresses, not a customer)."""

    emails: tuple[str, ...]
    allowed: frozenset[CommunicationMethod] | None = None
    preferred: CommunicationMethod | None = None
    mobiles: tuple[str, ...] = ()

    def allows(self, method: CommunicationMethod) -> bool:
        return self.allowed is None or method in self.allowed


@dataclass(frozen=True)
class SendEmail:
    to: tuple[str, ...]
    channel: Channel = Channel.EMAIL


@dataclass(frozen=True)
class SendSms:
    to: tuple[str, ...]
    channel: Channel = Channel.SMS


@dataclass(frozen=True)
class Blocked:
    reason: BlockReason
    detail: str
    channel: Channel | None


Decision = SendEmail | SendSms | Blocked


def _methods(addressee: Addressee) -> str:
    allowed = sorted(m.value for m in addressee.allowed or ())
    return ", ".join(allowed) or "none"


def decide(
    choice: ChannelChoice, addressee: Addressee, rendered: Rendered, *, sms_ready: bool = False
) -> Decision:
    """Pick the channel and say whether the message can go, or why it is blocked.

    ``sms_ready``: an SMS provider is configured. Without one, or without an SMS text
    (the step's SMS is not set up) or a mobile number, an SMS is ``sms_setup_missing``.
    """
    if choice is ChannelChoice.AUTO:
        preferred = addressee.preferred
        if preferred in (CommunicationMethod.EMAIL, CommunicationMethod.SMS) and addressee.allows(
            preferred
        ):
            channel = Channel(preferred.value)
        elif (
            addressee.mobiles and not addressee.emails and addressee.allows(CommunicationMethod.SMS)
        ):
            # Bare mobile numbers and no address to e-mail: SMS is what was meant.
            channel = Channel.SMS
        else:
            channel = Channel.EMAIL
    else:
        channel = Channel(choice.value)

    if not addressee.allows(CommunicationMethod(channel.value)):
        return Blocked(
            BlockReason.ALLOWED_METHODS,
            f"the customer does not allow {channel.value} (allowed: {_methods(addressee)})",
            channel,
        )
    if channel is Channel.SMS:
        if not sms_ready:
            return Blocked(
                BlockReason.SMS_SETUP_MISSING, "SMS sending is not set up (no provider)", channel
            )
        if not rendered.sms_text or not rendered.sms_text.strip():
            return Blocked(BlockReason.SMS_SETUP_MISSING, "the message has no SMS text", channel)
        if not addressee.mobiles:
            return Blocked(
                BlockReason.SMS_SETUP_MISSING, "the recipient has no mobile number", channel
            )
        return SendSms(to=addressee.mobiles)
    if not rendered.subject or not rendered.body_html:
        return Blocked(BlockReason.NOTHING_TO_SEND, "an e-mail needs a subject and a body", channel)
    if not addressee.emails:
        return Blocked(
            BlockReason.EMAIL_SETTINGS_MISSING, "the recipient has no e-mail address", channel
        )
    return SendEmail(to=addressee.emails)


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}
    )
    _SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(body_html: str) -> str:
    """A plain-text alternative of an HTML body: tags dropped, blocks on their own lines."""
    extractor = _TextExtractor()
    extractor.feed(body_html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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
) -> EmailMessage:
    """A multipart/alternative e-mail (text, then HTML), each part with the footer; the
    HTML with the logo on top; attachments make it multipart/mixed."""
    email = EmailMessage()
    email["From"] = from_address
    email["To"] = ", ".join(to)
    email["Subject"] = subject
    domain = from_address.rpartition("@")[2] or "aftersales.local"
    # The same for every attempt at one message (not make_msgid's time and randomness):
    # a copy sent twice in the duplicate window (README) is recognizable as one, and
    # receivers that de-duplicate on Message-ID show it once.
    email["Message-ID"] = f"<{message_id}@{domain}>"
    # Lets support find the message (and its trace) from a received e-mail.
    email["X-Aftersales-Message-ID"] = message_id
    email.set_content(f"{body_text}\n\n--\n{footer}\n")
    logo = (
        f'<p><img src="{html.escape(logo_url, quote=True)}" alt="" style="max-height:60px"></p>\n'
        if logo_url
        else ""
    )
    email.add_alternative(
        "<!DOCTYPE html>\n<html><body>\n"
        f"{logo}"
        f"{body_html}\n"
        '<hr><p style="color:#666;font-size:12px">'
        f"{html.escape(footer).replace(chr(10), '<br>')}</p>\n"
        "</body></html>\n",
        subtype="html",
    )
    for part in attachments:
        maintype, _, subtype = part.media_type.partition("/")
        email.add_attachment(
            part.content, maintype=maintype, subtype=subtype, filename=part.file_name
        )
    return email


@dataclass(frozen=True)
class MailAttachment:
    file_name: str
    media_type: str
    content: bytes = field(repr=False)


# GSM 03.38: the default alphabet (one septet each) and its extension table (an escape
# and the character: two septets each). Anything else needs UCS-2.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


class SmsEncoding(enum.StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SmsSegments:
    encoding: SmsEncoding
    # Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes.
    units: int
    segments: int


def _pack(costs: Sequence[int], single: int, per_part: int) -> int:
    """Segments needed for characters of these costs; a character never straddles two."""
    if sum(costs) <= single:
        return 1 if costs else 0
    segments, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            segments, used = segments + 1, 0
        used += cost
    return segments


def sms_segments(text: str) -> SmsSegments:
    """How many SMS a text takes: GSM-7 160 alone, 153 per part of a longer message;
    UCS-2 70 alone, 67 per part (the rest of each part holds the concatenation header).
    An extension character (``€``, ``[`` ...) costs two septets; a character outside the
    BMP (most emoji) two UTF-16 units. Neither is split across parts."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text):
        costs = [2 if c in _GSM7_EXTENDED else 1 for c in text]
        return SmsSegments(SmsEncoding.GSM7, sum(costs), _pack(costs, 160, 153))
    costs = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsSegments(SmsEncoding.UCS2, sum(costs), _pack(costs, 70, 67))
