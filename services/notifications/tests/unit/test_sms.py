"""SMS rules without I/O: segments, the channel choice, backoff, the rate limit, settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import BlockReason, ChannelChoice
from notifications.domain import (
    Addressee,
    Blocked,
    Rendered,
    SendEmail,
    SendSms,
    SmsEncoding,
    decide,
    sms_segments,
)
from notifications.settings import Settings
from notifications.sms import TokenBucket, retry_delay


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", SmsEncoding.GSM7, 0, 0),
        ("a" * 160, SmsEncoding.GSM7, 160, 1),
        ("a" * 161, SmsEncoding.GSM7, 161, 2),
        ("a" * 306, SmsEncoding.GSM7, 306, 2),
        ("a" * 307, SmsEncoding.GSM7, 307, 3),
        # Swedish letters are in the GSM-7 default alphabet.
        ("Hej Åsa, din pump är klar. Ö" + "x" * 132, SmsEncoding.GSM7, 160, 1),
        # An extension character takes two septets ...
        ("€" * 80, SmsEncoding.GSM7, 160, 1),
        ("€" * 81, SmsEncoding.GSM7, 162, 2),
        # ... and is never split: 152 septets + "€" does not fit the first part's 153.
        ("a" * 152 + "€" + "a" * 10, SmsEncoding.GSM7, 164, 2),
        ("a" * 152 + "€" * 77 + "a", SmsEncoding.GSM7, 307, 3),
        ("ж" * 70, SmsEncoding.UCS2, 70, 1),
        ("ж" * 71, SmsEncoding.UCS2, 71, 2),
        ("ж" * 134, SmsEncoding.UCS2, 134, 2),
        ("ж" * 135, SmsEncoding.UCS2, 135, 3),
        # One character outside GSM-7 turns the whole text into UCS-2.
        ("a" * 69 + "ç", SmsEncoding.UCS2, 70, 1),
        ("a" * 70 + "ç", SmsEncoding.UCS2, 71, 2),
        # An emoji is two UTF-16 units, kept in one part.
        ("😀" * 35, SmsEncoding.UCS2, 70, 1),
        ("a" * 66 + "😀" + "a" * 3, SmsEncoding.UCS2, 71, 2),
        # 134 units would fill two parts exactly, but the emoji cannot straddle them.
        ("a" * 66 + "😀" + "a" * 66, SmsEncoding.UCS2, 134, 3),
    ],
)
def test_segments(text: str, encoding: SmsEncoding, units: int, segments: int) -> None:
    counted = sms_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


SMS = Rendered(subject="S", body_html="<p>B</p>", body_text="B", sms_text="Due soon")
PREFERS_SMS = Addressee(
    emails=("a@example.com",),
    mobiles=("+46701234567",),
    allowed=frozenset({CommunicationMethod.EMAIL, CommunicationMethod.SMS}),
    preferred=CommunicationMethod.SMS,
)


def test_sms_is_chosen_when_preferred_allowed_and_set_up() -> None:
    assert decide(ChannelChoice.AUTO, PREFERS_SMS, SMS, sms_ready=True) == SendSms(
        to=("+46701234567",)
    )
    assert decide(ChannelChoice.SMS, PREFERS_SMS, SMS, sms_ready=True) == SendSms(
        to=("+46701234567",)
    )
    # E-mail stays e-mail when asked for.
    assert decide(ChannelChoice.EMAIL, PREFERS_SMS, SMS, sms_ready=True) == SendEmail(
        to=("a@example.com",)
    )


@pytest.mark.parametrize(
    ("addressee", "rendered", "ready", "reason", "detail"),
    [
        (PREFERS_SMS, SMS, False, BlockReason.SMS_SETUP_MISSING, "no provider"),
        (PREFERS_SMS, Rendered(sms_text=None), True, BlockReason.SMS_SETUP_MISSING, "SMS text"),
        (PREFERS_SMS, Rendered(sms_text="  "), True, BlockReason.SMS_SETUP_MISSING, "SMS text"),
        (
            Addressee(emails=(), allowed=PREFERS_SMS.allowed, preferred=CommunicationMethod.SMS),
            SMS,
            True,
            BlockReason.SMS_SETUP_MISSING,
            "mobile",
        ),
        (
            Addressee(
                emails=(),
                mobiles=("+46701234567",),
                allowed=frozenset({CommunicationMethod.EMAIL}),
                preferred=CommunicationMethod.SMS,
            ),
            SMS,
            True,
            BlockReason.ALLOWED_METHODS,
            "does not allow sms",
        ),
    ],
)
def test_sms_blocks(
    addressee: Addressee, rendered: Rendered, ready: bool, reason: BlockReason, detail: str
) -> None:
    decision = decide(ChannelChoice.SMS, addressee, rendered, sms_ready=ready)
    assert isinstance(decision, Blocked)
    assert decision.reason is reason
    assert detail in decision.detail


def test_auto_with_sms_not_allowed_falls_back_to_email() -> None:
    emails_only = Addressee(
        emails=("a@example.com",),
        mobiles=("+46701234567",),
        allowed=frozenset({CommunicationMethod.EMAIL}),
        preferred=CommunicationMethod.SMS,
    )
    assert decide(ChannelChoice.AUTO, emails_only, SMS, sms_ready=True) == SendEmail(
        to=("a@example.com",)
    )


def test_auto_with_bare_mobile_numbers_goes_by_sms() -> None:
    numbers_only = Addressee(emails=(), mobiles=("+46701234567",))
    assert decide(ChannelChoice.AUTO, numbers_only, SMS, sms_ready=True) == SendSms(
        to=("+46701234567",)
    )
    both = Addressee(emails=("a@example.com",), mobiles=("+46701234567",))
    assert decide(ChannelChoice.AUTO, both, SMS, sms_ready=True) == SendEmail(to=("a@example.com",))


def test_retry_delay_doubles_up_to_the_cap() -> None:
    assert [retry_delay(n, 2.0, 20.0) for n in range(1, 7)] == [2, 4, 8, 16, 20, 20]
    assert retry_delay(0, 2.0, 20.0) == 2.0


async def test_token_bucket_spends_the_burst_then_paces() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(rate=2.0, burst=3, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await bucket.acquire()
    assert slept == []
    await bucket.acquire()
    assert slept == [pytest.approx(0.5)]
    now[0] += 10  # a long pause refills no more than the burst
    for _ in range(3):
        await bucket.acquire()
    assert len(slept) == 1
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(rate=0, burst=1)


@pytest.mark.parametrize("name", ["TwelveChars1", "", "Service-Co", "12345"])
def test_bad_sender_names_are_refused_naming_the_setting(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(sms_sender_name=name)
    assert raised.value.errors()[0]["loc"] == ("sms_sender_name",)


def test_sender_name_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFICATIONS_SMS_SENDER_NAME", "Eleven Char")
    assert Settings().sms_sender_name == "Eleven Char"
    monkeypatch.setenv("NOTIFICATIONS_SMS_SENDER_NAME", "Twelve Chars")
    with pytest.raises(ValidationError, match="sms_sender_name"):
        Settings()


def test_the_api_key_is_never_printed() -> None:
    settings = Settings(sms_provider_url="http://sms.example", sms_api_key="s3cret-key")
    assert "s3cret-key" not in repr(settings)
    assert "s3cret-key" not in str(settings.model_dump())
    assert settings.sms_configured
    assert not Settings().sms_configured
