"""Test helpers for the kit: a TCP proxy that can cut the broker off, polling, queue depths."""

from __future__ import annotations

import asyncio
import contextlib
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


class TcpProxy:
    """Forwards TCP connections to a target; ``cut`` drops them all and refuses new ones.

    It stands in for a broker outage without touching the RabbitMQ that every other
    test (and every other run) shares.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._open = True
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.accepted = 0
        self.refused = 0
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def cut(self) -> None:
        """Abort every forwarded connection at once and refuse new ones until ``restore``."""
        self._open = False
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    def restore(self) -> None:
        self._open = True

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._open:
            # Accept and drop at once: to the client this is a broker that is down.
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        self._transports.update((writer.transport, up_writer.transport))
        pumps = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        self._tasks.update(pumps)
        try:
            await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            self._tasks.difference_update(pumps)
            for w in (writer, up_writer):
                self._transports.discard(w.transport)
                w.transport.abort()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()
