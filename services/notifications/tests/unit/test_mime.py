"""The e-mail as DATA carries it (``delivery.mime``): what a receiver's parser reads back
is what was composed, whatever the text; the bytes are 7-bit with CRLF line ends."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from notifications.delivery.domain import MailAttachment, compose_email
from notifications.delivery.mime import ComposedEmail, address_list, mailbox, unstructured

DATE = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _email(**overrides: object) -> ComposedEmail:
    given: dict[str, object] = {
        "message_id": "m-1",
        "from_address": "service@aftersales.local",
        "to": ["a@example.com"],
        "subject": "Hi",
        "body_html": "<p>Hello</p>",
        "body_text": "Hello",
        "footer": "Footer",
        "date": DATE,
    }
    return compose_email(**(given | overrides))  # type: ignore[arg-type]


def test_the_bytes_are_7_bit_with_crlf_line_ends_and_short_lines() -> None:
    email = _email(
        subject="Ihre Wartung ist fällig \u2013 jetzt buchen",
        body_text="Grüße aus Göteborg 😀 " * 40,
        body_html="<p>" + "Straße " * 200 + "</p>",
        attachments=[MailAttachment("Protokoll Åre.pdf", "application/pdf", bytes(range(256)))],
    )
    assert email.data.isascii()
    assert b"\n" not in email.data.replace(b"\r\n", b"")
    assert max(len(line) for line in email.data.split(b"\r\n")) <= 78


def test_what_a_parser_reads_back_is_what_was_composed() -> None:
    text = "Dear Ms Müller,\n\nyour heat pump 😀 is due.\r\nA line with = and a dot:\n.\nend"
    content = bytes(range(256)) * 10
    parsed = _email(
        from_address="Service Åre <service@aftersales.local>",
        to=["a@example.com", '"Builder, Bob" <b@example.com>'],
        subject="Ihre Wartung ist fällig",
        body_text=text,
        body_html="<p>Grüße</p>",
        footer="Main Street 1\nSweden",
        logo_url="https://example.com/logo.png",
        attachments=[
            MailAttachment("Protokoll Åre.pdf", "application/pdf", content),
            MailAttachment("plain.txt", "text/plain", b"x"),
        ],
    ).parsed()
    assert parsed["Subject"] == "Ihre Wartung ist fällig"
    assert parsed["From"].addresses[0].display_name == "Service Åre"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["a@example.com", "b@example.com"]
    assert parsed["To"].addresses[1].display_name == "Builder, Bob"
    assert parsed["Message-ID"] == "<m-1@aftersales.local>"
    assert parsed["Date"].datetime == DATE
    plain = parsed.get_body(("plain",))
    assert plain is not None
    assert plain.get_content() == text.replace("\r\n", "\n") + "\n\n--\nMain Street 1\nSweden\n"
    html = parsed.get_body(("html",))
    assert html is not None
    assert "<p>Grüße</p>" in html.get_content()
    assert "Main Street 1<br>Sweden" in html.get_content()
    files = list(parsed.iter_attachments())
    assert [f.get_filename() for f in files] == ["Protokoll Åre.pdf", "plain.txt"]
    assert files[0].get_content() == content


def test_a_line_break_in_a_header_value_is_no_header_of_its_own() -> None:
    email = _email(subject="Hi\r\nBcc: victim@example.com", to=["a@example.com\nX-Evil: 1"])
    assert not re.search(rb"^(Bcc|X-Evil):", email.data, re.MULTILINE)
    assert "Bcc" in str(email.parsed()["Subject"])


def test_many_recipients_are_folded_between_addresses() -> None:
    header = address_list("To", [f"person{i}@example.com" for i in range(20)])
    lines = header.split("\r\n")
    assert len(lines) > 1
    assert all(len(line) <= 78 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])


@pytest.mark.parametrize(
    ("address", "written"),
    [
        ("a@example.com", "a@example.com"),
        ("Ada <a@example.com>", "Ada <a@example.com>"),
        ('"Ada, Inc." <a@example.com>', '"Ada, Inc." <a@example.com>'),
        ("Åsa <a@example.com>", "=?utf-8?q?=C3=85sa?= <a@example.com>"),
        ("åsa@exämple.com", "åsa@exämple.com"),  # SMTPUTF8: the transport asks for it
    ],
)
def test_a_mailbox_is_written_as_a_receiver_reads_it(address: str, written: str) -> None:
    assert mailbox(address) == written


def test_a_long_or_non_ascii_subject_is_encoded_and_folded() -> None:
    assert unstructured("Subject", "Hi") == "Subject: Hi"
    long = unstructured("Subject", "Wartung fällig " * 20)
    assert long.isascii()
    assert all(len(line) <= 78 for line in long.split("\r\n"))
