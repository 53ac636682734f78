"""Internal trust in every app ``create_app`` builds: with an internal secret a service
answers only the gateway's signed identity (or a registered client's key where allowed),
and the caller is what the token says, whatever identity headers came along."""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Header

from aftersales_kit.http import create_app
from aftersales_kit.identity import (
    IDENTITY_HEADER,
    ORG_UNITS_HEADER,
    ROLES_HEADER,
    USER_HEADER,
    Caller,
    CallerDep,
)
from aftersales_kit.internal_auth import InternalSecretMissing, client_caller
from aftersales_kit.problems import PROBLEM_JSON
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import InternalClient, ServiceSettings
from aftersales_kit.signed_identity import Keyring, sign

SECRET = "internal-secret-for-tests-0123456789abcdef"
PREVIOUS = "previous-secret-for-tests-0123456789abcdef"
ERP_KEY = "erp-key-0123456789"
ERP = {"erp": {"key_sha256": hashlib.sha256(ERP_KEY.encode()).hexdigest()}}
RESTRICTED = Caller("ada", frozenset({"operator"}), frozenset({"OU-N"}))

router = APIRouter()


@router.get("/who")
async def who(
    caller: CallerDep, named: Annotated[str | None, Header(alias=USER_HEADER)] = None
) -> dict[str, Any]:
    return {
        "username": caller.username,
        "roles": sorted(caller.roles),
        "org_units": None if caller.org_units is None else sorted(caller.org_units),
        # A route that reads the header itself sees the token's user too.
        "header": named,
    }


@router.post("/echo")
async def echo(body: dict[str, int]) -> dict[str, int]:
    return body


Client = Callable[..., Any]


@asynccontextmanager
async def _client(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    api_clients = settings.pop("api_clients", False)
    app = create_app(
        ServiceRuntime(ServiceSettings(**settings), messaging=False),
        title="trust-test",
        routers=[router],
        api_clients=api_clients,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://svc"
    ) as client:
        yield client


def _token(caller: Caller = RESTRICTED, secret: str = SECRET, **kw: Any) -> dict[str, str]:
    now = kw.pop("now", time.time())
    return {IDENTITY_HEADER: sign(caller, Keyring.of(secret), now=now, **kw)}


def _is_401_naming(response: httpx.Response, field: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == field
    assert response.headers["x-request-id"]


async def test_without_the_token_a_service_answers_401_naming_the_header() -> None:
    async with _client(internal_secret=SECRET) as client:
        plain = await client.get("/who")
        forged = await client.get("/who", headers={USER_HEADER: "root", ROLES_HEADER: "admin"})
        body = await client.post("/echo", json={"a": 1})
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
    _is_401_naming(plain, f"header.{IDENTITY_HEADER}")
    _is_401_naming(forged, f"header.{IDENTITY_HEADER}")
    _is_401_naming(body, f"header.{IDENTITY_HEADER}")
    assert "www-authenticate" not in plain.headers  # no key would be accepted here
    assert (health.status_code, metrics.status_code) == (200, 200)


async def test_the_caller_is_the_tokens_whatever_headers_came_along() -> None:
    async with _client(internal_secret=SECRET) as client:
        vouched = await client.get(
            "/who",
            headers=_token()
            | {USER_HEADER: "root", ROLES_HEADER: "admin", ORG_UNITS_HEADER: "OU-N,OU-S"},
        )
        unrestricted = await client.get(
            "/who", headers=_token(Caller("boss", frozenset({"admin"}), None))
        )
        body = await client.post("/echo", json={"a": 1}, headers=_token())
    assert vouched.json() == {
        "username": "ada",
        "roles": ["operator"],
        "org_units": ["OU-N"],
        "header": "ada",
    }
    # No org-units header smuggled in next to an unrestricted token either.
    assert unrestricted.json()["org_units"] is None
    assert body.json() == {"a": 1}


async def test_expired_tampered_and_foreign_tokens_are_401() -> None:
    async with _client(internal_secret=SECRET) as client:
        expired = await client.get("/who", headers=_token(now=time.time() - 3600))
        foreign = await client.get("/who", headers=_token(secret=PREVIOUS))
        token = _token()[IDENTITY_HEADER]
        tampered = await client.get("/who", headers={IDENTITY_HEADER: token[:-2] + "xx"})
    for response, word in ((expired, "expired"), (foreign, "key"), (tampered, "signature")):
        _is_401_naming(response, f"header.{IDENTITY_HEADER}")
        assert word in response.json()["detail"]


async def test_during_a_rotation_both_secrets_are_accepted() -> None:
    async with _client(internal_secret=SECRET, internal_secret_previous=PREVIOUS) as client:
        old = await client.get("/who", headers=_token(secret=PREVIOUS))
        new = await client.get("/who", headers=_token())
    assert (old.status_code, new.status_code) == (200, 200)


async def test_a_registered_client_calls_with_its_key_where_the_service_allows_it() -> None:
    async with _client(internal_secret=SECRET, internal_clients=ERP, api_clients=True) as client:
        erp = await client.get(
            "/who", headers={"Authorization": f"Bearer {ERP_KEY}", ROLES_HEADER: "admin"}
        )
        wrong = await client.get("/who", headers={"Authorization": "Bearer not-the-key"})
        basic = await client.get("/who", headers={"Authorization": f"Basic {ERP_KEY}"})
        nothing = await client.get("/who")
        gateway = await client.get("/who", headers=_token())
    assert erp.json() == {
        "username": "client:erp",
        "roles": ["operator"],
        "org_units": None,
        "header": "client:erp",
    }
    _is_401_naming(wrong, "header.Authorization")
    _is_401_naming(basic, "header.Authorization")
    _is_401_naming(nothing, f"header.{IDENTITY_HEADER}")
    assert nothing.headers["www-authenticate"].startswith("Bearer")
    assert gateway.json()["username"] == "ada"


async def test_a_client_key_is_no_credential_where_the_service_does_not_allow_clients() -> None:
    async with _client(internal_secret=SECRET, internal_clients=ERP) as client:
        response = await client.get("/who", headers={"Authorization": f"Bearer {ERP_KEY}"})
    _is_401_naming(response, f"header.{IDENTITY_HEADER}")


def test_client_registrations_carry_roles_and_org_units() -> None:
    digest = hashlib.sha256(b"k").hexdigest()
    settings = ServiceSettings(
        internal_clients={
            "shop": digest,
            "crm": {"key_sha256": hashlib.sha256(b"c").hexdigest(), "roles": ["viewer"]},
            "branch": {"key_sha256": hashlib.sha256(b"b").hexdigest(), "org_units": ["OU-N"]},
        }
    )
    clients = settings.internal_clients
    assert clients["shop"] == InternalClient(key_sha256=digest, roles=["operator"])
    assert client_caller("c", clients) == Caller("client:crm", frozenset({"viewer"}), None)
    assert client_caller("b", clients) == Caller(
        "client:branch", frozenset({"operator"}), frozenset({"OU-N"})
    )
    assert client_caller("nope", clients) is None


def test_registrations_and_secrets_are_checked_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="key_sha256"):
        ServiceSettings(internal_clients={"erp": "not-a-hash"})
    with pytest.raises(ValueError, match="client name"):
        ServiceSettings(internal_clients={"Bad Name": hashlib.sha256(b"k").hexdigest()})
    with pytest.raises(ValueError, match="INTERNAL_SECRET must have at least 32"):
        ServiceSettings(internal_secret="short")
    # From the environment, as JSON.
    monkeypatch.setenv("INTERNAL_CLIENTS", '{"erp": "' + hashlib.sha256(b"k").hexdigest() + '"}')
    assert client_caller("k", ServiceSettings().internal_clients) is not None


def test_outside_development_a_service_refuses_to_start_without_the_secret() -> None:
    class Settings(ServiceSettings):
        model_config = {"env_prefix": "CATALOG_"}

    runtime = ServiceRuntime(Settings(environment="production"), messaging=False)
    with pytest.raises(InternalSecretMissing) as refused:
        create_app(runtime, title="t", routers=[router])
    assert "CATALOG_INTERNAL_SECRET must be set" in str(refused.value.code)
    # The gateway (verify_identity=False) needs it too: it signs with it.
    with pytest.raises(InternalSecretMissing):
        create_app(runtime, title="t", routers=[router], verify_identity=False)


async def test_in_development_without_a_secret_headers_are_believed_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("WARNING", logger="aftersales_kit.http"):
        async with _client() as client:
            response = await client.get("/who", headers={USER_HEADER: "dev", ROLES_HEADER: "admin"})
    assert response.json()["username"] == "dev"
    assert [r.getMessage() for r in caplog.records if "INTERNAL_SECRET" in r.getMessage()] == [
        "INTERNAL_SECRET is not set: identity headers are believed as they come (development only)"
    ]


async def test_the_signer_is_not_checked_itself() -> None:
    app = create_app(
        ServiceRuntime(ServiceSettings(internal_secret=SECRET), messaging=False),
        title="edge",
        routers=[router],
        verify_identity=False,
    )
    assert app.state.internal_keyring is not None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://edge"
    ) as client:
        assert (await client.get("/who")).status_code == 200
