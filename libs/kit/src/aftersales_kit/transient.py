"""Transient infrastructure failures, told apart from failures of a message's content.

A handler that fails because PostgreSQL (or the network to it) is away is not handling
a poison message: retried a moment later, the same message succeeds. Nacking it with
requeue spends the queue's delivery limit in about two seconds (the broker redelivers at
once) and dead-letters a good message. So the consumer asks ``transient_cause`` first:
a transient failure is waited out (``Backoff``, ``DatabaseGate``); anything else is the
message's own and goes the way of the delivery limit.

One function decides, for every consumer: the rules live here and nowhere else.
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

import aiormq.exceptions
import asyncpg.exceptions
from sqlalchemy import exc as sa_exc

from aftersales_kit.metrics import DATABASE_GATE_CLOSURES

log = logging.getLogger(__name__)


class Dependency(StrEnum):
    DATABASE = "database"
    BROKER = "broker"
    # A bare OSError: a connection refused, reset or timed out, with no library naming
    # the peer. In a consumer that is almost always the database (its only connection
    # besides the broker's); the gate's probe tells which.
    CONNECTION = "connection"


@dataclass(frozen=True)
class Transient:
    """Why a failure is the infrastructure's: which dependency, and a short text."""

    dependency: Dependency
    detail: str

    @property
    def closes_database_gate(self) -> bool:
        return self.dependency in (Dependency.DATABASE, Dependency.CONNECTION)


# SQLSTATEs that mean "the server is away or refusing for now", not "this statement is
# wrong": connection exceptions (class 08), shutdown / starting up (57P01-57P03), and
# out of connections (53300).
_TRANSIENT_SQLSTATE_PREFIXES = ("08",)
_TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _sqlstate_is_transient(state: object) -> bool:
    if not isinstance(state, str):
        return False
    return state in _TRANSIENT_SQLSTATES or state.startswith(_TRANSIENT_SQLSTATE_PREFIXES)


def _describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(error).__name__}: {first}"[:200]


def _database_driver_error(error: BaseException) -> bool:
    """asyncpg's own errors (raised bare, or found under SQLAlchemy's wrapper)."""
    if isinstance(error, asyncpg.exceptions.PostgresError):
        return _sqlstate_is_transient(getattr(error, "sqlstate", None))
    # "connection was closed in the middle of operation", "connection is closed".
    return isinstance(error, asyncpg.exceptions.ConnectionDoesNotExistError | OSError)


def transient_cause(error: BaseException) -> Transient | None:
    """Why ``error`` is a transient infrastructure failure, or None when it is not.

    Only the wrappers the libraries put around an infrastructure error are looked
    through (SQLAlchemy's ``DBAPIError.orig`` and its adapter's cause): a service's own
    exception that wraps an OSError (an SMTP failure turned into a delivery error) is
    the service's business and keeps its meaning.
    """
    if isinstance(error, BaseExceptionGroup):
        causes = [transient_cause(e) for e in error.exceptions]
        if causes and all(causes):
            return causes[0]
        return None
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return Transient(Dependency.DATABASE, _describe(error.orig or error))
        orig = error.orig
        # The asyncpg adapter raises its own DB-API error "from" asyncpg's; both carry
        # the SQLSTATE.
        for candidate in (orig, getattr(orig, "__cause__", None)):
            if candidate is None:
                continue
            if _sqlstate_is_transient(getattr(candidate, "sqlstate", None)):
                return Transient(Dependency.DATABASE, _describe(candidate))
            if _database_driver_error(candidate):
                return Transient(Dependency.DATABASE, _describe(candidate))
        return None
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        # The pool had no connection to give within its timeout, or one it gave was dead.
        return Transient(Dependency.DATABASE, _describe(error))
    if isinstance(error, asyncpg.exceptions.PostgresError | asyncpg.exceptions.InterfaceError):
        if _database_driver_error(error):
            return Transient(Dependency.DATABASE, _describe(error))
        return None
    if isinstance(
        error,
        aiormq.exceptions.AMQPConnectionError
        | aiormq.exceptions.ChannelInvalidStateError
        | aiormq.exceptions.ConnectionClosed,
    ):
        return Transient(Dependency.BROKER, _describe(error))
    if isinstance(error, OSError):  # refused, reset, aborted, timed out (TimeoutError)
        return Transient(Dependency.CONNECTION, _describe(error))
    return None


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
                log.debug("database probe failed", extra={"error": _describe(error)})
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
