"""The identity the gateway vouches for, signed: what a service believes about its caller.

The gateway puts one token on every request it forwards (``X-Aftersales-Identity``): the
user, their roles and org units (or none: unrestricted), an expiry a minute ahead and the
id of the key that signed it, with an HMAC-SHA256 over all of it under a secret that only
the gateway and the services hold. A service that reaches a valid token knows the gateway
sent it; the plain identity headers prove nothing, anyone who reaches a port can set them.

Pure: no FastAPI, no clock of its own (``now`` is wall time in epoch seconds, passed in).

    v1.<key id>.<payload: base64url JSON>.<signature: base64url HMAC-SHA256>

The key id is derived from the secret, so a service that accepts several secrets (a
rotation) picks the right one without a configured id, and a token signed with a secret
it does not hold is told apart from a forged one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

IDENTITY_HEADER = "X-Aftersales-Identity"
VERSION = "v1"
DEFAULT_TTL_SECONDS = 60
# A token that claims to live longer than this was not made by our gateway (its TTL is
# capped by the settings): refused, so a leaked token cannot be minted for days.
MAX_TTL_SECONDS = 300
# Clocks of two hosts differ a little; an expiry this close to "now" still counts.
LEEWAY_SECONDS = 5
# An HMAC key guessable offline from one captured token is no key: 32 characters of a
# random string (secrets.token_urlsafe(32) gives 43) leave nothing to guess.
MIN_SECRET_LENGTH = 32
# A header far beyond any real identity is refused before it is decoded.
MAX_TOKEN_LENGTH = 8192


@dataclass(frozen=True)
class Caller:
    """The user a request is made for, as the gateway (or a registered client) vouches."""

    username: str | None
    roles: frozenset[str] = frozenset()
    # None: not restricted. A set: only the org units with these codes (possibly none).
    org_units: frozenset[str] | None = None

    @property
    def restricted(self) -> bool:
        return self.org_units is not None

    def has_role(self, role: str) -> bool:
        return role in self.roles


class InvalidIdentity(Exception):
    """The token is not one the gateway made now: ``str(error)`` says why, without
    echoing the token."""


def key_id(secret: str) -> str:
    """A short public name for ``secret`` (it does not reveal it: a hash of a long
    random string)."""
    return hashlib.sha256(b"aftersales-internal-key:" + secret.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Keyring:
    """The secret this process signs with, and every secret it accepts (the current one
    first; during a rotation the previous one too)."""

    signing_secret: str
    accepted: tuple[str, ...]

    @classmethod
    def of(cls, secret: str, previous: Iterable[str] = ()) -> Keyring:
        older = tuple(p for p in previous if p != secret)
        if any(len(candidate) < MIN_SECRET_LENGTH for candidate in (secret, *older)):
            raise ValueError(f"an internal secret needs {MIN_SECRET_LENGTH} characters or more")
        return cls(secret, (secret, *older))

    def secret_for(self, kid: str) -> str | None:
        for secret in self.accepted:
            if hmac.compare_digest(key_id(secret), kid):
                return secret
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, signed_part: str) -> bytes:
    return hmac.new(secret.encode(), signed_part.encode("ascii"), hashlib.sha256).digest()


def sign(
    caller: Caller, keyring: Keyring, *, now: float, ttl_seconds: int = DEFAULT_TTL_SECONDS
) -> str:
    """The token vouching for ``caller`` until ``now + ttl_seconds``."""
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}")
    payload = {
        "sub": caller.username,
        "roles": sorted(caller.roles),
        "org_units": None if caller.org_units is None else sorted(caller.org_units),
        "iat": int(now),
        "exp": int(now) + ttl_seconds,
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode())
    signed_part = f"{VERSION}.{key_id(keyring.signing_secret)}.{body}"
    return f"{signed_part}.{_b64(_mac(keyring.signing_secret, signed_part))}"


def verify(token: str, keyring: Keyring, *, now: float) -> Caller:
    """The caller ``token`` vouches for; ``InvalidIdentity`` when it is malformed, signed
    with a key this process does not accept, tampered with, expired or too long-lived."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidIdentity("the identity token is too long")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION:
        raise InvalidIdentity("the identity token is malformed")
    _, kid, body, signature = parts
    secret = keyring.secret_for(kid)
    if secret is None:
        raise InvalidIdentity("the identity token is signed with a key this service does not hold")
    try:
        given = _unb64(signature)
    except (binascii.Error, ValueError) as error:
        raise InvalidIdentity("the identity token is malformed") from error
    # Constant time: the comparison must not tell a forger how much of a MAC was right.
    if not hmac.compare_digest(given, _mac(secret, f"{VERSION}.{kid}.{body}")):
        raise InvalidIdentity("the identity token's signature does not match")
    # Only a signed payload is parsed: nothing an outsider wrote reaches json.loads.
    try:
        payload = json.loads(_unb64(body))
    except (binascii.Error, ValueError) as error:
        raise InvalidIdentity("the identity token is malformed") from error
    return _caller(payload, now)


def _caller(payload: Any, now: float) -> Caller:
    if not isinstance(payload, dict):
        raise InvalidIdentity("the identity token is malformed")
    exp, iat = payload.get("exp"), payload.get("iat")
    if not isinstance(exp, int) or not isinstance(iat, int):
        raise InvalidIdentity("the identity token is malformed")
    if exp + LEEWAY_SECONDS < now:
        raise InvalidIdentity("the identity token has expired")
    if exp - iat > MAX_TTL_SECONDS or iat > now + LEEWAY_SECONDS:
        raise InvalidIdentity("the identity token claims a lifetime no gateway gives")
    username, roles, org_units = payload.get("sub"), payload.get("roles"), payload.get("org_units")
    if username is not None and not isinstance(username, str):
        raise InvalidIdentity("the identity token is malformed")
    if not _strings(roles) or (org_units is not None and not _strings(org_units)):
        raise InvalidIdentity("the identity token is malformed")
    return Caller(
        username=username or None,
        roles=frozenset(roles),
        org_units=None if org_units is None else frozenset(org_units),
    )


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
