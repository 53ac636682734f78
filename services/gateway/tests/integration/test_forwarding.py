"""Permissions per action and forwarding to a real upstream HTTP server."""

from __future__ import annotations

import httpx
import pytest

from gateway.settings import Settings

from ..conftest import ClientFactory, TokenFactory

PROBLEM = "application/problem+json"


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


async def test_forwarding_preserves_method_path_query_body_and_headers(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    token = await token_for("admin")
    response = await client.patch(
        "/api/products/p-1/parts?sort=name&q=two%20words&q=x",
        content=b'{"name": "Pump"}',
        headers=_bearer(
            token,
            **{
                "Content-Type": "application/json",
                "If-Match": '"v6"',
                "X-Request-ID": "req-123",
                "X-Aftersales-User": "someone-else",
                "Cookie": "session=secret",
            },
        ),
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"v7"'
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "req-123"
    seen = response.json()
    assert seen["method"] == "PATCH"
    assert seen["path"] == "/catalog/products/p-1/parts"
    assert seen["query"] == "sort=name&q=two%20words&q=x"
    assert seen["body"] == '{"name": "Pump"}'
    headers = seen["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["if-match"] == '"v6"'
    assert headers["x-request-id"] == "req-123"
    me = (await client.get("/auth/me", headers=_bearer(token))).json()
    assert headers["x-aftersales-user"] == me["username"]
    # The caller's credentials and unlisted headers stay at the gateway.
    assert "authorization" not in headers
    assert "cookie" not in headers
    # W3C trace context goes upstream (httpx instrumentation).
    assert headers["traceparent"].startswith("00-")


async def test_the_gateway_request_id_goes_upstream_when_the_caller_sent_none(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    response = await client.get("/api/customers", headers=_bearer(await token_for("viewer")))
    assert response.status_code == 200
    assert response.json()["headers"]["x-request-id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("path", "upstream_path"),
    [
        ("/api/products", "/catalog/products"),
        ("/api/customers/c-1", "/catalog/customers/c-1"),
        ("/api/serial-items", "/catalog/serial-items"),
        ("/api/service-types/t-1/steps", "/servicetypes/service-types/t-1/steps"),
        ("/api/callouts", "/scheduling/callouts"),
        ("/api/messages/m-1", "/notifications/messages/m-1"),
    ],
)
async def test_each_resource_goes_to_its_service(
    client: httpx.AsyncClient, token_for: TokenFactory, path: str, upstream_path: str
) -> None:
    response = await client.get(path, headers=_bearer(await token_for("viewer")))
    assert response.status_code == 200, response.text
    assert response.json()["path"] == upstream_path


async def test_upstream_errors_and_created_pass_through(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    token = await token_for("admin")
    response = await client.post("/api/customers/status/409", json={}, headers=_bearer(token))
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {"title": "upstream says no"}
    response = await client.post("/api/customers/created", json={}, headers=_bearer(token))
    assert response.status_code == 201
    # The upstream's own Location is rewritten into the public URL space.
    assert response.headers["location"] == "/api/products/123"


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        ("viewer", "GET", "/api/products", True),
        ("viewer", "HEAD", "/api/callouts", True),
        ("viewer", "POST", "/api/products", False),
        ("viewer", "DELETE", "/api/customers/1", False),
        ("viewer", "PUT", "/api/service-types/1", False),
        ("operator", "POST", "/api/callouts/1/approve", True),
        ("operator", "POST", "/api/customers", True),
        ("operator", "POST", "/api/products", False),
        ("operator", "PATCH", "/api/service-types/1", False),
        ("admin", "DELETE", "/api/service-types/1", True),
    ],
)
async def test_the_permission_table_is_enforced(
    client: httpx.AsyncClient,
    token_for: TokenFactory,
    role: str,
    method: str,
    path: str,
    allowed: bool,
) -> None:
    response = await client.request(method, path, headers=_bearer(await token_for(role)))
    if allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == PROBLEM
        assert "may not write" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/internal",
        "/api/productsx",
        "/api/",
        "/api/products/%2E%2E/%2E%2E/admin",
        "/api/products%2F..%2F..%2Fadmin",
    ],
)
async def test_paths_outside_the_route_table_are_404_and_never_forwarded(
    client: httpx.AsyncClient, token_for: TokenFactory, path: str
) -> None:
    response = await client.get(path, headers=_bearer(await token_for("admin")))
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == PROBLEM
    # Refused by the gateway's route table (which runs after authentication).
    assert response.json()["detail"].startswith("there is no API at /api/")


async def test_an_unknown_method_is_405(client: httpx.AsyncClient, token_for: TokenFactory) -> None:
    response = await client.request(
        "OPTIONS", "/api/products", headers=_bearer(await token_for("admin"))
    )
    assert response.status_code == 405


async def test_upstream_down_is_503_naming_the_service(
    client_for: ClientFactory, settings: Settings, dead_url: str
) -> None:
    down = settings.model_copy(update={"scheduling_url": dead_url})
    async with client_for(down) as client:
        token = await _admin_token(client)
        response = await client.get("/api/callouts", headers=_bearer(token))
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["service"] == "scheduling"
        assert "scheduling" in response.json()["detail"]
        # The other services are unaffected.
        assert (await client.get("/api/products", headers=_bearer(token))).status_code == 200


async def test_upstream_timeout_is_504(client_for: ClientFactory, settings: Settings) -> None:
    impatient = settings.model_copy(update={"upstream_timeout_seconds": 0.2})
    async with client_for(impatient) as client:
        token = await _admin_token(client)
        response = await client.get("/api/messages/slow", headers=_bearer(token))
        assert response.status_code == 504, response.text
        assert response.json()["service"] == "notifications"


async def _admin_token(client: httpx.AsyncClient) -> str:
    import secrets

    from gateway import handlers

    username, password = f"adm-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.uow() as uow:
        await handlers.upsert_user(uow, username=username, password=password, roles=["admin"])
    response = await client.post("/auth/token", data={"username": username, "password": password})
    return str(response.json()["access_token"])
