"""The async SQLAlchemy engine and session factory of one service database, and the
statements compiled once for hot paths."""

from __future__ import annotations

import re
from typing import Any, cast

import pydantic_core
from sqlalchemy import ClauseElement, MetaData, TextClause, bindparam, event, exc, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler

# Deterministic constraint names, so Alembic can drop what it created.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


# A database host that drops packets (rather than refusing) would otherwise hold a
# request for asyncpg's default of 60 s before it can be answered 503.
CONNECT_TIMEOUT_SECONDS = 10.0


def create_engine(
    url: str, pool_size: int = 5, *, connect_timeout: float = CONNECT_TIMEOUT_SECONDS
) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        # No pre-ping: SQLAlchemy's asyncpg ping is three round trips (BEGIN, a query,
        # ROLLBACK) on every checkout, a tenth of an API's CPU a request. A connection
        # the server closed (a restart, a crash, a terminated backend) is known to
        # asyncpg without asking: ``_closed_is_gone`` replaces it at checkout.
        # A failed statement's text goes into logs (its exception's message): the values
        # bound to it are customers' data, never logged. (The driver's own message may
        # still quote one; problem_handlers.describe leaves the driver's text out.)
        hide_parameters=True,
        connect_args={"timeout": connect_timeout},
        # JSON and JSONB columns (every outbox row's body among them) through pydantic's
        # Rust encoder and parser instead of the json module: a tenth of a bulk import's
        # CPU went into json.dumps and json.loads (bench/README.md).
        json_serializer=_json_text,
        json_deserializer=pydantic_core.from_json,
    )
    event.listen(engine.sync_engine, "checkout", _closed_is_gone)
    return engine


def _closed_is_gone(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """A pooled connection whose server end is gone (asyncpg saw the socket close) is
    discarded and the checkout takes a fresh one: what a pre-ping did, without its round
    trips. A server that is down still fails the fresh connection, as before."""
    if dbapi_connection.driver_connection.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


class EncodedJson(str):
    """A JSON document already serialized (pydantic's ``model_dump_json``): bound to a
    JSON or JSONB column as it is instead of being built into dicts and encoded again —
    a set event of 500 snapshots is one pass in Rust, not two."""

    __slots__ = ()


def _json_text(value: Any) -> str:
    if isinstance(value, EncodedJson):
        return value
    return pydantic_core.to_json(value).decode()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def compiled_once(statement: ClauseElement) -> TextClause:
    """``statement`` compiled for PostgreSQL now, as a text statement with typed binds.

    SQLAlchemy never caches the PostgreSQL dialect's ``INSERT`` (``inherit_cache =
    False`` on it, so every ``ON CONFLICT`` statement is compiled again on every
    execution: ~1 ms of CPU each, measured as a fifth of a consumer's time per message).
    A text statement is cached like any other. Use it for the hot paths only, with
    explicit ``bindparam``s: the parameters keep their names and types (JSONB, arrays).
    """
    compiled = cast(SQLCompiler, statement.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    # pyformat placeholders -> text()'s named binds (parenthesized: the dialect may add
    # a cast, ``%(id)s::UUID``, which text() would not take for a bind); %% was a %.
    sql = _PYFORMAT.sub(r"(:\1)", compiled.string).replace("%%", "%")
    binds = [bindparam(name, type_=bind.type) for name, bind in compiled.binds.items()]
    clause = text(sql).bindparams(*binds)
    returning = getattr(statement, "_returning", ())
    return clause.columns(*returning) if returning else clause  # type: ignore[return-value]


_PYFORMAT = re.compile(r"%\((\w+)\)s")
