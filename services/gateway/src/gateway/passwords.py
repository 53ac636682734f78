"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile),
and the bound on how much of it runs at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
T = TypeVar("T")

# Verified against when the username is unknown, so that a wrong username costs as much
# time as a wrong password and the answer time does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """False for a wrong password, a malformed hash, or no account (``None``)."""
    try:
        _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses weaker parameters than the current ones."""
    return bool(_hasher.check_needs_rehash(password_hash))


class PasswordWorkBusy(Exception):
    """No slot for password work came free within the wait."""


class _Hold:
    """One slot held by one task; released when the task leaves ``slot()`` or, if the task
    was cancelled while its hash ran, when the thread is done (it cannot be stopped)."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._pending: asyncio.Future[Any] | None = None

    def release(self) -> None:
        if self._pending is None:
            self._slots.release()
        else:
            self._pending.add_done_callback(lambda _: self._slots.release())

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        future = asyncio.ensure_future(asyncio.to_thread(fn, *args))
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            self._pending = future
            raise


# The slot the current task holds, if any: a task inside ``slot()`` hashes on it rather
# than asking for a second one (it would wait for itself).
_held: ContextVar[_Hold | None] = ContextVar("password_slot", default=None)


class PasswordWork:
    """Argon2 off the event loop, at most ``concurrency`` hashes at once.

    Each hash takes ~64 MiB and a quarter of a CPU-second: unbounded, a flood of sign-ins
    (each one a thread of the default executor) ate the gateway's memory and starved every
    other request. A caller waits at most ``wait_seconds`` for a slot, then
    ``PasswordWorkBusy``: better a prompt 503 than a queue that grows without end."""

    def __init__(self, concurrency: int = 2, wait_seconds: float = 5.0) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._wait_seconds = wait_seconds
        self.waiting = 0  # tasks waiting for a slot now

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[_Hold]:
        """Hold a slot: the hashing done inside runs on it (a sign-in re-reads its
        throttle inside, so that a lockout earned while it waited still counts)."""
        held = _held.get()
        if held is not None:
            yield held
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self._wait_seconds):
                await self._slots.acquire()
        except TimeoutError:
            raise PasswordWorkBusy() from None
        finally:
            self.waiting -= 1
        hold = _Hold(self._slots)
        token = _held.set(hold)
        try:
            yield hold
        finally:
            _held.reset(token)
            hold.release()

    async def hash(self, password: str) -> str:
        async with self.slot() as hold:
            return await hold.run(hash_password, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        async with self.slot() as hold:
            return await hold.run(verify_password, password_hash, password)
