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
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
from sqlalchemy import Select, Text, cast, delete, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aftersales_kit.messaging_tables import outbox_message
from aftersales_kit.metrics import OUTBOX_FAILURES, OUTBOX_PUBLISHED
from aftersales_kit.transient import Dependency, transient_cause

log = logging.getLogger(__name__)


def unpublished_batch(size: int) -> Select[Any]:
    """The relay's next batch: the oldest unpublished rows, locked, skipping those another
    relay holds. Ordered by the identity, read from the partial index on unpublished rows
    (``UNPUBLISHED_INDEX``), never a sort of all that wait. The body comes as PostgreSQL's
    text of it, published as it is (decoding it into dicts to encode it again cost a bulk
    import a tenth of its CPU), and the correlation id beside it."""
    m = outbox_message.c
    return (
        select(
            m.id,
            m.message_id,
            m.exchange,
            m.routing_key,
            m.message_type,
            m.headers,
            cast(m.body, Text).label("body_text"),
            m.body["correlation_id"].astext.label("correlation_id"),
        )
        .where(outbox_message.c.published_at.is_(None))
        .order_by(outbox_message.c.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )


class ConfirmingPublisher:
    """A dedicated AMQP channel with publisher confirms, for the relay alone.

    The relay publishes raw aio-pika messages rather than through FastStream: the rows are
    already serialized envelopes with their trace headers, and FastStream's per-message
    middleware and spans cost more than the publish itself (see bench/README.md).
    """

    def __init__(self, amqp_url: str) -> None:
        self._url = amqp_url
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        self._lock = asyncio.Lock()

    async def _exchange(self, name: str) -> aio_pika.abc.AbstractExchange:
        async with self._lock:
            if self._connection is None:
                self._connection = await aio_pika.connect_robust(self._url, timeout=10)
            if self._channel is None or self._channel.is_closed:
                # An unroutable message is returned and raises instead of being dropped.
                self._channel = await self._connection.channel(
                    publisher_confirms=True, on_return_raises=True
                )
                self._exchanges = {}
            if name not in self._exchanges:
                self._exchanges[name] = await self._channel.get_exchange(name, ensure=False)
            return self._exchanges[name]

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        message_type: str,
        correlation_id: str,
        headers: dict[str, Any],
        timeout: float,
        mandatory: bool,
    ) -> None:
        target = await self._exchange(exchange)
        await target.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id,
                type=message_type,
                correlation_id=correlation_id,
                headers=headers,
            ),
            routing_key=routing_key,
            mandatory=mandatory,
            timeout=timeout,
        )

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._channel = None


class OutboxRelay:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        amqp_url: str,
        *,
        prefix: str = "",
        routed: frozenset[tuple[str, str]] = frozenset(),
        batch_size: int = 100,
        poll_seconds: float = 0.5,
        max_backoff_seconds: float = 5.0,
        publish_timeout_seconds: float = 10.0,
        retention: timedelta = timedelta(days=7),
        service: str = "",
    ) -> None:
        self._sessionmaker = sessionmaker
        self._service = service
        self._publisher = ConfirmingPublisher(amqp_url)
        # (exchange, routing key) pairs some queue of the topology is bound to. Those are
        # published ``mandatory``: if the binding is missing the broker returns the message
        # and the row waits. An event nobody consumes yet is published plainly instead;
        # otherwise it would be returned forever and block the outbox behind it.
        self._routed = routed
        self._prefix = prefix
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._max_backoff = max_backoff_seconds
        self._publish_timeout = publish_timeout_seconds
        self._retention = retention
        # Set by a unit of work after it commits outbox rows: no need to wait for the poll.
        self.signal = asyncio.Event()
        self.healthy = True

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            await self._publisher.close()

    async def _run(self) -> None:
        backoff = 0.1
        last_purge = datetime.min.replace(tzinfo=UTC)
        outage: Dependency | None = None
        while True:
            try:
                published, failed = await self.relay_once()
            except Exception as error:
                published, failed = 0, 1
                cause = transient_cause(error)
                if cause is None:
                    log.exception("outbox relay failed")
                elif outage is not cause.dependency:
                    # Once per outage, without a traceback: the rows wait, nothing is lost.
                    outage = cause.dependency
                    log.warning("outbox relay waits: %s unreachable (%s)", outage, cause.detail)
            else:
                if outage is not None:
                    log.warning("outbox relay resumes: %s reachable again", outage)
                    outage = None
            OUTBOX_PUBLISHED.labels(self._service).inc(published)
            OUTBOX_FAILURES.labels(self._service).inc(failed)
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
            rows = (await session.execute(unpublished_batch(self._batch_size))).all()
            if not rows:
                return 0, 0
            # Pipelined: confirms for the whole batch are awaited together.
            results = await asyncio.gather(
                *(self._publish(row) for row in rows), return_exceptions=True
            )
            now = datetime.now(UTC)
            # A publish that returned was confirmed (Basic.Ack); a nack, a return of an
            # unroutable message, a timeout or a lost connection raise instead.
            confirmed = [
                row.id
                for row, r in zip(rows, results, strict=True)
                if not isinstance(r, BaseException)
            ]
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
        # The stored headers carry the traceparent of the transaction that wrote the row;
        # the consumer's span continues that trace.
        await self._publisher.publish(
            self._prefix + row.exchange,
            row.routing_key,
            row.body_text.encode(),
            message_id=str(row.message_id),
            message_type=row.message_type,
            correlation_id=row.correlation_id or str(row.message_id),
            headers=dict(row.headers or {}),
            timeout=self._publish_timeout,
            mandatory=(row.exchange, row.routing_key) in self._routed,
        )

    async def _purge(self) -> None:
        cutoff = datetime.now(UTC) - self._retention
        async with self._sessionmaker() as session, session.begin():
            await session.execute(
                delete(outbox_message).where(outbox_message.c.published_at < cutoff)
            )
