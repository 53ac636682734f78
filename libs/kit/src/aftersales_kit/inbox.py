"""Idempotent consumers: each message is applied once, in the same transaction as its mark.

A queue may carry several message types; a ``Consumer`` dispatches each by its
envelope ``type`` to a typed handler. The handler runs inside a unit of work that
first claims the message id in the inbox: a redelivered message finds its mark and is
acknowledged without being applied again. The broker ack follows the commit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from faststream.exceptions import RejectMessage
from pydantic import ValidationError

from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.topology import QueueSpec
from aftersales_kit.metrics import MESSAGE_SECONDS, MESSAGES
from aftersales_kit.uow import MessageContext, UnitOfWork

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)
Handler = Callable[[UnitOfWork, Envelope[M]], Awaitable[None]]
UnitOfWorkFactory = Callable[[MessageContext], UnitOfWork]


class _Route(Generic[M]):
    def __init__(self, message_cls: type[M], handler: Handler[M]) -> None:
        self.message_cls = message_cls
        self.handler = handler


class Consumer:
    def __init__(self, queue: QueueSpec, uow_factory: UnitOfWorkFactory) -> None:
        self.queue = queue
        self._uow_factory = uow_factory
        self._routes: dict[str, _Route[Any]] = {}

    def on(self, message_cls: type[M], handler: Handler[M]) -> None:
        self._routes[message_cls.TYPE] = _Route(message_cls, handler)

    @property
    def name(self) -> str:
        return self.queue.name

    async def __call__(self, body: dict[str, Any]) -> None:
        started = time.perf_counter()
        message_type = str(body.get("type"))
        try:
            outcome = await self._handle(body)
        except RejectMessage:
            outcome = "rejected"
            raise
        except BaseException:
            outcome = "failed"
            raise
        finally:
            known = message_type if message_type in self._routes else "unknown"
            MESSAGES.labels(self.queue.name, known, outcome).inc()
            MESSAGE_SECONDS.labels(self.queue.name).observe(time.perf_counter() - started)

    async def _handle(self, body: dict[str, Any]) -> str:
        """Apply one message; returns the outcome for the metrics."""
        route = self._routes.get(str(body.get("type")))
        if route is None:
            # The queue is bound only to types we handle; anything else is a newer
            # producer's addition and is ignored rather than dead-lettered.
            log.warning("ignoring message of unknown type", extra={"type": body.get("type")})
            return "ignored"
        try:
            envelope = Envelope[route.message_cls].model_validate(body)  # type: ignore[name-defined]
        except ValidationError as error:
            # No number of retries makes a malformed message valid: dead-letter it now.
            log.error("rejecting malformed message", extra={"errors": error.errors()})
            raise RejectMessage() from error
        if envelope.schema_version > route.message_cls.VERSION:
            log.error("rejecting message of unknown schema version")
            raise RejectMessage()
        context = MessageContext(
            correlation_id=envelope.correlation_id, causation_id=envelope.message_id
        )
        async with self._uow_factory(context) as uow:
            if not await uow.claim(envelope.message_id, self.queue.name, envelope.type):
                log.info(
                    "duplicate message skipped", extra={"message_id": str(envelope.message_id)}
                )
                return "duplicate"
            await route.handler(uow, envelope)
            await uow.commit()
        return "handled"
