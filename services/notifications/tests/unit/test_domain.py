"""Rendering, the channel decision and e-mail composition: pure, no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from aftersales_contracts.catalog import CommunicationMethod as M
from aftersales_contracts.notifications import (
    BlockReason,
    Channel,
    ChannelChoice,
    InlineContent,
    SendMessage,
)
from notifications.delivery.domain import compose_email
from notifications.sending.domain import (
    Addressee,
    AwaitingRecipient,
    Blocked,
    Failed,
    MessageStatus,
    SendEmail,
    decide,
    new_message,
    outcome_values,
)
from notifications.sending.quotas import seconds_to_midnight
from notifications.sending.rendering import MissingValues, Rendered, html_to_text, render_content

EMAIL = Rendered(subject="Hi", body_html="<p>Hello</p>", body_text="Hello")


def customer(
    emails: tuple[str, ...] = ("a@example.com",),
    allowed: tuple[M, ...] = (M.EMAIL,),
    preferred: M | None = None,
) -> Addressee:
    return Addressee(emails=emails, allowed=frozenset(allowed), preferred=preferred)


def test_values_are_escaped_in_html_only() -> None:
    rendered = render_content(
        InlineContent(
            email_subject="For {{ name }}",
            email_body="<p>Dear {{name}}</p>",
            sms_text="Hi {{ name }}",
        ),
        {"name": "Ada & <Bob>"},
    )
    assert rendered.subject == "For Ada & <Bob>"
    assert rendered.body_html == "<p>Dear Ada &amp; &lt;Bob&gt;</p>"
    assert rendered.body_text == "Dear Ada & <Bob>"
    assert rendered.sms_text == "Hi Ada & <Bob>"


def test_a_line_break_in_a_value_cannot_reach_the_subject_header() -> None:
    rendered = render_content(
        InlineContent(email_subject="A {{ x }}", email_body="b"),
        {"x": "1\r\nBcc: evil@example.com"},
    )
    assert rendered.subject == "A 1 Bcc: evil@example.com"


def test_every_missing_value_is_named_once() -> None:
    with pytest.raises(MissingValues) as raised:
        render_content(
            InlineContent(
                email_subject="{{ a }} {{ b }}", email_body="{{ b }}", sms_text="{{ c }}"
            ),
            {"a": "1"},
        )
    assert raised.value.names == ["b", "c"]
    assert "b, c" in str(raised.value)


# The channel choice itself: test_channel_choice.py.


def test_an_email_without_subject_or_body_is_nothing_to_send() -> None:
    for rendered in (Rendered(body_html="<p>x</p>"), Rendered(subject="x"), Rendered()):
        decision = decide(ChannelChoice.AUTO, customer(), rendered)
        assert isinstance(decision, Blocked)
        assert decision.reason is BlockReason.NOTHING_TO_SEND
        assert decision.channel is None  # no method was possible


def test_html_to_text() -> None:
    html = (
        "<html><head><style>p{}</style></head><body><h1>Title</h1>"
        "<p>One &amp; two</p><ul><li>a</li><li>b</li></ul>line<br>break</body></html>"
    )
    assert html_to_text(html) == "Title\n\nOne & two\n\n- a\n\n- b\n\nline\nbreak"


def test_composed_email_has_text_and_html_with_the_footer() -> None:
    email = compose_email(
        message_id="m-1",
        from_address="service@aftersales.local",
        to=["a@example.com", "b@example.com"],
        subject="Hi",
        body_html="<p>Hello</p>",
        body_text="Hello",
        footer="Footer & more",
        date=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    ).parsed()
    assert email["To"] == "a@example.com, b@example.com"
    # RFC 5322 requires an origination date.
    assert email["Date"] == "Tue, 01 Dec 2026 09:30:00 +0000"
    assert email["X-Aftersales-Message-ID"] == "m-1"
    # Stable across attempts, so a duplicate is recognizable as the same message.
    assert email["Message-ID"] == "<m-1@aftersales.local>"
    assert email.get_content_type() == "multipart/alternative"
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().startswith("Hello\n\n--\nFooter & more")
    assert "<p>Hello</p>" in html.get_content()
    assert "Footer &amp; more" in html.get_content()


def test_an_email_date_needs_its_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        compose_email(
            message_id="m-1",
            from_address="service@aftersales.local",
            to=["a@example.com"],
            subject="Hi",
            body_html="<p>Hello</p>",
            body_text="Hello",
            footer="",
            date=datetime(2026, 12, 1, 9, 30),  # noqa: DTZ001 - the naive date refused
        )


def test_a_plain_text_body_keeps_its_paragraphs_and_line_breaks_in_html() -> None:
    rendered = render_content(
        InlineContent(email_subject="S", email_body="Dear {{ name }},\n\nline one\nline two\n"),
        {"name": "A & B <x>"},
    )
    assert rendered.body_html == ("<p>Dear A &amp; B &lt;x&gt;,</p>\n<p>line one<br>line two</p>")
    assert rendered.body_text == "Dear A & B <x>,\n\nline one\nline two"


def test_an_html_body_is_left_as_written() -> None:
    rendered = render_content(
        InlineContent(email_subject="S", email_body="<p>Hi {{ name }}</p>"), {"name": "<b>"}
    )
    assert rendered.body_html == "<p>Hi &lt;b&gt;</p>"


def test_each_outcome_sets_the_message_columns_it_decides() -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    assert outcome_values(SendEmail(to=("a@example.com",)), trace_id=trace) == {
        "status": MessageStatus.QUEUED,
        "channel": Channel.EMAIL,
        "recipients": ["a@example.com"],
    }
    blocked = Blocked(BlockReason.NOTHING_TO_SEND, "no body", Channel.EMAIL)
    assert outcome_values(blocked, trace_id=trace) == {
        "status": MessageStatus.BLOCKED,
        "channel": Channel.EMAIL,
        "reason": "nothing_to_send",
        "detail": "no body",
        "trace_id": trace,
    }
    # A failure keeps the channel the message had (none for a bad request).
    assert outcome_values(Failed("SMTP 550", Channel.EMAIL), trace_id=trace) == {
        "status": MessageStatus.FAILED,
        "reason": "SMTP 550",
        "trace_id": trace,
    }
    assert outcome_values(AwaitingRecipient(), trace_id=trace) == {
        "status": MessageStatus.AWAITING_RECIPIENT
    }


def test_a_new_message_says_who_asked_and_what_its_sms_costs() -> None:
    command = SendMessage.model_validate(
        {
            "idempotency_key": "k",
            "requester": "scheduling",
            "requester_reference": "r",
            "recipient": {"mobiles": ["+46701234567"]},
            "requested_by": "planner1",
            "business_object": {"kind": "scheduling.callout", "id": "c-1", "version": 4},
        }
    )
    rendered = Rendered(sms_text="Привет")
    row = new_message(
        command,
        message_id=uuid.uuid4(),
        now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        requested_by=None,
        rendered=rendered,
        template_id=None,
        language="sv",
        trace_id="ab" * 16,
    )
    assert row["trace_id"] == "ab" * 16  # the creating request's, before any outcome
    assert row["requested_by"] == "planner1"  # the command's user, when HTTP named none
    assert (row["business_object_kind"], row["business_object_version"]) == (
        "scheduling.callout",
        4,
    )
    assert (row["sms_encoding"], row["sms_segments"]) == ("ucs-2", 1)
    assert row["requested_mobiles"] == ["+46701234567"]
    gateway_user = new_message(
        command,
        message_id=uuid.uuid4(),
        now=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        requested_by="dispatcher",
        rendered=Rendered(),
        template_id=None,
        language=None,
        trace_id=None,
    )
    assert gateway_user["requested_by"] == "dispatcher"
    assert gateway_user["sms_encoding"] is None


def test_retry_after_runs_to_the_next_utc_midnight() -> None:
    assert seconds_to_midnight(datetime(2026, 11, 30, 23, 59, 30, tzinfo=UTC)) == 30
    assert seconds_to_midnight(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == 86_400
    assert seconds_to_midnight(datetime(2026, 11, 30, 23, 59, 59, 999_000, tzinfo=UTC)) == 1
    # A local time is taken at its UTC instant: 01:00 at +02:00 is 23:00 UTC.
    local = datetime(2026, 12, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert seconds_to_midnight(local) == 3600
