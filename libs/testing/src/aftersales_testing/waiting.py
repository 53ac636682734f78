"""Waiting in tests without sleeping: poll until a condition holds, with a deadline, and
barriers that say a message has been consumed.

"Sleep, then check that nothing happened" proves nothing (the consumer may simply not
have got there yet). Wait for a barrier instead: ``consumed`` returns once a consumer has
recorded the message in its inbox, which it does in the same transaction as the
message's effect, so whatever the message did (or did not do) is visible afterwards.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales_kit.messaging_tables import inbox_message

T = TypeVar("T")


def _truthy(value: Any) -> bool:
    return bool(value)


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool] = _truthy,
    *,
    within: float = 30.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Call ``probe`` until ``until(value)`` holds (by default: the value is truthy) and
    return that value; fail with the last value seen once ``within`` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if until(value):
            return value
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached within {within}s; last value: {value!r}")
        await asyncio.sleep(interval)


async def consumed(
    sessionmaker: async_sessionmaker[AsyncSession],
    message_id: uuid.UUID,
    *,
    consumer: str | None = None,
    within: float = 30.0,
) -> None:
    """Return once the service whose database ``sessionmaker`` opens has applied (or
    skipped as a duplicate) the message ``message_id``: the barrier to wait for before
    asserting what the message changed, or that it changed nothing."""

    async def recorded() -> bool:
        statement = select(inbox_message.c.message_id).where(
            inbox_message.c.message_id == message_id
        )
        if consumer is not None:
            statement = statement.where(inbox_message.c.consumer.endswith(consumer))
        async with sessionmaker() as session:
            return (await session.execute(statement)).first() is not None

    await eventually(recorded, within=within, what=f"message {message_id} consumed")
