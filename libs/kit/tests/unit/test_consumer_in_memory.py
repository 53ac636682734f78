"""The consumer's dispatch through FastStream's in-memory broker: no RabbitMQ, no
PostgreSQL. The inbox is an in-memory stand-in here; its real claim (and the broker's
redelivery and dead-lettering) are tested against the real services in
tests/integration/test_inbox.py and test_dead_letters.py."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, Self

import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker

from aftersales_contracts.catalog import CustomerRegistered
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.topology import QueueSpec
from aftersales_kit.broker import exchange, rabbit_queue
from aftersales_kit.inbox import Consumer
from aftersales_kit.uow import MessageContext, UnitOfWork
from aftersales_testing.builders import customer_registered

QUEUE = QueueSpec("kit.in-memory", "aftersales.events", (CustomerRegistered.TYPE,))


class MemoryUnitOfWork(UnitOfWork):
    """Claims in a set shared by every unit of work; commits only flip a flag."""

    def __init__(self, claimed: set[tuple[str, uuid.UUID]], commits: list[MessageContext]) -> None:
        self._claimed = claimed
        self._commits = commits
        self._context_seen = MessageContext()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def claim(self, message_id: uuid.UUID, consumer: str, message_type: str) -> bool:
        if (consumer, message_id) in self._claimed:
            return False
        self._claimed.add((consumer, message_id))
        return True

    async def commit(self) -> None:
        self._commits.append(self._context_seen)


class Harness:
    def __init__(self) -> None:
        self.claimed: set[tuple[str, uuid.UUID]] = set()
        self.commits: list[MessageContext] = []
        self.applied: list[CustomerRegistered] = []
        self.broker = RabbitBroker("amqp://in-memory/")
        self.consumer = Consumer(QUEUE, self._uow)
        self.consumer.on(CustomerRegistered, self._apply)
        self.broker.subscriber(rabbit_queue(QUEUE), exchange(QUEUE.exchange))(
            self.consumer.__call__
        )

    def _uow(self, context: MessageContext) -> UnitOfWork:
        uow = MemoryUnitOfWork(self.claimed, self.commits)
        uow._context_seen = context
        return uow

    async def _apply(self, uow: UnitOfWork, envelope: Envelope[CustomerRegistered]) -> None:
        if envelope.payload.name == "poison":
            raise RuntimeError("this message can never be applied")
        self.applied.append(envelope.payload)

    async def deliver(self, broker: RabbitBroker, body: dict[str, Any]) -> None:
        await broker.publish(body, queue=rabbit_queue(QUEUE), exchange=exchange(QUEUE.exchange))


def _body(payload: CustomerRegistered) -> dict[str, Any]:
    return Envelope.wrap(payload).to_json_dict()


async def test_a_message_is_applied_once_however_often_it_is_delivered() -> None:
    harness = Harness()
    body = _body(customer_registered())
    async with TestRabbitBroker(harness.broker) as broker:
        await harness.deliver(broker, body)
        await harness.deliver(broker, body)
    assert [c.customer_id for c in harness.applied] == [uuid.UUID(body["payload"]["customer_id"])]
    # The handler's unit of work runs on behalf of the message it applies.
    assert harness.commits == [
        MessageContext(
            correlation_id=uuid.UUID(body["correlation_id"]),
            causation_id=uuid.UUID(body["message_id"]),
        )
    ]


async def test_a_message_that_is_not_its_type_is_rejected_without_being_applied() -> None:
    harness = Harness()
    body = _body(customer_registered())
    del body["payload"]["customer_number"]
    async with TestRabbitBroker(harness.broker) as broker:
        await harness.deliver(broker, body)
    assert harness.applied == []
    assert harness.claimed == set()


async def test_a_failing_handler_commits_nothing_and_lets_the_error_out() -> None:
    harness = Harness()
    async with TestRabbitBroker(harness.broker) as broker:
        with pytest.raises(RuntimeError, match="never be applied"):
            await harness.deliver(broker, _body(customer_registered(name="poison")))
    assert harness.commits == []
