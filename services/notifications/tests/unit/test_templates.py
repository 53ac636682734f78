"""Templates, reports and composed e-mails, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aftersales_contracts import placeholders
from aftersales_contracts.notifications import InlineContent
from notifications.delivery import domain as delivery
from notifications.sending import rendering
from notifications.templates import domain as templates
from notifications.templates import reports
from notifications.templates.domain import TemplateKind

BOOKING = (
    "<p>Hello {{ facility_or_customer }},</p>"
    "<p>{{ next_booking_name }} visits you {{ next_booking_date }}, {{ next_booking_time }}.</p>"
    "<p>Order {{ order_ref }}, your order number {{ customer_order_number }}.</p>"
    "<p>Objects: {{ service_objects }}. Later: {{ future_bookings }}. {{ next_booking }}</p>"
    "<p>{{ company }}</p>"
)


def test_the_booking_confirmation_allows_exactly_its_tags() -> None:
    assert set(templates.ALLOWED[TemplateKind.BOOKING_CONFIRMATION]) == {
        "company",
        "future_bookings",
        "order_ref",
        "next_booking",
        "next_booking_name",
        "next_booking_date",
        "next_booking_time",
        "facility_or_customer",
        "customer_order_number",
        "service_objects",
    }
    templates.check_placeholders(TemplateKind.BOOKING_CONFIRMATION, BOOKING)
    with pytest.raises(placeholders.UnknownPlaceholder) as error:
        templates.check_placeholders(
            TemplateKind.BOOKING_CONFIRMATION, "{{ company }} {{ serial_number }} {{ nextBooking }}"
        )
    assert error.value.names == ["serial_number", "nextBooking"]


def test_each_kind_has_its_own_allow_list() -> None:
    templates.check_placeholders(TemplateKind.CALLOUT, "{{ serial_number }}")
    templates.check_placeholders(TemplateKind.GENERIC, "{{ machine_number }}")
    with pytest.raises(placeholders.UnknownPlaceholder):
        templates.check_placeholders(TemplateKind.CALLOUT, "{{ order_ref }}")


def test_a_booking_confirmation_renders_with_every_value() -> None:
    values = templates.values_for(
        TemplateKind.BOOKING_CONFIRMATION,
        {
            "company": "My Company",
            "order_ref": "AO462",
            "next_booking_name": "Börje",
            "next_booking_date": "Friday 6 October",
            "next_booking_time": "07:00-10:00",
            "facility_or_customer": "Plant 7",
            "customer_order_number": "PO-99",
            "service_objects": "Pump A, Pump B",
            "future_bookings": "Börje 6 Oct; Anna 9 Oct",
            "next_booking": "Börje 6 Oct 07:00-10:00",
        },
        "sv",
    )
    rendered = rendering.render_content(
        InlineContent(email_subject="Booking {{ order_ref }}", email_body=BOOKING), values
    )
    assert rendered.subject == "Booking AO462"
    assert rendered.body_text is not None
    assert "Börje visits you Friday 6 October, 07:00-10:00." in rendered.body_text
    assert "your order number PO-99." in rendered.body_text
    assert "Objects: Pump A, Pump B." in rendered.body_text


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("sv", "saknas"),
        ("sv-SE", "saknas"),
        ("en", "missing"),
        (None, "missing"),
        ("xx", "missing"),
    ],
)
def test_a_booking_confirmation_without_optional_values_says_missing(
    language: str | None, word: str
) -> None:
    values = templates.values_for(
        TemplateKind.BOOKING_CONFIRMATION,
        {"company": "My Company", "order_ref": "AO462", "customer_order_number": "  "},
        language,
    )
    rendered = rendering.render_content(
        InlineContent(email_subject="x", email_body=BOOKING), values
    )
    assert rendered.body_text is not None
    assert f"your order number {word}." in rendered.body_text
    assert "Objects: ." in rendered.body_text


def test_a_booking_confirmation_still_needs_company_and_order() -> None:
    values = templates.values_for(TemplateKind.BOOKING_CONFIRMATION, {}, "en")
    with pytest.raises(rendering.MissingValues) as error:
        rendering.render_content(InlineContent(email_subject="x", email_body=BOOKING), values)
    assert set(error.value.names) == {"company", "order_ref"}


def test_html_is_sanitized_and_plain_text_left_alone() -> None:
    dirty = '<p onclick="steal()">Hi<script>alert(1)</script> <a href="javascript:x()">l</a></p>'
    clean = templates.sanitize_html(dirty)
    assert "script" not in clean
    assert "onclick" not in clean
    assert "javascript" not in clean
    assert "<p>Hi" in clean
    assert templates.sanitize_html("Tom & Jerry\n\n{{ x }}") == "Tom & Jerry\n\n{{ x }}"


def test_rendering_sanitizes_what_values_or_inline_bodies_bring() -> None:
    rendered = rendering.render_content(
        InlineContent(
            email_subject="s", email_body='<p><a href="{{ link }}">x</a><img src=x onerror=y></p>'
        ),
        {"link": "javascript:alert(1)"},
    )
    assert rendered.body_html is not None
    assert "javascript" not in rendered.body_html
    assert "onerror" not in rendered.body_html


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("AO462 / M-17", "AO462 _ M-17.pdf"),
        ("../../etc/passwd", "_.._etc_passwd.pdf"),
        ('a<b>c:d"e|f?g*h', "a_b_c_d_e_f_g_h.pdf"),
        ("CON", "_CON.pdf"),
        ("...", "report.pdf"),
        ("report.pdf", "report.pdf"),
        ("Protokoll åäö", "Protokoll åäö.pdf"),
        ("x" * 300, "x" * 116 + ".pdf"),
    ],
)
def test_file_names_are_safe_for_file_systems(name: str, safe: str) -> None:
    assert reports.safe_file_name(name, extension=".pdf", fallback="report") == safe


def test_a_report_is_a_pdf() -> None:
    pdf = reports.render_pdf("Protokoll \u2013 AO462", "Hej åäö € 😀\n" * 100)
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_an_email_carries_logo_footer_and_attachments() -> None:
    email = delivery.compose_email(
        message_id="m1",
        from_address="service@example.com",
        to=["a@example.com"],
        subject="s",
        body_html="<p>Hello</p>",
        body_text="Hello",
        footer="My Company\nMain Street 1",
        logo_url="https://example.com/logo.png?a=1&b=2",
        attachments=[delivery.MailAttachment("AO462.pdf", "application/pdf", b"%PDF-1.4 x")],
        date=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    ).parsed()
    assert email.get_content_type() == "multipart/mixed"
    html = email.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert 'src="https://example.com/logo.png?a=1&amp;b=2"' in content
    assert "My Company<br>Main Street 1" in content
    parts = list(email.iter_attachments())
    assert [p.get_filename() for p in parts] == ["AO462.pdf"]
    assert parts[0].get_content() == b"%PDF-1.4 x"


def test_seed_004_tags_are_the_booking_confirmations_placeholders() -> None:
    # Issue 17 item 10: the seed's own example, tags in its spelling.
    seed = (
        "Hej, {facilityOrCustomer}\n"
        "Vår servicetekniker {nextBookingName} kommer till er {nextBookingDate}, "
        "{nextBookingTime}\nArbetet gäller {orderRef} ({customerOrderNumber}): "
        "{serviceObjects}. {nextBooking}; {futureBookings}\nHälsningar {company}"
    )
    text = templates.in_placeholder_language(TemplateKind.BOOKING_CONFIRMATION, seed)
    assert text == (
        "Hej, {{ facility_or_customer }}\n"
        "Vår servicetekniker {{ next_booking_name }} kommer till er {{ next_booking_date }}, "
        "{{ next_booking_time }}\nArbetet gäller {{ order_ref }} ({{ customer_order_number }}): "
        "{{ service_objects }}. {{ next_booking }}; {{ future_bookings }}\n"
        "Hälsningar {{ company }}"
    )
    # Every seed tag is one of the kind's placeholders, and the mapping covers them all.
    assert set(templates.SEED_BOOKING_TAGS.values()) == set(
        templates.BOOKING_CONFIRMATION_PLACEHOLDERS
    )
    templates.check_placeholders(TemplateKind.BOOKING_CONFIRMATION, text)
    # Both spellings in one text; the placeholder language's is left alone.
    mixed = "{{ order_ref }} / {orderRef}"
    assert (
        templates.in_placeholder_language(TemplateKind.BOOKING_CONFIRMATION, mixed)
        == "{{ order_ref }} / {{ order_ref }}"
    )


def test_a_misspelt_seed_tag_is_refused_and_other_kinds_keep_single_braces() -> None:
    with pytest.raises(placeholders.UnknownPlaceholder) as error:
        templates.in_placeholder_language(
            TemplateKind.BOOKING_CONFIRMATION, "{orderRef} {nextBokingDate} {nextBokingDate}"
        )
    assert error.value.names == ["nextBokingDate"]
    assert templates.in_placeholder_language(TemplateKind.GENERIC, "{orderRef}") == "{orderRef}"
