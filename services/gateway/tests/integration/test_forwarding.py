"""Permissions per action and forwarding to a real upstream HTTP server."""

from __future__ import annotations

import hashlib
import secrets
import threading
import tracemalloc
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from aftersales_kit.problems import RETRY_AFTER_SECONDS
from aftersales_testing.waiting import eventually
from gateway import handlers
from gateway.main import build_app
from gateway.settings import Settings

from ..conftest import (
    EXPORT_RECEIVED,
    UPLOAD_STARTED,
    ClientFactory,
    TokenFactory,
    export_chunks,
    serve_in_thread,
)

PROBLEM = "application/problem+json"


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


async def _username(client: httpx.AsyncClient, token: str) -> str:
    me = await client.get("/auth/me", headers=_bearer(token))
    assert me.status_code == 200, me.text
    return str(me.json()["username"])


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
    # A list's next page comes back; the upstream's other headers do not.
    assert response.headers["link"] == '</api/callouts?cursor=abc>; rel="next"'
    assert "x-internal-secret" not in response.headers
    assert response.headers["x-request-id"] == "req-123"
    seen = response.json()
    assert seen["method"] == "PATCH"
    assert seen["path"] == "/catalog/products/p-1/parts"
    assert seen["query"] == "sort=name&q=two%20words&q=x"
    assert seen["body"] == '{"name": "Pump"}'
    headers = seen["headers"]
    assert headers["content-type"] == "application/json"
    # The caller's Content-Length goes along with its (streamed) body.
    assert headers["content-length"] == "16"
    assert "transfer-encoding" not in headers
    assert headers["if-match"] == '"v6"'
    assert headers["x-request-id"] == "req-123"
    assert headers["x-aftersales-user"] == await _username(client, token)
    # The caller's credentials and unlisted headers stay at the gateway.
    assert "authorization" not in headers
    assert "cookie" not in headers
    # W3C trace context goes upstream (httpx instrumentation).
    assert headers["traceparent"].startswith("00-")


async def test_the_users_roles_and_org_units_go_upstream_never_the_callers_own(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    spoofed = {
        "X-Aftersales-User": "someone-else",
        "X-Aftersales-Roles": "admin",
        "X-Aftersales-Org-Units": "OU-ELSEWHERE",
    }
    restricted = await token_for("viewer", "operator", org_units=("OU-S", "OU-N"))
    response = await client.get("/api/serial-items", headers=_bearer(restricted, **spoofed))
    assert response.status_code == 200, response.text
    headers = response.json()["headers"]
    assert headers["x-aftersales-roles"] == "operator,viewer"
    assert headers["x-aftersales-org-units"] == "OU-N,OU-S"
    assert headers["x-aftersales-user"] == await _username(client, restricted)

    # An unrestricted user: no org-units header at all (absent means every org unit),
    # and a client's own copy does not restrict (or widen) anything either.
    unrestricted = await token_for("admin")
    response = await client.get("/api/serial-items", headers=_bearer(unrestricted, **spoofed))
    headers = response.json()["headers"]
    assert headers["x-aftersales-roles"] == "admin"
    assert "x-aftersales-org-units" not in headers
    assert headers["x-aftersales-user"] == await _username(client, unrestricted)


async def test_the_gateway_request_id_goes_upstream_when_the_caller_sent_none(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    response = await client.get("/api/customers", headers=_bearer(await token_for("viewer")))
    assert response.status_code == 200
    headers = response.json()["headers"]
    assert headers["x-request-id"] == response.headers["x-request-id"]
    # A request without a body is sent without one.
    assert "content-length" not in headers
    assert "transfer-encoding" not in headers


@pytest.mark.parametrize(
    ("path", "upstream_path"),
    [
        ("/api/products", "/catalog/products"),
        ("/api/customers/c-1", "/catalog/customers/c-1"),
        ("/api/serial-items", "/catalog/serial-items"),
        ("/api/imports", "/catalog/imports"),
        ("/api/imports/j-1/errors", "/catalog/imports/j-1/errors"),
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
        ("operator", "POST", "/api/imports/customers", True),
        ("operator", "POST", "/api/imports/serial-items", True),
        ("viewer", "POST", "/api/imports/customers", False),
        ("viewer", "GET", "/api/imports/j-1/errors", True),
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
    assert response.headers["content-type"] == PROBLEM
    assert "GET" in response.headers["allow"]


async def test_an_upstream_405_keeps_its_allow_header(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    token = await token_for("admin")
    response = await client.get("/api/products/status/405", headers=_bearer(token))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_upstream_down_is_503_naming_the_service(
    client_for: ClientFactory, settings: Settings, dead_url: str
) -> None:
    down = settings.model_copy(update={"scheduling_url": dead_url})
    async with client_for(down) as client:
        token = await _admin_token(client)
        response = await client.get("/api/callouts", headers=_bearer(token))
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
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


async def test_upstream_down_during_an_upload_is_503(
    client_for: ClientFactory, settings: Settings, dead_url: str
) -> None:
    down = settings.model_copy(update={"catalog_url": dead_url})
    async with client_for(down) as client:
        response = await client.post(
            "/api/imports/customers",
            content=_upload(4, 1024),
            headers=_bearer(await _admin_token(client), **{"Content-Type": "text/csv"}),
        )
        assert response.status_code == 503, response.text
        assert response.json()["service"] == "catalog"


CHUNK = 64 * 1024
CHUNKS = 512  # 32 MiB
FLAT = 8 * 1024 * 1024  # a gateway that buffered the upload would hold all 32 MiB


def _chunk(i: int, size: int) -> bytes:
    return i.to_bytes(4, "big") * (size // 4)


async def _upload(
    chunks: int, size: int, *, started: threading.Event | None = None
) -> AsyncIterator[bytes]:
    """``chunks`` distinct chunks; after the first, waits until ``started`` is set."""
    for i in range(chunks):
        yield _chunk(i, size)
        if i == 0 and started is not None:
            await _set(started, "the upstream saw the upload's first chunk")


async def _set(event: threading.Event, what: str) -> None:
    async def is_set() -> bool:
        return event.is_set()

    await eventually(is_set, interval=0.01, what=what)


@pytest.mark.parametrize("sized", [False, True], ids=["chunked", "content-length"])
async def test_a_large_upload_streams_upstream_whole_in_flat_memory(
    client: httpx.AsyncClient, token_for: TokenFactory, sized: bool
) -> None:
    token = await token_for("operator")
    probe = secrets.token_hex(8)
    started = UPLOAD_STARTED[probe] = threading.Event()
    headers = _bearer(token, **{"Content-Type": "text/csv"})
    if sized:
        headers["Content-Length"] = str(CHUNKS * CHUNK)
    # The upstream must receive the first chunk before the caller sends the second: a
    # gateway that read the whole body before forwarding would never get past it.
    body = _upload(CHUNKS, CHUNK, started=started)
    tracemalloc.start()
    try:
        response = await client.post(
            f"/api/imports/customers/sink?probe={probe}", content=body, headers=headers
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        del UPLOAD_STARTED[probe]
    assert response.status_code == 202, response.text
    seen = response.json()
    assert seen["length"] == CHUNKS * CHUNK
    sent = hashlib.sha256()
    for i in range(CHUNKS):
        sent.update(_chunk(i, CHUNK))
    assert seen["sha256"] == sent.hexdigest()
    if sized:
        assert (seen["content_length"], seen["transfer_encoding"]) == (str(CHUNKS * CHUNK), None)
    else:
        assert (seen["content_length"], seen["transfer_encoding"]) == (None, "chunked")
    assert peak < FLAT, f"{peak} bytes allocated at the peak of a {CHUNKS * CHUNK} byte upload"


@pytest.fixture(scope="module")
def gateway_url(settings: Settings) -> Iterator[str]:
    """The gateway itself behind a real HTTP server: an in-process ASGI client would
    collect a whole response before handing it over."""
    with serve_in_thread(build_app(settings), "gateway") as url:
        yield url


@pytest.mark.parametrize("sized", [False, True], ids=["chunked", "content-length"])
async def test_a_large_response_streams_back_as_it_arrives(
    gateway_url: str, token_for: TokenFactory, sized: bool
) -> None:
    size = 8 * 1024 * 1024 + 7
    probe = secrets.token_hex(8)
    received = EXPORT_RECEIVED[probe] = threading.Event()
    query = f"size={size}&probe={probe}" + ("&sized=1" if sized else "")
    got = hashlib.sha256()
    length = 0
    try:
        async with (
            httpx.AsyncClient(base_url=gateway_url, trust_env=False) as http,
            http.stream(
                "GET", f"/api/imports/export?{query}", headers=_bearer(await token_for("viewer"))
            ) as response,
        ):
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/csv")
            assert response.headers.get("content-length") == (str(size) if sized else None)
            # The upstream holds back the rest until this client has the first bytes.
            async for chunk in response.aiter_bytes():
                received.set()
                got.update(chunk)
                length += len(chunk)
    finally:
        received.set()
        del EXPORT_RECEIVED[probe]
    assert length == size
    assert got.hexdigest() == hashlib.sha256(b"".join(export_chunks(size))).hexdigest()


async def _admin_token(client: httpx.AsyncClient) -> str:
    """An admin's token on a client of other settings (``token_for`` is bound to the
    default ``client``)."""
    username, password = f"adm-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    async with runtime.uow() as uow:
        await handlers.upsert_user(uow, username=username, password=password, roles=["admin"])
    response = await client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
