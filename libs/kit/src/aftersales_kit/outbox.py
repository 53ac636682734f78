"""The outbox relay: delivers committed outbox rows to RabbitMQ until the broker confirms.

Rows are taken with ``FOR UPDATE SKIP LOCKED``, so several processes of one service may
relay side by side. A row is marked published only after its publisher confirm; when
the broker is down, rows wait and the relay backs off, so nothing is lost across a
broker restart. The trace context stored with each row is restored around its publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from faststream.rabbit import RabbitBroker
from opentelemetry import propagate, trace
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales_kit.broker import exchange
from aftersales_kit.messaging_tables import outbox_message

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        broker: RabbitBroker,
        *,
        prefix: str = "",
        batch_size: int = 100,
        poll_seconds: float = 0.5,
        max_backoff_seconds: float = 30.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._broker = broker
        self._prefix = prefix
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._retention = retention
        # Set by a unit of work after it commits outbox rows: no need to wait for the poll.
        self.signal = asyncio.Event()
        self.healthy = True

    async def run(self) -> None:
        backoff = 0.1
        last_purge = datetime.min.replace(tzinfo=UTC)
        while True:
            try:
                published, failed = await self.relay_once()
            except Exception:
                log.exception("outbox relay failed")
                published, failed = 0, 1
            self.healthy = failed == 0
            if failed:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            backoff = 0.1
            if published == self._batch_size:
                continue
            if datetime.now(UTC) - last_purge > timedelta(hours=1):
                await self._purge()
                last_purge = datetime.now(UTC)
            self.signal.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.signal.wait(), self._poll_seconds)

    async def relay_once(self) -> tuple[int, int]:
        """Publish one batch; returns how many were confirmed and how many failed."""
        async with self._sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(outbox_message)
                    .where(outbox_message.c.published_at.is_(None))
                    .order_by(outbox_message.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0, 0
            # Pipelined: confirms for the whole batch are awaited together.
            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            now = datetime.now(UTC)
            confirmed = [row.id for row, r in zip(rows, results, strict=True) if r is None]
            if confirmed:
                await session.execute(
                    update(outbox_message)
                    .where(outbox_message.c.id.in_(confirmed))
                    .values(published_at=now, attempts=outbox_message.c.attempts + 1)
                )
            failures = [
                (row, r)
                for row, r in zip(rows, results, strict=True)
                if isinstance(r, BaseException)
            ]
            for row, error in failures:
                log.warning(
                    "outbox publish failed",
                    extra={"message_id": str(row.message_id), "error": repr(error)},
                )
                await session.execute(
                    update(outbox_message)
                    .where(outbox_message.c.id == row.id)
                    .values(attempts=outbox_message.c.attempts + 1, last_error=repr(error)[:2000])
                )
            return len(confirmed), len(failures)

    async def _publish(self, row: Row[Any]) -> None:
        stored: Mapping[str, str] = row.headers or {}
        context = propagate.extract(stored)
        with tracer.start_as_current_span(
            f"{row.routing_key} relay", context=context, kind=trace.SpanKind.INTERNAL
        ):
            headers: dict[str, Any] = dict(stored)
            propagate.inject(headers)
            await self._broker.publish(
                row.body,
                exchange=exchange(row.exchange, self._prefix),
                routing_key=row.routing_key,
                persist=True,
                mandatory=True,
                message_id=str(row.message_id),
                message_type=row.message_type,
                correlation_id=str(row.body.get("correlation_id") or row.message_id),
                headers=headers,
                content_type="application/json",
            )

    async def _purge(self) -> None:
        cutoff = datetime.now(UTC) - self._retention
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                delete(outbox_message).where(outbox_message.c.published_at < cutoff)
            )
