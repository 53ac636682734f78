"""Dead letters looked at and re-driven, against the real broker."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aio_pika
import pytest

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.topology import ALL_QUEUES, EVENTS_EXCHANGE, QueueSpec
from aftersales_kit import dead_letters, dlq_cli
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.waiting import eventually

from ..conftest import RuntimeFactory
from ..support import handler_effect, queue_depth
from .test_inbox import (
    CountingConsumer,
    Happened,
    HappenedMany,
    effects,
    publish_bytes,
    publish_raw,
)

REDRIVE = QueueSpec("kit-test.redrive", EVENTS_EXCHANGE, ("kit_test.thing.happened",))
UNPARSEABLE = QueueSpec("kit-test.redrive-unparseable", EVENTS_EXCHANGE, (Happened.TYPE,))

# The notes a "bug" makes the handler fail on; removing one is the fix being deployed.
BROKEN: set[str] = set()


async def record_unless_broken(uow: UnitOfWork, envelope: Envelope[Happened]) -> None:
    await _record(uow, envelope.message_id, envelope.payload.note)


async def _record(uow: UnitOfWork, message_id: uuid.UUID, note: str) -> None:
    if note in BROKEN:
        raise RuntimeError("a bug in the handler")
    await uow.session.execute(
        handler_effect.insert().values(message_id=message_id, consumer="kit-test", note=note)
    )


async def _published_until_dead(
    amqp: aio_pika.abc.AbstractConnection, prefix: str, spec: QueueSpec, envelope: Envelope[Any]
) -> tuple[aio_pika.abc.AbstractChannel, str]:
    """Publish ``envelope`` and wait for one dead letter in ``spec``'s queue: the channel
    the depth was read on, and the dead-letter queue's name."""
    await publish_raw(amqp, prefix, envelope.to_json_dict(), str(envelope.message_id))
    channel = await amqp.channel()
    dlq = prefix + spec.dead_letter_name
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == 1, what="dead letter")
    return channel, dlq


async def test_a_dead_letter_is_shown_then_redriven_once_the_cause_is_mended(
    make_runtime: RuntimeFactory,
    amqp: aio_pika.abc.AbstractConnection,
    broker_prefix: str,
    infra: Infrastructure,
) -> None:
    runtime = make_runtime(REDRIVE)
    consumer = CountingConsumer(REDRIVE, runtime)
    consumer.on(Happened, record_unless_broken)
    runtime.add_consumer(consumer)
    await runtime.start()
    note = f"mend-me-{uuid.uuid4().hex}"
    BROKEN.add(note)
    envelope = Envelope.wrap(Happened(note=note))
    channel, dlq = await _published_until_dead(amqp, broker_prefix, REDRIVE, envelope)

    [letter] = await dead_letters.peek(infra.amqp_url, REDRIVE, broker_prefix)
    assert letter.message_id == str(envelope.message_id)
    assert (letter.reason, letter.message_type) == ("delivery_limit", Happened.TYPE)
    assert (letter.deaths, letter.redrives) == (1, 0)
    assert letter.queue == broker_prefix + REDRIVE.name
    # Looking leaves it there: peek's closed channel gives the message back to the queue,
    # which the broker's count shows a moment later.
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == 1, what="left in place")

    # Re-driven before the fix: it dies again, and shows both deaths and the re-drive.
    assert await dead_letters.redrive(infra.amqp_url, REDRIVE, broker_prefix) == 1
    await eventually(
        lambda: dead_letters.peek(infra.amqp_url, REDRIVE, broker_prefix),
        lambda letters: len(letters) == 1 and letters[0].deaths == 2,
        what="a second death",
    )
    [letter] = await dead_letters.peek(infra.amqp_url, REDRIVE, broker_prefix)
    assert (letter.reason, letter.deaths, letter.redrives) == ("delivery_limit", 2, 1)

    BROKEN.discard(note)
    assert await dead_letters.redrive(infra.amqp_url, REDRIVE, broker_prefix) == 1
    await eventually(lambda: effects(runtime, note), lambda n: n == 1, what="handled")
    assert await queue_depth(channel, dlq) == 0
    assert await dead_letters.redrive(infra.amqp_url, REDRIVE, broker_prefix) == 0
    await runtime.stop()


async def test_a_consumers_dead_letter_keeps_its_reason_and_history_through_a_redrive(
    make_runtime: RuntimeFactory,
    amqp: aio_pika.abc.AbstractConnection,
    broker_prefix: str,
    infra: Infrastructure,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime = make_runtime(UNPARSEABLE)
    consumer = CountingConsumer(UNPARSEABLE, runtime)
    consumer.on(Happened, record_unless_broken)
    runtime.add_consumer(consumer)
    await runtime.start()
    message_id = str(uuid.uuid4())
    await publish_bytes(amqp, broker_prefix, b"{truncated", message_id)
    channel = await amqp.channel()
    dlq = broker_prefix + UNPARSEABLE.dead_letter_name
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == 1, what="dead letter")

    args = dlq_cli.parse_args(
        ["--amqp-url", infra.amqp_url, "--prefix", broker_prefix, "show", UNPARSEABLE.name]
    )
    assert await dlq_cli.run(args, (*ALL_QUEUES, UNPARSEABLE)) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert header.startswith("message_id\ttype\treason\tdeaths")
    fields = line.split("\t")
    assert fields[0] == message_id
    assert fields[2:6] == ["unparseable", "died 1x", "redriven 0x", UNPARSEABLE.name]
    assert fields[6].startswith("not JSON")
    assert fields[7] == "{truncated"

    # Re-driven as it is (an operator's mistake): the consumer dead-letters it again;
    # the first death is kept in the history and counted.
    assert await dead_letters.redrive(infra.amqp_url, UNPARSEABLE, broker_prefix) == 1
    await eventually(
        lambda: dead_letters.peek(infra.amqp_url, UNPARSEABLE, broker_prefix),
        lambda letters: len(letters) == 1 and letters[0].deaths == 2,
        what="a second death",
    )
    [letter] = await dead_letters.peek(infra.amqp_url, UNPARSEABLE, broker_prefix)
    assert (letter.reason, letter.deaths, letter.redrives) == ("unparseable", 2, 1)
    dead = await (await channel.get_queue(dlq)).get(timeout=10)
    assert dead is not None
    history: Any = dead.headers["x-aftersales-history"]
    assert [entry["reason"] for entry in history] == ["unparseable"]
    assert dead.headers["x-aftersales-redrives"] == 1
    await dead.ack()
    assert consumer.raised == 0  # never nacked: each time dead-lettered at once
    await runtime.stop()


# Bound by the key ``publish_raw`` publishes with; the consumer goes by the envelope's type.
SETS = QueueSpec("kit-test.sets", EVENTS_EXCHANGE, (Happened.TYPE,))


async def record_notes_unless_broken(
    uow: UnitOfWork, envelopes: list[Envelope[HappenedMany]]
) -> None:
    for envelope in envelopes:
        for note in envelope.payload.notes:
            await _record(uow, envelope.message_id, note)


async def test_a_set_that_fails_is_halved_until_its_poison_entity_dies_alone(
    make_runtime: RuntimeFactory,
    amqp: aio_pika.abc.AbstractConnection,
    broker_prefix: str,
    infra: Infrastructure,
) -> None:
    runtime = make_runtime(SETS)
    consumer = CountingConsumer(SETS, runtime)
    consumer.on_batch(
        HappenedMany,
        record_notes_unless_broken,
        entities="notes",
    )
    runtime.add_consumer(consumer)
    await runtime.start()
    run = uuid.uuid4().hex
    notes = [f"set-{run}-{i}" for i in range(8)]
    BROKEN.add(notes[5])
    envelope = Envelope.wrap(HappenedMany(notes=notes))
    channel, dlq = await _published_until_dead(amqp, broker_prefix, SETS, envelope)

    # Only the entity the handler fails on died, in a set of one; the other seven were
    # applied, each once, in the halves and quarters the set came back as.
    [letter] = await dead_letters.peek(infra.amqp_url, SETS, broker_prefix)
    assert letter.reason == "delivery_limit"
    died = json.loads(letter.body)
    assert died["payload"]["notes"] == [notes[5]]
    assert died["correlation_id"] == str(envelope.correlation_id)
    for note in notes:
        assert await effects(runtime, note) == (0 if note == notes[5] else 1)

    # The fix deployed and the letter re-driven: the entity is applied, once.
    BROKEN.discard(notes[5])
    assert await dead_letters.redrive(infra.amqp_url, SETS, broker_prefix) == 1
    await eventually(lambda: effects(runtime, notes[5]), lambda n: n == 1, what="applied")
    assert await queue_depth(channel, dlq) == 0


def test_a_redrive_keeps_the_brokers_history_and_drops_the_delivery_count() -> None:
    death = {"queue": "q", "reason": "delivery_limit", "count": 1}
    headers = {"x-death": [death], "x-delivery-count": 5, "traceparent": "00-ab-cd-01"}
    assert dead_letters.redriven_headers(headers) == {
        "x-death": [death],
        "traceparent": "00-ab-cd-01",
        "x-aftersales-redrives": 1,
    }
    again = dead_letters.redriven_headers(
        {"x-aftersales-redrives": 1, "x-aftersales-reason": "unknown type", "x-death": [death]}
    )
    assert again == {
        "x-death": [death],
        "x-aftersales-history": [{"reason": "unknown type"}],
        "x-aftersales-redrives": 2,
    }


def test_the_command_line_names_an_unknown_queue(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        dlq_cli.main(["redrive", "no.such-queue"])
    assert exit_.value.code == 2
    assert "no queue named 'no.such-queue'" in capsys.readouterr().err


async def test_the_command_line_lists_depths(
    make_runtime: RuntimeFactory,
    infra: Infrastructure,
    broker_prefix: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    runtime = make_runtime()
    await runtime.start()  # declares the whole topology
    await runtime.stop()
    args = dlq_cli.parse_args(["--amqp-url", infra.amqp_url, "--prefix", broker_prefix, "list"])
    assert await dlq_cli.run(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "notifications.email-deliveries.dlq\t0" in lines
    assert lines[-1].startswith("total\t")
