"""E-mail pacing: a token bucket per SMTP server, and the backoff between attempts."""

from __future__ import annotations

import pytest

from notifications.delivery.domain import SmtpServer
from notifications.delivery.pacing import smtp_retry_delay
from notifications.delivery.smtp import SmtpRateLimits
from notifications.settings import SenderPoolTooSmall, Settings, check_sender_pool

SETTINGS = Settings.model_construct(
    smtp_host="smtp.local",
    smtp_port=25,
    smtp_retry_delay_seconds=5.0,
    smtp_retry_max_delay_seconds=60.0,
)


def paced() -> tuple[SmtpRateLimits, list[float]]:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    return SmtpRateLimits(rate=1.0, burst=2, monotonic=lambda: now[0], sleep=sleep), slept


async def test_each_smtp_server_has_its_own_bucket() -> None:
    limits, slept = paced()
    own = SmtpServer(host="MAIL.org.example", port=587, use_tls=False)
    # The installation's server: its burst of two, then one a second.
    for _ in range(3):
        await limits.of(None, SETTINGS).acquire()
    assert slept == [pytest.approx(1.0)]
    # An org unit's server is not slowed by the installation's traffic ...
    await limits.of(own, SETTINGS).acquire()
    await limits.of(own, SETTINGS).acquire()
    assert len(slept) == 1
    # ... and its host is compared without case: the same server, the same bucket.
    await limits.of(
        SmtpServer(host="mail.ORG.example", port=587, use_tls=False), SETTINGS
    ).acquire()
    assert len(slept) == 2
    # The same host on another port is another server.
    assert limits.bucket("mail.org.example", 465) is not limits.bucket("mail.org.example", 587)
    # The installation's settings name the same bucket as an org unit pointing at them.
    assert limits.bucket("smtp.local", 25) is limits.bucket("SMTP.local", 25)


def test_bad_rate_limits_are_refused_when_built() -> None:
    with pytest.raises(ValueError, match="token bucket"):
        SmtpRateLimits(rate=0, burst=1)
    with pytest.raises(ValueError, match="token bucket"):
        SmtpRateLimits(rate=1, burst=0)


def test_smtp_retries_back_off_exponentially_up_to_the_cap() -> None:
    delays = [smtp_retry_delay(n, SETTINGS) for n in range(1, 7)]
    assert delays == [5, 10, 20, 40, 60, 60]


def test_a_sender_pool_smaller_than_its_batches_need_is_refused() -> None:
    check_sender_pool(8)  # two batches of three connections, and two spare
    with pytest.raises(SenderPoolTooSmall, match="at least 8"):
        check_sender_pool(7)
    settings = Settings.model_construct(
        service_name="notifications",
        sender_prefetch_count=8,
        sender_database_pool_size=10,
        email_sender_prefetch_count=64,
        sms_rate_burst=10,
    )
    sms = settings.for_sender("sms-sender")
    assert (sms.prefetch_count, sms.database_pool_size) == (8, 10)
    assert sms.service_name == "notifications-sms-sender"
    assert settings.for_sender("sender").prefetch_count == 64
    # What a sender holds in hand needs no connection: a prefetch above the pool starts.
    assert (
        Settings.model_construct(
            sender_prefetch_count=64, sender_database_pool_size=8, sms_rate_burst=10
        )
        .for_sender("sms-sender")
        .prefetch_count
        == 64
    )
    with pytest.raises(SenderPoolTooSmall):
        Settings.model_construct(sender_database_pool_size=7).for_sender("sender")


def test_the_sms_sender_holds_four_batches_unless_told() -> None:
    # Two going out and two full ones waiting (decision 103); a batch is at most the
    # rate limiter's burst and 32.
    def sms_prefetch(burst: int) -> int:
        settings = Settings.model_construct(sender_database_pool_size=20, sms_rate_burst=burst)
        return settings.for_sender("sms-sender").prefetch_count

    assert sms_prefetch(10) == 40
    assert sms_prefetch(1000) == 128
    assert sms_prefetch(1) == 4
