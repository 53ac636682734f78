"""Under an outage the API says so: 503 with Retry-After, logged once without a traceback.

A real PostgreSQL behind a TCP proxy that the test cuts (the shared server is never
touched). The app runs in process; ``raise_app_exceptions`` stays on, so an exception
that escaped the app (and which the server would log a second time) fails the test.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from aftersales_kit.db import create_engine
from aftersales_kit.http import UnitOfWorkDep, create_app
from aftersales_kit.problems import PROBLEM_JSON, RETRY_AFTER_SECONDS, ServiceUnavailable
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import ServiceSettings
from aftersales_kit.transient import Dependency, transient_cause
from aftersales_testing.tcp_proxy import TcpProxy

from ..support import handler_effect

# A value a request binds into a statement: customers' data, never to be logged.
SECRET = "secret-value-4711"


def _dependency(error: BaseException) -> Dependency | None:
    cause = transient_cause(error)
    return None if cause is None else cause.dependency


@dataclass
class Hold:
    """Lets a test cut the database between two statements of one request."""

    reached: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    backend_pid: int = 0


def _router(hold: Hold, dead_amqp_url: str) -> APIRouter:
    router = APIRouter()

    @router.get("/rows")
    async def rows(uow: UnitOfWorkDep) -> dict[str, int]:
        count = await uow.session.scalar(
            select(func.count()).where(handler_effect.c.note == SECRET)
        )
        return {"rows": int(count or 0)}

    @router.get("/held")
    async def held(uow: UnitOfWorkDep) -> dict[str, int]:
        hold.backend_pid = int(await uow.session.scalar(text("SELECT pg_backend_pid()")) or 0)
        hold.reached.set()
        await hold.release.wait()
        await uow.session.execute(text("SELECT :v"), {"v": SECRET})
        return {"rows": 0}

    @router.get("/held-then-answer")
    async def held_then_answer(uow: UnitOfWorkDep) -> dict[str, int]:
        await uow.session.execute(text("SELECT 1"))
        hold.reached.set()
        await hold.release.wait()
        return {"rows": 1}  # read only: the transaction is left to the unit of work

    @router.get("/bad-value")
    async def bad_value(uow: UnitOfWorkDep) -> None:
        # A bug, not an outage: the driver refuses the value, and its message quotes it.
        await uow.session.execute(text("SELECT CAST(:v AS integer)"), {"v": SECRET})

    @router.get("/no-file")
    async def no_file() -> None:
        # An OSError that no dependency raised: a bug (500), not an outage.
        with open(f"/nonexistent/{SECRET}") as file:  # noqa: ASYNC230 - it fails at once
            file.read()

    @router.get("/broker")
    async def broker() -> None:
        connection = await aio_pika.connect(dead_amqp_url, timeout=5)
        await connection.close()

    @router.get("/refused")
    async def refused() -> None:
        raise ServiceUnavailable("the thing is away")

    return router


def _via(url: str, port: int) -> str:
    parts = urlsplit(url)
    auth, _, _ = parts.netloc.rpartition("@")
    netloc = f"{auth}@127.0.0.1:{port}" if auth else f"127.0.0.1:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@pytest.fixture
async def database_proxy(settings: ServiceSettings) -> AsyncIterator[TcpProxy]:
    target = urlsplit(settings.database_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


@pytest.fixture
def hold() -> Hold:
    return Hold()


@pytest.fixture
async def client(
    settings: ServiceSettings, database_proxy: TcpProxy, hold: Hold
) -> AsyncIterator[httpx.AsyncClient]:
    proxied = settings.model_copy(
        update={"database_url": _via(settings.database_url, database_proxy.port)}
    )
    # The broker plays no part in the database's outage; the broker route dials a dead port.
    runtime = ServiceRuntime(proxied, messaging=False)
    dead_amqp = _via(settings.amqp_url, _dead_port())
    app: FastAPI = create_app(runtime, title="kit-outage", routers=[_router(hold, dead_amqp)])
    transport = httpx.ASGITransport(app=app)  # raise_app_exceptions: an escape fails
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://kit") as client,
    ):
        yield client


def _dead_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _assert_unavailable(response: httpx.Response, dependency: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["status"] == 503
    assert body["title"] == "Service unavailable"
    assert dependency in body["detail"]
    # No internals: no exception names, addresses or statement.
    for internal in ("Error", "127.0.0.1", "SELECT", "Errno", SECRET):
        assert internal not in response.text


def _assert_logged_once_as_warning(
    caplog: pytest.LogCaptureFixture, dependency: str, *, besides: str = "-"
) -> None:
    """One WARNING line, no traceback; ``besides``: a library logger that logs its own
    failure (not the app's doing)."""
    records = [r for r in caplog.records if r.levelno >= logging.WARNING and r.name != besides]
    assert len(records) == 1, [r.getMessage() for r in records]
    (record,) = records
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.exc_text is None
    message = record.getMessage()
    assert message.startswith(f"{dependency} unreachable")
    assert "Traceback" not in message
    assert SECRET not in message


async def test_a_cut_database_is_503_with_retry_after_then_200_again(
    client: httpx.AsyncClient, database_proxy: TcpProxy, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await client.get("/rows")).status_code == 200  # a pooled connection exists

    database_proxy.cut()
    caplog.set_level(logging.WARNING)
    caplog.clear()
    response = await client.get("/rows", headers={"X-Request-ID": "outage-1"})
    _assert_unavailable(response, "database")
    assert response.json()["request_id"] == "outage-1"
    assert response.headers["x-request-id"] == "outage-1"
    _assert_logged_once_as_warning(caplog, "database")
    # A connection refused from the start (no pooled one to try first) reads the same.
    caplog.clear()
    _assert_unavailable(await client.get("/rows"), "database")
    _assert_logged_once_as_warning(caplog, "database")

    database_proxy.restore()
    response = await client.get("/rows")
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 0}


async def test_a_database_lost_between_two_statements_is_503(
    client: httpx.AsyncClient,
    database_proxy: TcpProxy,
    hold: Hold,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    request = asyncio.create_task(client.get("/held"))
    await asyncio.wait_for(hold.reached.wait(), 30)
    database_proxy.cut()  # the transaction's connection dies under it
    hold.release.set()
    response = await request
    _assert_unavailable(response, "database")
    _assert_logged_once_as_warning(caplog, "database")

    database_proxy.restore()
    assert (await client.get("/rows")).status_code == 200


async def test_a_database_lost_once_the_answer_is_ready_leaves_the_answer_alone(
    client: httpx.AsyncClient,
    database_proxy: TcpProxy,
    hold: Hold,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The unit of work rolls back what a route left open after the answer is sent;
    that rollback failing must not escape (the server would log a traceback and drop
    the client's connection): the database took the transaction with it anyway."""
    caplog.set_level(logging.WARNING)
    request = asyncio.create_task(client.get("/held-then-answer"))
    await asyncio.wait_for(hold.reached.wait(), 30)
    database_proxy.cut()
    hold.release.set()
    response = await request
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 1}
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []

    database_proxy.restore()
    assert (await client.get("/rows")).status_code == 200


async def test_a_connection_terminated_by_the_server_is_503(
    client: httpx.AsyncClient,
    settings: ServiceSettings,
    hold: Hold,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What a PostgreSQL restart does to an open connection (57P01, "terminating
    connection due to administrator command"), done to this request's backend alone."""
    caplog.set_level(logging.WARNING)
    request = asyncio.create_task(client.get("/held"))
    await asyncio.wait_for(hold.reached.wait(), 30)
    admin = create_async_engine(settings.database_url)
    try:
        async with admin.connect() as connection:
            await connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": hold.backend_pid}
            )
    finally:
        await admin.dispose()
    hold.release.set()
    _assert_unavailable(await request, "database")
    _assert_logged_once_as_warning(caplog, "database")
    assert (await client.get("/rows")).status_code == 200


async def test_a_database_that_never_answers_is_an_outage_after_the_connect_timeout() -> None:
    """A host that takes the connection and says nothing (a dropped route, a hung
    server): the engine gives up after its connect timeout, and that is an outage."""
    held: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x", connect_timeout=0.5)
    try:
        with pytest.raises(TimeoutError) as raised:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert _dependency(raised.value) is Dependency.DATABASE
    finally:
        await engine.dispose()
        for writer in held:
            writer.transport.abort()
        server.close()
        await server.wait_closed()


async def test_an_unreachable_broker_is_503_naming_the_broker(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    _assert_unavailable(await client.get("/broker"), "broker")
    # aiormq logs its failed connect itself (at ERROR, without a traceback).
    _assert_logged_once_as_warning(caplog, "broker", besides="aiormq.connection")


async def test_a_raised_service_unavailable_carries_retry_after(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/refused")
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["detail"] == "the thing is away"


async def test_a_failing_statement_is_a_500_whose_log_never_quotes_its_values(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = await client.get("/bad-value")
    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert SECRET not in response.text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    message = errors[0].getMessage()
    # Which statement and which error, with a traceback to the route...
    assert "unhandled error: GET /bad-value" in message
    assert "CAST" in message
    assert "DataError" in message
    assert "Traceback" in message
    assert "bad_value" in message
    # ...but never the value (asyncpg's own message quotes it), anywhere in the log.
    for record in caplog.records:
        assert SECRET not in record.getMessage()
        assert record.exc_info is None


async def test_an_oserror_of_no_dependency_is_a_500_not_an_outage(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    response = await client.get("/no-file")
    assert response.status_code == 500, response.text
    assert "retry-after" not in response.headers
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "FileNotFoundError" in caplog.records[0].getMessage()
