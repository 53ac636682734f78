"""The signed identity token: what verifies, and each way one does not."""

from __future__ import annotations

import base64
import json

import pytest

from aftersales_kit.signed_identity import (
    MAX_TTL_SECONDS,
    Caller,
    InvalidIdentity,
    Keyring,
    key_id,
    sign,
    verify,
)

SECRET = "s" * 40
OTHER = "o" * 40
NOW = 1_800_000_000.0
RESTRICTED = Caller("ada", frozenset({"operator", "viewer"}), frozenset({"OU-N", "OU-S"}))


def _ring(secret: str = SECRET, *previous: str) -> Keyring:
    return Keyring.of(secret, previous)


def _refused(token: str, keyring: Keyring | None = None, now: float = NOW) -> str:
    with pytest.raises(InvalidIdentity) as raised:
        verify(token, keyring or _ring(), now=now)
    return str(raised.value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _payload(token: str) -> dict[str, object]:
    body = token.split(".")[2]
    loaded: dict[str, object] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return loaded


def test_a_signed_caller_verifies_as_itself() -> None:
    for caller in (
        RESTRICTED,
        Caller("root", frozenset({"admin"}), None),  # unrestricted stays unrestricted
        Caller("nobody", frozenset(), frozenset()),  # restricted to nothing stays so
    ):
        assert verify(sign(caller, _ring(), now=NOW), _ring(), now=NOW + 59) == caller


def test_the_token_names_its_key_and_expires_after_its_ttl() -> None:
    token = sign(RESTRICTED, _ring(), now=NOW, ttl_seconds=30)
    assert token.split(".")[:2] == ["v1", key_id(SECRET)]
    assert _payload(token)["exp"] == int(NOW) + 30
    assert SECRET not in token
    assert key_id(SECRET) != key_id(OTHER)


def test_an_expired_token_is_refused_past_the_leeway() -> None:
    token = sign(RESTRICTED, _ring(), now=NOW, ttl_seconds=60)
    assert verify(token, _ring(), now=NOW + 64) == RESTRICTED  # clocks a little apart
    assert "expired" in _refused(token, now=NOW + 66)


def test_a_tampered_payload_is_refused() -> None:
    token = sign(RESTRICTED, _ring(), now=NOW)
    version, kid, _, signature = token.split(".")
    widened = _payload(token) | {"org_units": None, "roles": ["admin"]}
    forged = ".".join((version, kid, _b64(json.dumps(widened).encode()), signature))
    assert "signature" in _refused(forged)
    # One flipped character of the signature, too.
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert "signature" in _refused(flipped)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    foreign = sign(RESTRICTED, _ring(OTHER), now=NOW)
    assert "key" in _refused(foreign)
    # The right key id but another secret's MAC (a forger who guessed the id).
    _, _, body, signature = foreign.split(".")
    assert "signature" in _refused(f"v1.{key_id(SECRET)}.{body}.{signature}")


def test_rotation_accepts_the_previous_secret_and_signs_with_the_new() -> None:
    old_token = sign(RESTRICTED, _ring(OTHER), now=NOW)
    rotating = _ring(SECRET, OTHER)
    assert verify(old_token, rotating, now=NOW) == RESTRICTED
    new_token = sign(RESTRICTED, rotating, now=NOW)
    assert new_token.split(".")[1] == key_id(SECRET)
    assert verify(new_token, _ring(SECRET), now=NOW) == RESTRICTED
    # Once the old secret is dropped, its tokens are refused.
    assert "key" in _refused(old_token, _ring(SECRET))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "v1.a.b",
        "v2." + key_id(SECRET) + ".e30.AAAA",
        "v1." + key_id(SECRET) + ".e30.!!!",
        "v1." + key_id(SECRET) + ".e30." + "A" * 9000,
    ],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    _refused(token)


def test_a_correctly_signed_but_odd_payload_is_refused() -> None:
    import hashlib
    import hmac

    def signed(payload: object) -> str:
        part = f"v1.{key_id(SECRET)}.{_b64(json.dumps(payload).encode())}"
        mac = hmac.new(SECRET.encode(), part.encode(), hashlib.sha256).digest()
        return f"{part}.{_b64(mac)}"

    good = {"sub": "ada", "roles": ["admin"], "org_units": None, "iat": int(NOW)}
    assert verify(signed(good | {"exp": int(NOW) + 60}), _ring(), now=NOW).username == "ada"
    for payload in (
        [1, 2],
        good,  # no expiry
        good | {"exp": int(NOW) + MAX_TTL_SECONDS + 1},  # lives longer than any gateway gives
        good | {"iat": int(NOW) + 3600, "exp": int(NOW) + 3660},  # signed in the future
        good | {"exp": int(NOW) + 60, "roles": "admin"},
        good | {"exp": int(NOW) + 60, "org_units": [1]},
        good | {"exp": int(NOW) + 60, "sub": 7},
    ):
        _refused(signed(payload))


def test_short_secrets_and_lifetimes_beyond_the_cap_are_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        Keyring.of("short")
    with pytest.raises(ValueError, match="32"):
        Keyring.of(SECRET, ["short"])
    with pytest.raises(ValueError, match="ttl_seconds"):
        sign(RESTRICTED, _ring(), now=NOW, ttl_seconds=MAX_TTL_SECONDS + 1)
