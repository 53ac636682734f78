"""Internal trust with every service a process: the stack runs with one internal secret
(aftersales_testing.stack.environment), so a service answers only what the gateway
signed. Called on its own port without the token, or with identity headers of one's own
making, a service answers 401; through the gateway the same request works."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from aftersales_kit.identity import (
    IDENTITY_HEADER,
    ORG_UNITS_HEADER,
    ROLES_HEADER,
    USER_HEADER,
    Caller,
)
from aftersales_kit.signed_identity import Keyring, sign
from aftersales_testing.journey import expect
from aftersales_testing.stack import Stack

# The ``sign_in`` fixture (conftest.py): a client signed in as a new user of these roles.
SignIn = Callable[..., Awaitable[httpx.AsyncClient]]

pytestmark = pytest.mark.e2e

# A list each service answers, by the service that owns it (the gateway's /api path less
# "/api").
LISTS = {
    "catalog": "/products",
    "servicetypes": "/service-types",
    "scheduling": "/callouts",
    "notifications": "/sending-settings",
}
ADMIN_HEADERS = {USER_HEADER: "mallory", ROLES_HEADER: "admin"}


def _unauthorized(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    return problem


async def test_a_service_called_directly_answers_401_without_the_gateways_identity(
    stack: Stack,
) -> None:
    for service, path in LISTS.items():
        async with httpx.AsyncClient(base_url=stack.config.url(service), timeout=30) as direct:
            bare = await direct.get(path)
            # The probe: roles claimed in the plain headers.
            forged = await direct.get(path, headers=ADMIN_HEADERS | {ORG_UNITS_HEADER: ""})
            health = await direct.get("/readyz")
        for response in (bare, forged):
            assert _unauthorized(response)["field"] == f"header.{IDENTITY_HEADER}", service
        assert health.status_code == 200, service


async def test_a_token_not_signed_with_the_systems_secret_is_401(stack: Stack) -> None:
    forged = sign(
        Caller("mallory", frozenset({"admin"}), None),
        Keyring.of("a-secret-of-my-own-making-0123456789abcdef"),
        now=time.time(),
    )
    async with httpx.AsyncClient(base_url=stack.config.url("notifications"), timeout=30) as direct:
        response = await direct.get("/sending-settings", headers={IDENTITY_HEADER: forged})
        garbage = await direct.get("/sending-settings", headers={IDENTITY_HEADER: "v1.x.y.z"})
    assert "key" in _unauthorized(response)["detail"]
    _unauthorized(garbage)


async def test_through_the_gateway_the_same_requests_work(sign_in: SignIn) -> None:
    admin = await sign_in("admin")
    viewer = await sign_in("viewer")
    for path in LISTS.values():
        expect(await admin.get(f"/api{path}"), 200)
    # The role the gateway signs is the user's: headers a client adds change nothing.
    denied = await viewer.get("/api/sending-settings", headers=ADMIN_HEADERS)
    assert denied.status_code == 403, denied.text
    me = expect(await viewer.get("/api/callouts", headers=ADMIN_HEADERS), 200)
    assert "items" in me
