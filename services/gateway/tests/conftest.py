from __future__ import annotations

import asyncio
import contextlib
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

import gateway
from aftersales_kit.clock import FixedClock
from gateway import handlers
from gateway.main import build_app
from gateway.settings import Settings

MIGRATIONS = Path(gateway.__file__).parent / "migrations"


def echo_app() -> FastAPI:
    """A stand-in for every internal service: answers with what it received."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    async def echo(path: str, request: Request) -> Response:
        if path.endswith("/slow"):
            await asyncio.sleep(5)
        if "/status/" in path:
            code = int(path.rsplit("/", 1)[1])
            return Response(
                '{"title":"upstream says no"}',
                status_code=code,
                media_type="application/problem+json",
            )
        body = {
            "method": request.method,
            "path": request.scope["path"],
            "query": request.scope["query_string"].decode(),
            "body": (await request.body()).decode(),
            "headers": {k: v for k, v in request.headers.items()},
        }
        headers = {"ETag": '"v7"'}
        status = 200
        if path.endswith("/created"):
            status, headers["Location"] = 201, f"/{path.split('/')[0]}/products/123"
        return Response(
            json.dumps(body), status_code=status, media_type="application/json", headers=headers
        )

    return app


@pytest.fixture(scope="session")
def upstream() -> Iterator[str]:
    """A real HTTP server on a free port, in a thread (independent of any test's loop)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(echo_app(), log_config=None, access_log=False, timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the upstream test server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


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
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC))


@contextlib.asynccontextmanager
async def _client(settings: Settings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(settings, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client,
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

    async def make(*roles: str, active: bool = True) -> tuple[str, str]:
        username, password = f"user-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        async with runtime.uow() as uow:
            await handlers.upsert_user(
                uow, username=username, password=password, roles=roles, active=active
            )
        return username, password

    return make


TokenFactory = Callable[..., Coroutine[Any, Any, str]]


@pytest.fixture
def token_for(client: httpx.AsyncClient, make_user: UserFactory) -> TokenFactory:
    async def login(*roles: str) -> str:
        username, password = await make_user(*roles)
        response = await client.post(
            "/auth/token", data={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    return login
