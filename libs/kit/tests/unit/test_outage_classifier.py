"""Which failures are an outage (503) and what a failure's log line may say."""

from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy.exc
from aiormq.exceptions import AMQPConnectionError, ChannelInvalidStateError

from aftersales_kit.problems import RETRY_AFTER_SECONDS, ServiceUnavailable
from aftersales_kit.transient import Dependency, describe, transient_cause

SECRET = "secret@example.com"


def _dependency(error: BaseException) -> Dependency | None:
    cause = transient_cause(error)
    return None if cause is None else cause.dependency


def _pg(cls: type[asyncpg.PostgresError], **fields: str) -> asyncpg.PostgresError:
    """A server error as asyncpg builds it from the protocol's fields."""
    codes = {"message": "M", "detail": "D", "constraint_name": "n", "table_name": "t"}
    # asyncpg picks the class by the SQLSTATE ("C"), as it does for a server's answer.
    error = cls.new({"C": cls.sqlstate, **{codes[k]: v for k, v in fields.items()}})
    assert type(error) is cls
    return error


def _wrapped(driver: BaseException, *, invalidated: bool = False) -> sqlalchemy.exc.DBAPIError:
    """A driver error as SQLAlchemy hands it to a route (a statement and its values)."""
    try:
        raise driver
    except BaseException as caught:
        wrapped = sqlalchemy.exc.DBAPIError.instance(
            "INSERT INTO customer (email) VALUES ($1)",
            (SECRET,),
            caught,
            Exception,
            hide_parameters=True,
            connection_invalidated=invalidated,
        )
    assert isinstance(wrapped, sqlalchemy.exc.DBAPIError)
    return wrapped


@pytest.mark.parametrize(
    "error",
    [
        sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"),
        _wrapped(RuntimeError("connection was closed"), invalidated=True),
        _pg(asyncpg.CannotConnectNowError, message="the database system is starting up"),
        _pg(asyncpg.AdminShutdownError, message="terminating connection"),
        _pg(asyncpg.TooManyConnectionsError, message="sorry, too many clients already"),
        _pg(asyncpg.ConnectionDoesNotExistError, message="connection was closed"),
        _wrapped(_pg(asyncpg.CannotConnectNowError, message="shutting down")),
        asyncpg.InterfaceError("cannot perform operation: connection is closed"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_database_outages(error: BaseException) -> None:
    assert _dependency(error) is Dependency.DATABASE


@pytest.mark.parametrize(
    "error",
    [AMQPConnectionError("refused"), ChannelInvalidStateError("closed")],
    ids=lambda e: type(e).__name__,
)
def test_broker_outages(error: BaseException) -> None:
    assert _dependency(error) is Dependency.BROKER


@pytest.mark.parametrize(
    "error",
    [
        _wrapped(_pg(asyncpg.UniqueViolationError, message="duplicate key")),
        _pg(asyncpg.NumericValueOutOfRangeError, message="integer out of range"),
        asyncpg.InterfaceError("the number of query arguments cannot exceed 32767"),
        sqlalchemy.exc.NoResultFound("No row was found when one was required"),
        RuntimeError("a bug"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_failures_that_retrying_will_not_mend_are_no_outage(error: BaseException) -> None:
    assert _dependency(error) is None


def test_an_oserror_counts_by_the_library_that_raised_it() -> None:
    # Raised here, in no dependency's code: a bug (a file, a socket of the service's own).
    with pytest.raises(ConnectionRefusedError) as raised:
        raise ConnectionRefusedError(111, "Connect call failed")
    assert _dependency(raised.value) is None


def test_an_outage_behind_an_explicit_cause_is_still_one() -> None:
    with pytest.raises(ValueError, match="could not load") as raised:
        raise ValueError("could not load the customer") from _pg(
            asyncpg.CannotConnectNowError, message="starting up"
        )
    assert _dependency(raised.value) is Dependency.DATABASE


def test_a_statements_failure_is_described_by_names_never_by_values() -> None:
    error = _wrapped(
        _pg(
            asyncpg.UniqueViolationError,
            message="duplicate key value violates unique constraint",
            detail=f"Key (email)=({SECRET}) already exists.",
            constraint_name="uq_customer_email",
            table_name="customer",
        )
    )
    assert SECRET in str(error)  # what a plain log.exception would have written
    text = describe(error)
    assert SECRET not in text
    assert "UniqueViolationError" in text
    assert "sqlstate=23505" in text
    assert "constraint_name=uq_customer_email" in text
    assert "INSERT INTO customer" in text


def test_other_errors_are_described_with_their_message_on_one_line() -> None:
    assert describe(KeyError("region")) == "KeyError: 'region'"
    assert describe(RuntimeError("two\nlines")) == "RuntimeError: two lines"
    assert describe(RuntimeError()) == "RuntimeError"


def test_service_unavailable_always_says_when_to_retry() -> None:
    assert ServiceUnavailable("away").headers == {"Retry-After": str(RETRY_AFTER_SECONDS)}
    assert ServiceUnavailable("away", retry_after=30).headers["Retry-After"] == "30"
    given = ServiceUnavailable("away", headers={"Retry-After": "1", "X-A": "b"})
    assert given.headers == {"Retry-After": "1", "X-A": "b"}
