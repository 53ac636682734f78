"""The console's sign-in (an HttpOnly session cookie) and its files served at ``/``."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.api import CONSOLE_HEADER, CONSOLE_HEADER_VALUE, SESSION_COOKIE
from gateway.settings import Settings

from ..conftest import ClientFactory, UserFactory

CONSOLE = {CONSOLE_HEADER: CONSOLE_HEADER_VALUE}


async def _open_session(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/auth/session", data={"username": username, "password": password}, headers=CONSOLE
    )


async def test_a_session_sets_an_http_only_strict_cookie_and_answers_the_user(
    client: httpx.AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    username, password = await make_user("operator", org_units=("N-1",))
    response = await _open_session(client, username, password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["username"] == username
    assert body["user"]["roles"] == ["operator"]
    assert body["expires_in"] == settings.token_ttl_minutes * 60
    assert "access_token" not in body  # the token is for the cookie only
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age="):
        assert attribute.lower() in cookie.lower(), cookie
    assert "secure" not in cookie.lower()  # development: make run serves plain HTTP
    assert response.headers["cache-control"] == "no-store"
    me = await client.get("/auth/me")  # the client keeps the cookie
    assert me.status_code == 200, me.text
    assert me.json()["username"] == username


async def test_the_cookie_is_secure_outside_development(
    client_for: ClientFactory, settings: Settings, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    production = settings.model_copy(update={"session_cookie_secure": True})
    async with client_for(production) as client:
        response = await _open_session(client, username, password)
    assert response.status_code == 200, response.text
    assert "secure" in response.headers["set-cookie"].lower()


async def test_a_wrong_password_sets_no_cookie(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, _ = await make_user("viewer")
    response = await _open_session(client, username, "not-the-password")
    assert response.status_code == 401, response.text
    assert "set-cookie" not in response.headers
    assert (await client.get("/auth/me")).status_code == 401


async def test_a_change_with_the_cookie_needs_the_console_header(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("admin")
    assert (await _open_session(client, username, password)).status_code == 200
    # A cross-site form could send the cookie's request but not this header.
    refused = await client.patch("/auth/me", json={"email": "a@example.com"})
    assert refused.status_code == 403, refused.text
    assert CONSOLE_HEADER in refused.json()["detail"]
    allowed = await client.patch("/auth/me", json={"email": "a@example.com"}, headers=CONSOLE)
    assert allowed.status_code == 200, allowed.text
    # Reading needs no header: a download link works with the cookie alone.
    assert (await client.get("/auth/me")).status_code == 200


async def test_signing_out_revokes_the_session_and_clears_the_cookie(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    opened = await _open_session(client, username, password)
    token = opened.cookies[SESSION_COOKIE]
    out = await client.post("/auth/logout", headers=CONSOLE)
    assert out.status_code == 204, out.text
    assert (
        f'{SESSION_COOKIE}=""' in out.headers["set-cookie"]
        or "Max-Age=0" in out.headers["set-cookie"]
    )
    # The old cookie value is worthless now, even if a browser kept it.
    client.cookies.set(SESSION_COOKIE, token)
    assert (await client.get("/auth/me")).status_code == 401


async def test_a_session_forwards_to_the_services_like_a_bearer_token(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    assert (await _open_session(client, username, password)).status_code == 200
    response = await client.get("/api/customers")
    assert response.status_code == 200, response.text


@pytest.fixture
def built_console(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Aftersales</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    return tmp_path


async def test_the_console_is_served_at_the_root_with_its_client_routes(
    client_for: ClientFactory, settings: Settings, built_console: Path
) -> None:
    async with client_for(settings.model_copy(update={"console_dir": built_console})) as client:
        for path in ("/", "/callouts", "/fieldwork/board"):
            page = await client.get(path)
            assert page.status_code == 200, (path, page.text)
            assert "<title>Aftersales</title>" in page.text
            assert page.headers["cache-control"] == "no-cache"
            assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
            assert page.headers["x-content-type-options"] == "nosniff"
        asset = await client.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        # A missing asset, a path outside the build or an API typo is not the console.
        assert (await client.get("/assets/index-old.js")).status_code == 404
        assert (await client.get("/..%2F..%2Fpyproject.toml")).status_code == 404
        assert (await client.get("/auth/nothing")).status_code == 404
        # The gateway's own routes are not shadowed.
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/api/openapi.json")).status_code == 200


async def test_without_a_build_the_root_says_how_to_build_it(
    client_for: ClientFactory, settings: Settings, tmp_path: Path
) -> None:
    async with client_for(settings.model_copy(update={"console_dir": tmp_path})) as client:
        response = await client.get("/")
    assert response.status_code == 404
    assert "make console" in response.json()["detail"]
