"""Pacing shared by the channel senders: a token bucket (a provider's rate limit) and
exponential backoff between attempts after transient failures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from notifications.settings import Settings


class TokenBucket:
    """At most ``rate`` acquisitions a second on average and ``burst`` at once."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def try_acquire(self, count: int = 1) -> bool:
        """Take ``count`` tokens if they are there now (all or none), without waiting;
        never ahead of a waiter."""
        if self._lock.locked():
            return False
        self._refill()
        if self._tokens < count:
            return False
        self._tokens -= count
        return True

    async def acquire(self) -> None:
        async with self._lock:  # first come, first served
            self._refill()
            while self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens -= 1


def retry_delay(delivery: int, base: float, maximum: float) -> float:
    """Exponential backoff: the pause after the ``delivery``-th attempt failed (1-based)."""
    return float(min(maximum, base * 2 ** max(0, delivery - 1)))


def smtp_retry_delay(delivery: int, settings: Settings) -> float:
    """The pause after the ``delivery``-th e-mail attempt failed for a transient reason."""
    return retry_delay(
        delivery, settings.smtp_retry_delay_seconds, settings.smtp_retry_max_delay_seconds
    )


def sms_retry_delay(delivery: int, settings: Settings) -> float:
    """The pause after the ``delivery``-th SMS attempt failed for a transient reason."""
    return retry_delay(
        delivery, settings.sms_retry_delay_seconds, settings.sms_retry_max_delay_seconds
    )
