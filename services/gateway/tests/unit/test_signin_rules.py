"""The sign-in throttling rules (when a key is locked out, for how long, when it is
forgotten) and which address a sign-in is counted against."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain import (
    FailureRecord,
    ThrottlePolicy,
    after_failure,
    blocked_for,
    client_address,
    forget_at,
    lockout,
    retry_after_seconds,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(
    max_failures=5,
    window=timedelta(minutes=15),
    first_lockout=timedelta(seconds=30),
    max_lockout=timedelta(minutes=15),
)


def _failures(count: int, *, every: timedelta = timedelta(seconds=1)) -> FailureRecord:
    record = None
    now = T0
    for _ in range(count):
        record = after_failure(record, now, POLICY)
        now += every
    assert record is not None
    return record


def test_below_the_limit_nothing_is_blocked() -> None:
    record = _failures(4)
    assert record.failures == 4
    assert record.blocked_until is None
    assert blocked_for(record, T0 + timedelta(seconds=4)) is None
    assert blocked_for(None, T0) is None


def test_the_fifth_failure_locks_out_for_30_seconds() -> None:
    record = _failures(5)
    failed_at = T0 + timedelta(seconds=4)
    assert record.blocked_until == failed_at + timedelta(seconds=30)
    assert blocked_for(record, failed_at) == timedelta(seconds=30)
    assert blocked_for(record, failed_at + timedelta(seconds=29)) == timedelta(seconds=1)
    assert blocked_for(record, failed_at + timedelta(seconds=30)) is None


def test_each_further_failure_doubles_the_lockout_up_to_the_cap() -> None:
    assert [lockout(n, POLICY) for n in range(1, 5)] == [None] * 4
    assert [lockout(n, POLICY) for n in range(5, 12)] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 900, 900)
    ]
    assert lockout(10_000, POLICY) == timedelta(minutes=15)  # no overflow far beyond


def test_a_failure_after_a_lockout_ran_out_locks_again_for_longer() -> None:
    record = _failures(5)
    now = record.blocked_until
    assert now is not None
    again = after_failure(record, now, POLICY)
    assert again.failures == 6
    assert again.blocked_until == now + timedelta(seconds=60)


def test_failures_are_forgotten_after_a_quiet_window() -> None:
    record = _failures(4)
    quiet_until = forget_at(record, POLICY)
    assert quiet_until == record.last_failure_at + POLICY.window
    assert after_failure(record, quiet_until - timedelta(seconds=1), POLICY).failures == 5
    assert after_failure(record, quiet_until, POLICY).failures == 1


def test_the_quiet_window_starts_when_the_lockout_ends() -> None:
    long_policy = ThrottlePolicy(
        max_failures=1,
        window=timedelta(seconds=10),
        first_lockout=timedelta(minutes=1),
        max_lockout=timedelta(minutes=1),
    )
    record = after_failure(None, T0, long_policy)
    assert record.blocked_until == T0 + timedelta(minutes=1)
    assert forget_at(record, long_policy) == T0 + timedelta(minutes=1, seconds=10)


@pytest.mark.parametrize(
    ("wait", "seconds"),
    [
        (timedelta(seconds=30), 30),
        (timedelta(seconds=29, milliseconds=1), 30),
        (timedelta(milliseconds=1), 1),
        (timedelta(0), 1),
    ],
)
def test_retry_after_rounds_up_and_is_never_zero(wait: timedelta, seconds: int) -> None:
    assert retry_after_seconds(wait) == seconds


PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "counted"),
    [
        # No trusted proxies (the default): the header is the client's word, ignored.
        ("203.0.113.7", ["198.51.100.1"], [], "203.0.113.7"),
        # From a trusted proxy: the first untrusted address from the right.
        ("10.0.0.2", ["198.51.100.1"], PROXIES, "198.51.100.1"),
        ("10.0.0.2", ["1.1.1.1, 198.51.100.1, 10.0.0.9"], PROXIES, "198.51.100.1"),
        ("10.0.0.2", ["1.1.1.1", "198.51.100.1,10.0.0.9"], PROXIES, "198.51.100.1"),
        # An untrusted peer's header is never read, whatever it says.
        ("203.0.113.7", ["10.0.0.2"], PROXIES, "203.0.113.7"),
        # Nothing forwarded, or only proxies: the last one seen.
        ("10.0.0.2", [], PROXIES, "10.0.0.2"),
        ("10.0.0.2", ["10.0.0.3"], PROXIES, "10.0.0.3"),
        # A malformed entry: the proxy that passed it on is counted.
        ("10.0.0.2", ["198.51.100.1, garbage"], PROXIES, "10.0.0.2"),
        ("10.0.0.2", ["unknown, 10.0.0.5"], PROXIES, "10.0.0.5"),
        # With ports, as some proxies write them.
        ("10.0.0.2", ["198.51.100.1:4711"], PROXIES, "198.51.100.1"),
        ("10.0.0.2", ["[2001:db8::1]:4711"], PROXIES, "2001:db8::/64"),
        # IPv6 by its /64; an IPv4-mapped address as IPv4.
        ("2001:db8:1:2:aaaa::1", [], [], "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", [], [], "203.0.113.7"),
        (None, ["198.51.100.1"], PROXIES, "unknown"),
        ("not-an-address", [], [], "unknown"),
    ],
)
def test_the_counted_address(
    peer: str | None,
    forwarded: list[str],
    trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
    counted: str,
) -> None:
    assert client_address(peer, forwarded, trusted) == counted
