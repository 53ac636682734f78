"""Transient infrastructure failures told from content failures, on real exception
instances as the libraries raise them."""

from __future__ import annotations

import asyncio
import socket

import aio_pika
import asyncpg
import pytest
import sqlalchemy.exc
from aiormq.exceptions import AMQPConnectionError, ChannelInvalidStateError

from aftersales_kit.transient import Backoff, Dependency, transient_cause


def _pg(cls: type[asyncpg.PostgresError], message: str) -> asyncpg.PostgresError:
    """A server error as asyncpg builds it from the protocol's fields."""
    error = cls.new({"C": cls.sqlstate, "M": message})
    assert isinstance(error, asyncpg.PostgresError)
    return error


def _wrapped(driver: Exception, *, invalidated: bool = False) -> sqlalchemy.exc.DBAPIError:
    """A driver error as SQLAlchemy hands it on."""
    try:
        raise driver
    except Exception as caught:
        wrapped = sqlalchemy.exc.DBAPIError.instance(
            "SELECT 1", {}, caught, Exception, connection_invalidated=invalidated
        )
    assert isinstance(wrapped, sqlalchemy.exc.DBAPIError)
    return wrapped


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once it is closed


def _refused_by_postgresql() -> Exception:
    """What asyncpg raises connecting to a port where no PostgreSQL listens."""

    async def connect() -> None:
        await asyncpg.connect(host="127.0.0.1", port=_closed_port(), timeout=5)

    try:
        asyncio.run(connect())
    except Exception as error:
        return error
    raise AssertionError("a closed port answered")


def _refused_by_rabbitmq() -> Exception:
    """What aio-pika raises connecting to a port where no broker listens."""

    async def connect() -> None:
        await aio_pika.connect(f"amqp://guest:guest@127.0.0.1:{_closed_port()}/", timeout=5)

    try:
        asyncio.run(connect())
    except Exception as error:
        return error
    raise AssertionError("a closed port answered")


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (_refused_by_postgresql(), Dependency.DATABASE),
        (_refused_by_rabbitmq(), Dependency.BROKER),
        (sqlalchemy.exc.TimeoutError("QueuePool limit reached"), Dependency.DATABASE),
        (sqlalchemy.exc.DisconnectionError("stale"), Dependency.DATABASE),
        (_wrapped(RuntimeError("connection was closed"), invalidated=True), Dependency.DATABASE),
        (_wrapped(_pg(asyncpg.CannotConnectNowError, "starting up")), Dependency.DATABASE),
        (_wrapped(_pg(asyncpg.AdminShutdownError, "terminating")), Dependency.DATABASE),
        (_wrapped(ConnectionResetError(104, "reset")), Dependency.DATABASE),
        (_pg(asyncpg.ConnectionDoesNotExistError, "closed mid-operation"), Dependency.DATABASE),
        (_pg(asyncpg.TooManyConnectionsError, "too many clients"), Dependency.DATABASE),
        (_pg(asyncpg.CrashShutdownError, "crash"), Dependency.DATABASE),
        (AMQPConnectionError("gone"), Dependency.BROKER),
        (ChannelInvalidStateError("closed"), Dependency.BROKER),
        (
            ExceptionGroup("both", [_refused_by_postgresql(), _wrapped(TimeoutError())]),
            Dependency.DATABASE,
        ),
    ],
)
def test_an_outage_is_transient(error: BaseException, dependency: Dependency) -> None:
    cause = transient_cause(error)
    assert cause is not None
    assert cause.dependency is dependency
    assert cause.detail  # names the error, for the one log line an outage gets


class DeliveryFailed(Exception):
    """A service's own error for a failed send, wrapping the socket error."""


def _service_error_from_os_error() -> DeliveryFailed:
    try:
        raise ConnectionRefusedError(111, "smtp refused")
    except ConnectionRefusedError as error:
        wrapped = DeliveryFailed("SMTP server unreachable")
        wrapped.__cause__ = error
        return wrapped


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        RuntimeError("this message can never be handled"),
        KeyError("payload"),
        _wrapped(_pg(asyncpg.UniqueViolationError, "duplicate key")),
        _wrapped(_pg(asyncpg.NotNullViolationError, "null value")),
        _wrapped(_pg(asyncpg.InvalidTextRepresentationError, "invalid input syntax")),
        _wrapped(_pg(asyncpg.DeadlockDetectedError, "deadlock")),
        _wrapped(asyncpg.InterfaceError("another operation is in progress")),
        sqlalchemy.exc.ArgumentError("bad statement"),
        asyncpg.InterfaceError("another operation is in progress"),
        # The service's business: its own error keeps its meaning (and its retries).
        _service_error_from_os_error(),
        ExceptionGroup("mixed", [_refused_by_postgresql(), ValueError("bug")]),
        # A socket error of the service's own (SMTP, a provider's API), raised bare.
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
    ],
)
def test_a_content_failure_is_not_transient(error: BaseException) -> None:
    assert transient_cause(error) is None


def test_backoff_grows_to_its_cap_with_jitter_and_never_zero() -> None:
    backoff = Backoff(initial=0.5, cap=30.0)
    assert [backoff.bound(n) for n in (1, 2, 3, 4, 7, 8, 50)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        30.0,
        30.0,
        30.0,
    ]
    for attempt in (1, 3, 10):
        delays = {backoff.delay(attempt) for _ in range(200)}
        bound = backoff.bound(attempt)
        assert all(bound / 10 <= d <= bound for d in delays)
        assert len(delays) > 100  # spread, not one value for every consumer
