from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

import gateway
from aftersales_kit.clock import FixedClock
from gateway import handlers
from gateway.main import build_app
from gateway.settings import Settings

MIGRATIONS = Path(gateway.__file__).parent / "migrations"

# Set by the echo server when an upload named ``?probe=<name>`` delivers its first bytes.
UPLOAD_STARTED: dict[str, threading.Event] = {}
# Set by a test when the first bytes of the export named ``?probe=<name>`` reached it;
# until then the echo server holds back the rest of that export.
EXPORT_RECEIVED: dict[str, threading.Event] = {}


def echo_app() -> FastAPI:
    """A stand-in for every internal service: answers with what it received."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(path: str, request: Request) -> Response:
        if "/user-accounts/" in path:
            # The gateway's own pushes of user accounts (accounts_push): never accepted here,
            # so that test_user_addresses alone decides, with its own fake, what was pushed.
            return Response(status_code=503)
        if path.endswith("/sink"):
            return await _sink(request)
        if path.endswith("/export"):
            return _export(request)
        if path.endswith("/slow"):
            await asyncio.sleep(5)
        if "/status/" in path:
            code = int(path.rsplit("/", 1)[1])
            # The headers that go with these statuses, as a kit service answers them.
            extra = {503: {"Retry-After": "7"}, 405: {"Allow": "GET, POST"}}.get(code, {})
            return Response(
                '{"title":"upstream says no"}',
                status_code=code,
                media_type="application/problem+json",
                headers=extra,
            )
        body = {
            "method": request.method,
            "path": request.scope["path"],
            "query": request.scope["query_string"].decode(),
            "body": (await request.body()).decode(),
            "headers": dict(request.headers.items()),
        }
        headers = {
            "ETag": '"v7"',
            # Upstream paths carry the service's base path, as behind a path prefix.
            "Link": f'</{path.split("/")[0]}/callouts?cursor=abc>; rel="next"',
            "X-Internal-Secret": "never-forwarded",
        }
        status = 200
        if path.endswith("/created"):
            status, headers["Location"] = 201, f"/{path.split('/')[0]}/products/123"
        return Response(
            json.dumps(body), status_code=status, media_type="application/json", headers=headers
        )

    return app


async def _sink(request: Request) -> Response:
    """Reads an upload chunk by chunk, keeping only its length and digest."""
    started = UPLOAD_STARTED.get(request.query_params.get("probe", ""))
    digest, length = hashlib.sha256(), 0
    async for chunk in request.stream():
        if chunk and started is not None:
            started.set()
        digest.update(chunk)
        length += len(chunk)
    body = {
        "length": length,
        "sha256": digest.hexdigest(),
        "content_length": request.headers.get("content-length"),
        "transfer_encoding": request.headers.get("transfer-encoding"),
    }
    return Response(json.dumps(body), status_code=202, media_type="application/json")


def export_chunks(size: int, received: threading.Event | None = None) -> Iterator[bytes]:
    """``size`` bytes of a repeating CSV line, in 64 KiB chunks; after the first one,
    waits (in the server's thread pool) until ``received`` is set, if given."""
    line = b"SN-000001,Pump,2026-01-31\n" * 2521  # 65,546 bytes
    first = True
    while size > 0:
        yield line[:size]
        size -= len(line)
        if first and received is not None:
            assert received.wait(30), "the first bytes of the export never reached the client"
        first = False


def _export(request: Request) -> Response:
    """A large streamed answer; with ``?sized=1`` it announces its Content-Length."""
    size = int(request.query_params["size"])
    received = EXPORT_RECEIVED.get(request.query_params.get("probe", ""))
    headers = {"Content-Length": str(size)} if request.query_params.get("sized") else {}
    return StreamingResponse(export_chunks(size, received), media_type="text/csv", headers=headers)


@contextlib.contextmanager
def serve_in_thread(app: FastAPI, name: str) -> Iterator[str]:
    """A real HTTP server for ``app`` on a free port, in a thread with its own event loop
    (independent of any test's loop); yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), f"the {name} test server failed to start"
        assert time.monotonic() < deadline, f"the {name} test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    with serve_in_thread(echo_app(), "upstream") as url:
        yield url


@pytest.fixture(scope="session")
def dead_url() -> str:
    """A URL where nothing listens: the port was free a moment ago and is closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def settings(service_database: Callable[[str, Path | None], str], upstream: str) -> Settings:
    # Each service gets its own base path on the one echo server, so a test sees which
    # service a request was routed to.
    return Settings(
        database_url=service_database("gateway", MIGRATIONS),
        log_json=False,
        catalog_url=f"{upstream}/catalog",
        servicetypes_url=f"{upstream}/servicetypes",
        scheduling_url=f"{upstream}/scheduling",
        notifications_url=f"{upstream}/notifications",
        fieldwork_url=f"{upstream}/fieldwork",
        campaigns_url=f"{upstream}/campaigns",
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


def random_address() -> str:
    """A client address of its own for each test client: sign-in failures are counted per
    address in the session's one database, and must not add up across tests."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


@contextlib.asynccontextmanager
async def _client(
    settings: Settings, clock: FixedClock, address: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app, client=(address or random_address(), 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gw") as client,
    ):
        yield client


@pytest.fixture
async def client(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(settings, clock) as c:
        yield c


ClientFactory = Callable[[Settings], contextlib.AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_for(clock: FixedClock) -> ClientFactory:
    """``async with client_for(settings) as c``: a client on other settings (dead upstream)."""
    return lambda settings: _client(settings, clock)


UserFactory = Callable[..., Coroutine[Any, Any, tuple[str, str]]]


@pytest.fixture
def make_user(client: httpx.AsyncClient) -> UserFactory:
    """Creates a user with fresh random name and password; returns (username, password)."""
    runtime = client._transport.app.state.runtime  # type: ignore[attr-defined]

    async def make(
        *roles: str, active: bool = True, org_units: tuple[str, ...] = ()
    ) -> tuple[str, str]:
        username, password = f"user-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        async with runtime.uow() as uow:
            await handlers.upsert_user(
                uow,
                username=username,
                password=password,
                roles=roles,
                active=active,
                org_units=org_units,
            )
        return username, password

    return make


TokenFactory = Callable[..., Coroutine[Any, Any, str]]


@pytest.fixture
def token_for(client: httpx.AsyncClient, make_user: UserFactory) -> TokenFactory:
    async def login(*roles: str, org_units: tuple[str, ...] = ()) -> str:
        username, password = await make_user(*roles, org_units=org_units)
        response = await client.post(
            "/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    return login
