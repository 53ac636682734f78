"""Rendering a send request's content, free of I/O: placeholders filled (HTML-escaped in
the HTML body), the HTML sanitized again, the plain-text part derived, the SMS measured."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from html.parser import HTMLParser

from aftersales_contracts import placeholders, sms
from aftersales_contracts.notifications import InlineContent
from notifications.templates import domain as templates


class MissingValues(ValueError):
    """Placeholders in the content that the request gave no value for."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(f"no value for placeholder(s): {', '.join(self.names)}")


def _body_html(body: str, values: Mapping[str, str]) -> str:
    """A body with HTML tags is HTML (values escaped into it); one without is plain text,
    whose blank lines become paragraphs and line breaks ``<br>``, as its writer meant."""
    if templates.is_html(body):
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

    @property
    def sms_length(self) -> sms.SmsLength | None:
        """The SMS text's encoding and segments (what the provider bills)."""
        return sms.measure(self.sms_text) if self.sms_text else None


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


def with_link(rendered: Rendered, url: str, text: str) -> Rendered:
    """The e-mail with a link appended (a recipient who is a user gets a link to the
    business object instead of its attachments): a paragraph with the link in the HTML
    body, "text: url" in the plain one."""
    link_html = f'<p><a href="{html.escape(url, quote=True)}">{html.escape(text)}</a></p>'
    body_html = templates.sanitize_html((rendered.body_html or "") + "\n" + link_html)
    link_text = f"{text}: {url}"
    body_text = f"{rendered.body_text}\n\n{link_text}" if rendered.body_text else link_text
    return replace(rendered, body_html=body_html, body_text=body_text)
