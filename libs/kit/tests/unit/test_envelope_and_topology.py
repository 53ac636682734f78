"""Pure checks of the envelope, the queue arguments and the unit of work's guard rails."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from aftersales_contracts.envelope import Envelope, Message, MessageKind
from aftersales_contracts.topology import (
    ALL_QUEUES,
    DEAD_LETTER_EXCHANGE,
    DELIVERY_LIMIT,
    EVENTS_EXCHANGE,
    QueueSpec,
)
from aftersales_kit.broker import dead_letter_queue, rabbit_queue
from aftersales_kit.uow import MessageContext, UnitOfWork


class Pinged(Message):
    TYPE = "kit_test.unit.pinged"
    VERSION = 2

    n: int


class Ping(Message):
    TYPE = "kit_test.unit.ping"
    KIND = MessageKind.COMMAND

    n: int


def _sessionmaker() -> async_sessionmaker[AsyncSession]:
    # Never connects: creating an engine does no I/O, and these tests never commit.
    return async_sessionmaker(create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none"))


def test_wrap_starts_a_conversation_that_correlates_with_itself() -> None:
    envelope = Envelope.wrap(Pinged(n=1))
    assert envelope.correlation_id == envelope.message_id
    assert envelope.causation_id is None
    assert envelope.type == "kit_test.unit.pinged"
    assert envelope.schema_version == 2
    assert envelope.occurred_at.tzinfo is not None
    assert Envelope.wrap(Pinged(n=1)).message_id != envelope.message_id


def test_wrap_passes_correlation_and_causation_through() -> None:
    correlation, causation = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 1, 31, 12, tzinfo=UTC)
    envelope = Envelope.wrap(
        Pinged(n=1), correlation_id=correlation, causation_id=causation, occurred_at=at
    )
    assert envelope.correlation_id == correlation
    assert envelope.causation_id == causation
    assert envelope.occurred_at == at


def test_envelope_round_trips_through_json() -> None:
    envelope = Envelope.wrap(Pinged(n=7))
    again = Envelope[Pinged].model_validate(envelope.to_json_dict())
    assert again == envelope


def test_queue_arguments_bound_redelivery_and_dead_letter_safely() -> None:
    spec = QueueSpec("kit-test.args", EVENTS_EXCHANGE, ("kit_test.unit.pinged",))
    arguments = spec.arguments("test-x.")
    assert arguments == {
        "x-queue-type": "quorum",
        # RabbitMQ 3.10 quorum queues have no default limit: a poison message would loop.
        "x-delivery-limit": DELIVERY_LIMIT,
        "x-dead-letter-exchange": "test-x." + DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": "test-x.kit-test.args",
        # at-least-once dead-lettering is only honoured together with reject-publish.
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    assert DELIVERY_LIMIT == 5
    assert spec.dead_letter_name == "kit-test.args.dlq"


def test_broker_queues_carry_the_spec_arguments_and_prefix() -> None:
    for spec in ALL_QUEUES:
        queue = rabbit_queue(spec, "p.")
        assert queue.name == "p." + spec.name
        assert queue.durable
        assert queue.arguments is not None
        assert queue.arguments["x-delivery-limit"] == DELIVERY_LIMIT
        assert queue.arguments["x-dead-letter-routing-key"] == "p." + spec.name
        dlq = dead_letter_queue(spec, "p.")
        assert dlq.name == "p." + spec.name + ".dlq"
        # The routing key of the binding is what the source queue dead-letters with.
        assert dlq.routing_key == queue.arguments["x-dead-letter-routing-key"]


def test_send_refuses_an_event() -> None:
    uow = UnitOfWork(_sessionmaker())
    with pytest.raises(TypeError, match="Pinged is not a command"):
        uow.send(Pinged(n=1))


def test_send_and_publish_stamp_the_message_context() -> None:
    context = MessageContext(correlation_id=uuid.uuid4(), causation_id=uuid.uuid4())
    uow = UnitOfWork(_sessionmaker(), context=context)
    command = uow.send(Ping(n=1))
    event = uow.publish(Pinged(n=2))
    for envelope in (command, event):
        assert envelope.correlation_id == context.correlation_id
        assert envelope.causation_id == context.causation_id
