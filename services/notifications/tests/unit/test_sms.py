"""SMS rules without I/O: segments, the channel choice, backoff, the rate limit, settings."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from aftersales_contracts.catalog import CommunicationMethod
from aftersales_contracts.notifications import BlockReason, ChannelChoice
from notifications.delivery.pacing import TokenBucket, retry_delay
from notifications.sending.domain import Addressee, Blocked, SendEmail, SendSms, decide
from notifications.sending.rendering import Rendered
from notifications.settings import Settings


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("Hej Åsa, din pump är klar.", "gsm-7", 1),
        ("€" * 81, "gsm-7", 2),
        ("Привет! " * 10, "ucs-2", 2),
    ],
)
def test_a_rendered_sms_is_measured_by_the_shared_sms_module(
    text: str, encoding: str, segments: int
) -> None:
    # The counting itself is aftersales_contracts.sms's (and its tests'); what the
    # message stores and the API answers is its spelling and its count.
    length = Rendered(sms_text=text).sms_length
    assert length is not None
    assert (length.encoding.value, length.segments) == (encoding, segments)
    assert Rendered(sms_text=None).sms_length is None


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
            # The customer's missing number is a recipient problem (issue 17 item 13).
            BlockReason.ALLOWED_METHODS,
            "no mobile number",
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


def test_auto_with_a_preferred_sms_not_allowed_is_blocked() -> None:
    # Catalog never stores such a customer; the shared rule blocks rather than guess.
    emails_only = Addressee(
        emails=("a@example.com",),
        mobiles=("+46701234567",),
        allowed=frozenset({CommunicationMethod.EMAIL}),
        preferred=CommunicationMethod.SMS,
    )
    decision = decide(ChannelChoice.AUTO, emails_only, SMS, sms_ready=True)
    assert isinstance(decision, Blocked)
    assert decision.reason is BlockReason.ALLOWED_METHODS


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


async def test_try_acquire_takes_a_token_only_when_one_is_there_and_none_is_awaited() -> None:
    now = [0.0]
    released = asyncio.Event()

    async def sleep(seconds: float) -> None:
        await released.wait()
        now[0] += seconds

    bucket = TokenBucket(rate=1.0, burst=1, monotonic=lambda: now[0], sleep=sleep)
    assert bucket.try_acquire()
    # None left: the sender must wait for one (letting its database work go first).
    assert not bucket.try_acquire()
    waiter = asyncio.create_task(bucket.acquire())
    await asyncio.sleep(0)
    now[0] += 5  # tokens are back, but the one waiting is served first
    assert not bucket.try_acquire()
    released.set()
    await waiter
    assert not bucket.try_acquire()  # the waiter took the one there was
    now[0] += 1
    assert bucket.try_acquire()


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
