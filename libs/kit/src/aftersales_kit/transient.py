"""Transient infrastructure failures, told apart from failures of a message's content.

A handler that fails because PostgreSQL (or the network to it) is away is not handling
a poison message: retried a moment later, the same message succeeds. Nacking it with
requeue spends the queue's delivery limit in about two seconds (the broker redelivers at
once) and dead-letters a good message. So the consumer asks ``transient_cause`` first:
a transient failure is waited out (``Backoff``, ``DatabaseGate``); anything else is the
message's own and goes the way of the delivery limit.

One function decides, for every consumer and every route (a 503 with Retry-After at the
HTTP edge): the rules live here and nowhere else, with ``describe``, which names an error
for a log line without quoting the data a failed statement carried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

import aiormq.exceptions
import asyncpg.exceptions
from sqlalchemy import exc as sa_exc

from aftersales_kit.metrics import DATABASE_GATE_CLOSURES

log = logging.getLogger(__name__)


class Dependency(StrEnum):
    DATABASE = "database"
    BROKER = "broker"


@dataclass(frozen=True)
class Transient:
    """Why a failure is the infrastructure's: which dependency, and a short text that
    names the error without quoting data (``describe``)."""

    dependency: Dependency
    detail: str

    @property
    def closes_database_gate(self) -> bool:
        return self.dependency is Dependency.DATABASE


# SQLSTATEs that say the server is away rather than that the statement is wrong: class
# 08 (connection exception), 57P01-57P03 (shut down by an administrator or a crash, or
# still starting up) and 53300 (too many connections).
_UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
# Where an OSError (refused, reset, timed out, no such host) was raised says which
# dependency it came from: the pool hands asyncpg's connect errors on unwrapped, and a
# service's own socket (SMTP, an SMS provider's HTTP API) is none of ours to wait out.
_MODULES = {
    Dependency.DATABASE: ("sqlalchemy", "asyncpg"),
    Dependency.BROKER: ("aio_pika", "aiormq", "pamqp", "faststream"),
}


def transient_cause(error: BaseException) -> Transient | None:
    """Why ``error`` says a dependency cannot be reached right now, or None when it is
    some other failure (a bug, a constraint, bad data) that trying again will not mend.

    The one classification for consumers (wait, do not spend the delivery limit) and
    for routes (503 with Retry-After). It follows the wrappers the libraries put around
    an infrastructure error (SQLAlchemy's ``orig``, the adapter's cause) and explicit
    ``raise ... from``; an OSError counts only when it was raised inside the database's
    or the broker's library, so a service's SMTP socket error keeps its own meaning.
    """
    if isinstance(error, BaseExceptionGroup):
        causes = [transient_cause(e) for e in error.exceptions]
        if causes and all(causes):
            return causes[0]
        return None
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (dependency := _unreachable(current)) is not None:
            return Transient(dependency, describe(current))
        current = _wrapped(current)
    return None


def _unreachable(exc: BaseException) -> Dependency | None:
    if isinstance(exc, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        # No connection from the pool in time: to a caller, the same as a database away.
        return Dependency.DATABASE
    if isinstance(exc, sa_exc.DBAPIError) and (
        exc.connection_invalidated or isinstance(exc.orig, OSError)
    ):
        # A socket error SQLAlchemy wrapped came from the database's connection.
        return Dependency.DATABASE
    # asyncpg's errors and the SQLAlchemy adapter's (which copies asyncpg's SQLSTATE).
    sqlstate = getattr(exc, "sqlstate", None) if _is_driver(exc) else None
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNREACHABLE_SQLSTATES):
        return Dependency.DATABASE
    if isinstance(exc, asyncpg.exceptions.ConnectionDoesNotExistError):
        return Dependency.DATABASE  # "connection was closed in the middle of operation"
    if isinstance(exc, asyncpg.exceptions.InterfaceError) and "connection is closed" in str(exc):
        return Dependency.DATABASE  # "cannot perform operation: connection is closed"
    if isinstance(
        exc,
        aiormq.exceptions.AMQPConnectionError
        | aiormq.exceptions.ChannelInvalidStateError
        | aiormq.exceptions.ConnectionClosed,
    ):
        return Dependency.BROKER
    if isinstance(exc, OSError):
        return _raised_in(exc.__traceback__)
    return None


def _wrapped(exc: BaseException) -> BaseException | None:
    """The exception ``exc`` stands for: SQLAlchemy keeps the driver's in ``orig`` (whose
    cause is asyncpg's own); otherwise an explicit ``raise ... from``."""
    orig = getattr(exc, "orig", None)
    if isinstance(exc, sa_exc.StatementError) and isinstance(orig, BaseException):
        return orig
    return exc.__cause__


def _is_driver(exc: BaseException) -> bool:
    """asyncpg's own errors, or the SQLAlchemy asyncpg adapter's DB-API errors."""
    return type(exc).__module__.startswith(("asyncpg", "sqlalchemy.dialects"))


def _raised_in(tb: TracebackType | None) -> Dependency | None:
    """The dependency whose library the deepest known frame of ``tb`` belongs to."""
    found: Dependency | None = None
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        for dependency, prefixes in _MODULES.items():
            if module.startswith(prefixes):
                found = dependency
        tb = tb.tb_next
    return found


def describe(exc: BaseException) -> str:
    """``exc`` for a log line: its type, and its message only where that carries no data.

    Of a database error only the names: the driver's error, its SQLSTATE and
    constraint, and the failed statement's text (SQL, never its values). The driver's
    messages are left out because they quote values (PostgreSQL's ``Key (email)=(...)
    already exists``, asyncpg's ``invalid input for query argument $1: '...'``)."""
    if isinstance(exc, sa_exc.StatementError):
        parts = [type(exc).__name__]
        driver = exc.orig
        if isinstance(driver, BaseException):
            if type(driver).__module__.startswith("sqlalchemy") and driver.__cause__:
                driver = driver.__cause__  # the adapter's error -> asyncpg's own
            parts.append(_driver_names(driver))
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            parts.append("connection invalidated")
        if exc.statement:
            parts.append(f"sql={_line(exc.statement, 300)!r}")
        return ": ".join(parts)
    if _is_driver(exc):
        return _driver_names(exc)
    text = _line(str(exc), 300)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _driver_names(exc: BaseException) -> str:
    names = [type(exc).__name__]
    for attribute in ("sqlstate", "constraint_name", "table_name", "column_name"):
        value = getattr(exc, attribute, None)
        if isinstance(value, str) and value:
            names.append(f"{attribute}={value}")
    return " ".join(names)


def _line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class Backoff:
    """Exponential delays with full jitter, capped: ``initial`` doubling up to ``cap``.

    Full jitter (a random delay up to the exponential bound) spreads the retries of
    many consumers that failed at the same moment, so a database coming back is not
    hit by all of them at once.
    """

    def __init__(self, initial: float = 0.5, cap: float = 30.0) -> None:
        self.initial = initial
        self.cap = cap

    def bound(self, attempt: int) -> float:
        """The largest delay before retry ``attempt`` (1 the first retry)."""
        return min(self.cap, self.initial * 2.0 ** max(0, attempt - 1))

    def delay(self, attempt: int) -> float:
        bound = self.bound(attempt)
        # Never below a tenth of the bound: a zero delay would be a busy retry.
        return random.uniform(bound / 10, bound)


Probe = Callable[[], Awaitable[None]]


class GateStopped(Exception):
    """The runtime is stopping while a delivery waited at the gate: it goes back."""


class DatabaseGate:
    """Open while the database answers; consumers wait at it before applying a message.

    A consumer whose handler failed for a transient database reason ``close``s it; from
    then on every consumer of the process waits here instead of failing deliveries one
    after another (what is in flight is bounded by the prefetch), and readiness is
    false. One prober task runs ``probe`` (a ``SELECT 1``) at once and then with
    backoff until it succeeds, and opens the gate again.
    """

    def __init__(self, probe: Probe, backoff: Backoff | None = None, *, service: str = "") -> None:
        self._probe = probe
        self._service = service
        self.backoff = backoff or Backoff()
        self._open = asyncio.Event()
        self._open.set()
        self._stopped = False
        self._prober: asyncio.Task[None] | None = None
        self._closed_at: float | None = None
        self.closures = 0
        self.failed_probes = 0
        self.last_cause: Transient | None = None

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    async def wait_open(self) -> None:
        """Return when the gate is open; raise ``GateStopped`` once the runtime stops."""
        if self._stopped:
            raise GateStopped()
        if self._open.is_set():
            return
        await self._open.wait()
        if self._stopped:
            raise GateStopped()

    def close(self, cause: Transient) -> None:
        """A consumer met a transient database failure: pause every consumer."""
        self.last_cause = cause
        if self._stopped:
            return
        if self._open.is_set():
            self._open.clear()
            self._closed_at = time.monotonic()
            self.closures += 1
            DATABASE_GATE_CLOSURES.labels(self._service).inc()
            # Once per outage, without a traceback: an outage is not a bug.
            log.warning(
                "database unreachable; consumers pause until it answers",
                extra={"dependency": cause.dependency.value, "error": cause.detail},
            )
        if self._prober is None or self._prober.done():
            self._prober = asyncio.create_task(self._probe_until_open(), name="database gate")

    async def _probe_until_open(self) -> None:
        attempt = 0
        while not self._stopped:
            try:
                await self._probe()
            except Exception as error:
                attempt += 1
                log.debug("database probe failed", extra={"error": describe(error)})
                self.failed_probes += 1
                await asyncio.sleep(self.backoff.delay(attempt))
                continue
            closed_for = time.monotonic() - (self._closed_at or time.monotonic())
            log.warning(
                "database reachable again; consumers resume",
                extra={"closed_seconds": round(closed_for, 3)},
            )
            self._open.set()
            return

    async def stop(self) -> None:
        """Release every waiter (they raise ``GateStopped``) and end the prober."""
        self._stopped = True
        self._open.set()
        if self._prober is not None and not self._prober.done():
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
