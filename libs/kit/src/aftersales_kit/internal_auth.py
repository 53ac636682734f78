"""Internal trust: a service answers only requests the gateway signed (or, where the
service allows it, that carry a registered outside system's API key).

``create_app`` installs ``InternalAuth`` in every service. With ``internal_secret`` set,
a request needs a valid ``X-Aftersales-Identity`` token (``signed_identity``) or, in a
service built with ``api_clients=True``, ``Authorization: Bearer <key>`` of a client in
``internal_clients``; anything else is 401 naming the header. The caller then comes from
the token alone: the plain identity headers a request carried are replaced by the ones
the token names, so a route reading them (``CallerDep`` or the header itself) sees only
what was vouched for. Health, readiness, metrics and the API description stay open.

Without the secret nothing is checked, which only the ``development`` environment allows
(one WARNING at start); anywhere else the process refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from aftersales_kit.identity import IDENTITY_HEADERS, ORG_UNITS_HEADER, ROLES_HEADER, USER_HEADER
from aftersales_kit.identity import format_list as _format
from aftersales_kit.problems import PROBLEM_JSON
from aftersales_kit.settings import DEVELOPMENT, InternalClient, ServiceSettings
from aftersales_kit.signed_identity import IDENTITY_HEADER, Caller, InvalidIdentity, Keyring, verify

log = logging.getLogger(__name__)

# Open to anyone who reaches the port: probes and scrapers carry no identity, and the
# API description holds no data (the gateway publishes the public one anyway).
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"})
CLIENT_PREFIX = "client:"


class InternalSecretMissing(SystemExit):
    """Raised at start outside development without a secret: the process ends with this
    message (no traceback: it is configuration, not a bug)."""


def keyring(settings: ServiceSettings) -> Keyring | None:
    """The process's keyring, or None when verification is off (development without a
    secret). Outside development a missing secret stops the process here."""
    if settings.internal_secret is None:
        if settings.environment != DEVELOPMENT:
            raise InternalSecretMissing(
                f"{settings.env_name('internal_secret')} must be set when environment is"
                f" {settings.environment!r}: the services believe only identities signed with"
                " it (make one: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return None
    previous = settings.internal_secret_previous
    return Keyring.of(
        settings.internal_secret.get_secret_value(),
        () if previous is None else (previous.get_secret_value(),),
    )


def keyring_of(request: Request) -> Keyring | None:
    """The keyring ``create_app`` set up for this process (None: verification is off)."""
    ring: Keyring | None = getattr(request.app.state, "internal_keyring", None)
    return ring


@dataclass(frozen=True)
class _Refusal:
    field: str
    detail: str


def client_caller(key: str, clients: Mapping[str, InternalClient]) -> Caller | None:
    """The registered client whose key this is, as a caller (``client:<name>``)."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    found: Caller | None = None
    for name, client in clients.items():
        # Every registration is compared, in constant time: the answer's timing says
        # nothing about which client or how much of a hash matched.
        if hmac.compare_digest(digest, client.key_sha256):
            found = Caller(
                username=f"{CLIENT_PREFIX}{name}",
                roles=frozenset(client.roles),
                org_units=None if client.org_units is None else frozenset(client.org_units),
            )
    return found


class InternalAuth:
    """ASGI middleware: 401 unless the request carries a valid signed identity (or a
    registered client's key where ``clients`` is given); then the identity headers are
    the token's and ``request.state.caller`` holds the caller."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        keyring: Keyring,
        clients: Mapping[str, InternalClient] | None = None,
    ) -> None:
        self.app = app
        self.keyring = keyring
        self.clients = clients

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        outcome = self._caller(headers)
        if isinstance(outcome, _Refusal):
            await self._refuse(scope, send, outcome)
            return
        await self.app(_with_caller(scope, outcome), receive, send)

    def _caller(self, headers: Headers) -> Caller | _Refusal:
        token = headers.get(IDENTITY_HEADER)
        if token is not None:
            try:
                # Wall time, not the app's clock: a test's fixed "now" says nothing about
                # when the gateway signed.
                return verify(token, self.keyring, now=time.time())
            except InvalidIdentity as error:
                return _Refusal(f"header.{IDENTITY_HEADER}", str(error))
        authorization = headers.get("authorization")
        if self.clients is not None and authorization is not None:
            scheme, _, key = authorization.partition(" ")
            caller = (
                client_caller(key.strip(), self.clients) if scheme.lower() == "bearer" else None
            )
            if caller is None:
                return _Refusal("header.Authorization", "the API key is not a registered client's")
            return caller
        if self.clients is not None:
            return _Refusal(
                f"header.{IDENTITY_HEADER}",
                "call through the gateway, or with a registered client's API key"
                " (Authorization: Bearer <key>)",
            )
        return _Refusal(f"header.{IDENTITY_HEADER}", "call this service through the gateway")

    async def _refuse(self, scope: Scope, send: Send, refusal: _Refusal) -> None:
        problem = {
            "type": "about:blank",
            "title": "Unauthorized",
            "status": 401,
            "detail": refusal.detail,
            "instance": scope["path"],
            "field": refusal.field,
        }
        body = json.dumps(problem).encode()
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if self.clients is not None:
            # RFC 9110 §11.6.1: a 401 names the scheme that would be accepted.
            headers.append((b"www-authenticate", b'Bearer realm="aftersales"'))
        await send({"type": "http.response.start", "status": 401, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _with_caller(scope: Scope, caller: Caller) -> Scope:
    """``scope`` with the caller in its state and the identity headers replaced by the
    caller's: what a client sent itself is gone."""
    dropped = {name.lower().encode("latin-1") for name in IDENTITY_HEADERS}
    raw = [(name, value) for name, value in scope["headers"] if name.lower() not in dropped]
    if caller.username is not None:
        raw.append((USER_HEADER.lower().encode(), caller.username.encode("utf-8")))
    raw.append((ROLES_HEADER.lower().encode(), _format(caller.roles).encode("utf-8")))
    if caller.org_units is not None:
        raw.append((ORG_UNITS_HEADER.lower().encode(), _format(caller.org_units).encode("utf-8")))
    state = dict(scope.get("state") or {})
    state["caller"] = caller
    return {**scope, "headers": raw, "state": state}
