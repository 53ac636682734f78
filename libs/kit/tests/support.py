"""Test helpers for the kit: a table handlers write, queue depths."""

from __future__ import annotations

from typing import TypeVar

import aio_pika
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.dialects.postgresql import UUID

T = TypeVar("T")

# A table that only the tests write: the visible effect of a handler.
test_metadata = MetaData()
handler_effect = Table(
    "kit_test_effect",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # Deliberately not unique on message_id: the inbox, not this table, must stop a repeat.
    Column("message_id", UUID(as_uuid=True), nullable=False),
    Column("consumer", String(200), nullable=False),
    Column("note", String(200), nullable=False),
)


async def queue_depth(channel: aio_pika.abc.AbstractChannel, name: str) -> int:
    """Messages ready in a queue (not the ones delivered and still unacknowledged)."""
    queue = await channel.declare_queue(name, passive=True)
    count = queue.declaration_result.message_count
    assert count is not None
    return int(count)
