"""Sign-in abuse limits: throttling per username and per client address (429 with
Retry-After, no password check while locked out, an unknown username like a known one,
shared by every replica), bounded Argon2 work (a flood cannot starve the gateway) and a
cap on each user's live tokens."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

import gateway.passwords
from aftersales_kit.clock import FixedClock
from aftersales_testing.waiting import eventually
from gateway.settings import Settings

from ..conftest import ClientFactory, UserFactory, _client, random_address

PROBLEM = "application/problem+json"


class VerifyProbe:
    """Counts password verifications, how many ran at once at most, and can hold them
    (each waits in its thread until ``release``): instrumented, never timed."""

    def __init__(self) -> None:
        self.calls = 0
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()
        self._open = threading.Event()
        self._open.set()
        self._original = gateway.passwords.verify_password

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def __call__(self, password_hash: str | None, password: str) -> bool:
        with self._lock:
            self.calls += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            assert self._open.wait(60), "a held verification was never released"
            return self._original(password_hash, password)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def verify_probe(monkeypatch: pytest.MonkeyPatch) -> Iterator[VerifyProbe]:
    probe = VerifyProbe()
    monkeypatch.setattr(gateway.passwords, "verify_password", probe)
    yield probe
    probe.release()


async def _sign_in(
    client: httpx.AsyncClient, username: str, password: str, **headers: str
) -> httpx.Response:
    return await client.post(
        "/auth/token", data={"username": username, "password": password}, headers=headers
    )


def _assert_throttled(response: httpx.Response, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == str(retry_after)
    body = response.json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"
    assert body["detail"] == f"too many failed sign-ins; try again in {retry_after} seconds"


async def test_five_wrong_passwords_lock_the_username_out_without_checking_passwords(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    verify_probe: VerifyProbe,
    clock: FixedClock,
) -> None:
    username, password = await make_user("viewer")
    for _ in range(5):
        assert (await _sign_in(client, username, "wrong")).status_code == 401
    assert verify_probe.calls == 5

    # Locked out: the right password too, and none of these costs a hash.
    _assert_throttled(await _sign_in(client, username, "wrong"), 30)
    _assert_throttled(await _sign_in(client, username, password), 30)
    assert verify_probe.calls == 5
    clock.advance(timedelta(seconds=29, milliseconds=500))
    _assert_throttled(await _sign_in(client, username, password), 1)
    assert verify_probe.calls == 5

    # Over: the right password works, and forgets the username's failures.
    clock.advance(timedelta(milliseconds=500))
    assert (await _sign_in(client, username, password)).status_code == 200
    for _ in range(4):
        assert (await _sign_in(client, username, "wrong")).status_code == 401
    assert (await _sign_in(client, username, password)).status_code == 200


async def test_the_lockout_doubles_with_each_further_failure_up_to_15_minutes(
    client: httpx.AsyncClient, make_user: UserFactory, clock: FixedClock
) -> None:
    username, _ = await make_user("viewer")
    for _ in range(4):
        assert (await _sign_in(client, username, "wrong")).status_code == 401
    for lockout in (30, 60, 120, 240, 480, 900, 900):
        assert (await _sign_in(client, username, "wrong")).status_code == 401
        _assert_throttled(await _sign_in(client, username, "wrong"), lockout)
        clock.advance(timedelta(seconds=lockout))
    # Quiet for the window after the last lockout: counted from one again.
    clock.advance(timedelta(minutes=15))
    for _ in range(4):
        assert (await _sign_in(client, username, "wrong")).status_code == 401
    assert (await _sign_in(client, username, "wrong")).status_code == 401
    _assert_throttled(await _sign_in(client, username, "wrong"), 30)


async def test_an_unknown_username_is_throttled_exactly_like_a_known_one(
    client_for: ClientFactory, settings: Settings, make_user: UserFactory
) -> None:
    known, _ = await make_user("admin")
    unknown = f"nobody-{secrets.token_hex(4)}"
    answers: dict[str, list[httpx.Response]] = {}
    for username in (known, unknown):
        async with client_for(settings) as client:  # an address of its own each
            answers[username] = [await _sign_in(client, username, "wrong") for _ in range(7)]

    def seen(response: httpx.Response) -> tuple[int, object, str | None, str | None]:
        body = {k: v for k, v in response.json().items() if k != "request_id"}
        headers = response.headers
        return (
            response.status_code,
            body,
            headers.get("retry-after"),
            headers.get("www-authenticate"),
        )

    assert [seen(r) for r in answers[known]] == [seen(r) for r in answers[unknown]]
    assert [r.status_code for r in answers[known]] == [401] * 5 + [429] * 2


async def test_one_address_guessing_at_many_usernames_is_locked_out(
    client: httpx.AsyncClient,
    client_for: ClientFactory,
    settings: Settings,
    make_user: UserFactory,
    verify_probe: VerifyProbe,
) -> None:
    username, password = await make_user("viewer")
    for _ in range(settings.signin_max_failures_per_address):
        wrong = await _sign_in(client, f"guess-{secrets.token_hex(4)}", "Winter2026!")
        assert wrong.status_code == 401
    calls = verify_probe.calls
    # This address may not try anyone now, a real user with the right password included.
    _assert_throttled(await _sign_in(client, username, password), 30)
    assert verify_probe.calls == calls
    # The same user from another address is not held back.
    async with client_for(settings) as elsewhere:
        assert (await _sign_in(elsewhere, username, password)).status_code == 200


async def test_a_success_does_not_reset_the_addresss_failures(
    client: httpx.AsyncClient, settings: Settings, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    for _ in range(settings.signin_max_failures_per_address - 1):
        assert (await _sign_in(client, f"guess-{secrets.token_hex(4)}", "x")).status_code == 401
    assert (await _sign_in(client, username, password)).status_code == 200
    assert (await _sign_in(client, f"guess-{secrets.token_hex(4)}", "x")).status_code == 401
    _assert_throttled(await _sign_in(client, f"guess-{secrets.token_hex(4)}", "x"), 30)


async def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    settings: Settings, clock: FixedClock, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    limit = settings.signin_max_failures_per_address
    attacker = random_address()

    # No trusted proxies: a client naming a new address per request is still counted
    # by its own.
    async with _client(settings, clock, attacker) as client:
        for _ in range(limit):
            guess = f"guess-{secrets.token_hex(4)}"
            spoofed = random_address()
            assert (
                await _sign_in(client, guess, "x", **{"X-Forwarded-For": spoofed})
            ).status_code == 401
        blocked = await _sign_in(
            client, username, password, **{"X-Forwarded-For": random_address()}
        )
        _assert_throttled(blocked, 30)

    # Behind a trusted proxy the forwarded address is the one counted: the attacker's
    # is locked out, another client behind the same proxy is not.
    proxy = random_address()
    behind = settings.model_copy(update={"trusted_proxies": [f"{proxy}/32"]})
    behind = Settings.model_validate(behind.model_dump())
    someone = random_address()
    async with _client(behind, clock, proxy) as client:
        throttled = await _sign_in(client, username, password, **{"X-Forwarded-For": attacker})
        _assert_throttled(throttled, 30)
        allowed = await _sign_in(client, username, password, **{"X-Forwarded-For": someone})
        assert allowed.status_code == 200, allowed.text


async def test_every_replica_sees_the_same_failures(
    client: httpx.AsyncClient, client_for: ClientFactory, settings: Settings, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    async with client_for(settings) as other_replica:
        for replica in (client, other_replica) * 2 + (client,):
            assert (await _sign_in(replica, username, "wrong")).status_code == 401
        _assert_throttled(await _sign_in(other_replica, username, password), 30)


async def test_a_sign_in_flood_runs_at_most_two_hashes_and_the_api_still_answers(
    settings: Settings,
    client_for: ClientFactory,
    make_user: UserFactory,
    verify_probe: VerifyProbe,
) -> None:
    assert settings.password_hash_concurrency == 2
    patient = settings.model_copy(update={"password_hash_wait_seconds": 120})
    async with client_for(patient) as client:
        username, password = await make_user("viewer")
        token = (await _sign_in(client, username, password)).json()["access_token"]
        verify_probe.hold()
        flood = [
            asyncio.create_task(_sign_in(client, f"flood-{secrets.token_hex(4)}", "wrong"))
            for _ in range(16)
        ]
        try:
            await eventually(lambda: _value(verify_probe, "running"), until=lambda n: n == 2)
            # Two hashes hold their slots, fourteen sign-ins wait: an ordinary request is
            # answered meanwhile (no database connection is held by a waiting sign-in).
            me = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
        finally:
            verify_probe.release()
            answers = await asyncio.gather(*flood)
    assert [r.status_code for r in answers] == [401] * 16
    assert verify_probe.peak == 2
    assert verify_probe.calls == 17


async def test_a_sign_in_that_waits_too_long_for_a_hashing_slot_is_503(
    settings: Settings, client_for: ClientFactory, verify_probe: VerifyProbe
) -> None:
    narrow = settings.model_copy(
        update={"password_hash_concurrency": 1, "password_hash_wait_seconds": 0.2}
    )
    async with client_for(narrow) as client:
        verify_probe.hold()
        first = asyncio.create_task(_sign_in(client, f"first-{secrets.token_hex(4)}", "wrong"))
        try:
            await eventually(lambda: _value(verify_probe, "running"), until=lambda n: n == 1)
            busy = await _sign_in(client, f"second-{secrets.token_hex(4)}", "wrong")
        finally:
            verify_probe.release()
            assert (await first).status_code == 401
    assert busy.status_code == 503, busy.text
    assert busy.headers["content-type"] == PROBLEM
    assert busy.headers["retry-after"] == "5"
    assert verify_probe.calls == 1


async def test_a_lockout_earned_while_sign_ins_waited_for_a_slot_still_counts(
    settings: Settings, client_for: ClientFactory, make_user: UserFactory, verify_probe: VerifyProbe
) -> None:
    one_at_a_time = settings.model_copy(
        update={"password_hash_concurrency": 1, "password_hash_wait_seconds": 120}
    )
    username, _ = await make_user("viewer")
    async with client_for(one_at_a_time) as client:
        passwords = client._transport.app.state.passwords  # type: ignore[attr-defined]
        verify_probe.hold()
        attempts = [asyncio.create_task(_sign_in(client, username, "wrong")) for _ in range(7)]
        # One verifying, six past the first throttle check and waiting for the slot.
        try:
            await eventually(lambda: _value(verify_probe, "running"), until=lambda n: n == 1)
            await eventually(lambda: _value(passwords, "waiting"), until=lambda n: n == 6)
        finally:
            verify_probe.release()
            answers = await asyncio.gather(*attempts)
    assert sorted(r.status_code for r in answers) == [401] * 5 + [429] * 2
    assert verify_probe.calls == 5


async def _value(probe: object, name: str) -> int:
    value: int = getattr(probe, name)
    return value


async def test_signing_in_beyond_the_cap_revokes_the_oldest_tokens(
    settings: Settings, client_for: ClientFactory, make_user: UserFactory, clock: FixedClock
) -> None:
    capped = settings.model_copy(update={"max_live_tokens_per_user": 3})
    async with client_for(capped) as client:
        username, password = await make_user("viewer")
        tokens = []
        for _ in range(5):
            response = await _sign_in(client, username, password)
            assert response.status_code == 200, response.text
            tokens.append(response.json()["access_token"])
            clock.advance(timedelta(seconds=1))
        statuses = [
            (await client.get("/auth/me", headers={"Authorization": f"Bearer {t}"})).status_code
            for t in tokens
        ]
    assert statuses == [401, 401, 200, 200, 200]


async def test_the_default_cap_is_20_live_tokens(
    client: httpx.AsyncClient, make_user: UserFactory, clock: FixedClock
) -> None:
    username, password = await make_user("viewer")
    tokens = []
    for _ in range(21):
        tokens.append((await _sign_in(client, username, password)).json()["access_token"])
        clock.advance(timedelta(seconds=1))

    async def status(token: str) -> int:
        return (
            await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        ).status_code

    assert await status(tokens[0]) == 401
    assert [await status(t) for t in tokens[1:]] == [200] * 20
