"""Signing in and out, and the bearer token check, against the real database."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from aftersales_kit.clock import FixedClock
from gateway.settings import Settings

from ..conftest import TokenFactory, UserFactory

PROBLEM = "application/problem+json"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


async def test_login_with_the_oauth2_form_then_me(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    username, password = await make_user("viewer")
    response = await client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.token_ttl_minutes * 60
    assert response.headers["cache-control"] == "no-store"
    me = await client.get("/auth/me", headers=_bearer(body["access_token"]))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == username
    assert me.json()["roles"] == ["viewer"]


async def test_login_with_json_and_any_username_case(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("admin")
    response = await client.post(
        "/auth/token", json={"username": username.upper(), "password": password}
    )
    assert response.status_code == 200, response.text
    assert (await client.get("/auth/me", headers=_bearer(response.json()["access_token"]))).json()[
        "username"
    ] == username


async def test_the_token_is_stored_only_as_its_hash(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    from sqlalchemy import select

    from gateway import domain, tables

    token = await token_for("viewer")
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.sessionmaker() as session:
        hashes = set((await session.scalars(select(tables.access_token.c.token_hash))).all())
    assert domain.token_digest(token) in hashes
    assert token not in hashes


@pytest.mark.parametrize("which", ["password", "username"])
async def test_wrong_credentials_are_401_with_a_bearer_challenge(
    client: httpx.AsyncClient, make_user: UserFactory, which: str
) -> None:
    username, password = await make_user("admin")
    form = {"username": username, "password": password, which: "wrong"}
    response = await client.post("/auth/token", data=form)
    _assert_unauthorized(response)
    assert response.json()["detail"] == "wrong username or password"


async def test_an_inactive_user_cannot_log_in(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("admin", active=False)
    response = await client.post("/auth/token", data={"username": username, "password": password})
    _assert_unauthorized(response)


async def test_bad_login_requests_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/token", json={"username": "someone"})
    assert response.status_code == 422
    assert response.json()["field"] == "password"
    response = await client.post(
        "/auth/token", data={"grant_type": "client_credentials", "username": "a", "password": "b"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "grant_type"
    response = await client.post(
        "/auth/token", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    response = await client.post(
        "/auth/token", content=b"x", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "Content-Type"


@pytest.mark.parametrize("path", ["/api/products", "/auth/me", "/api/no-such-thing"])
async def test_no_token_is_401(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    _assert_unauthorized(response)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-real-token", "Bearer ", "Basic ZGV2OmRldg==", "token"]
)
async def test_a_bad_token_is_401(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.get("/api/products", headers={"Authorization": authorization})
    _assert_unauthorized(response)


async def test_an_expired_token_is_401(
    client: httpx.AsyncClient, token_for: TokenFactory, clock: FixedClock, settings: Settings
) -> None:
    token = await token_for("viewer")
    clock.advance(timedelta(minutes=settings.token_ttl_minutes) - timedelta(seconds=1))
    assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = await client.get("/api/products", headers=_bearer(token))
    _assert_unauthorized(response)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_logout_revokes_the_token_and_only_that_one(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    form = {"username": username, "password": password}
    first = (await client.post("/auth/token", data=form)).json()["access_token"]
    second = (await client.post("/auth/token", data=form)).json()["access_token"]
    response = await client.post("/auth/logout", headers=_bearer(first))
    assert response.status_code == 204
    _assert_unauthorized(await client.get("/api/products", headers=_bearer(first)))
    _assert_unauthorized(await client.post("/auth/logout", headers=_bearer(first)))
    assert (await client.get("/auth/me", headers=_bearer(second))).status_code == 200


async def test_a_deactivated_users_tokens_stop_working(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    from gateway import handlers

    username, password = await make_user("viewer")
    form = {"username": username, "password": password}
    token = (await client.post("/auth/token", data=form)).json()["access_token"]
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.uow() as uow:
        await handlers.upsert_user(
            uow, username=username, password=password, roles=["viewer"], active=False
        )
    _assert_unauthorized(await client.get("/auth/me", headers=_bearer(token)))


async def test_health_and_readiness_need_no_token_and_no_broker(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert "broker" not in ready.json()["checks"]
