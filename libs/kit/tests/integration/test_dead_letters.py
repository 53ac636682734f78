"""Dead letters looked at and re-driven, against the real broker."""

from __future__ import annotations

import uuid

import aio_pika
import pytest

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.topology import EVENTS_EXCHANGE, QueueSpec
from aftersales_kit import dead_letters, dlq_cli
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.waiting import eventually

from ..conftest import RuntimeFactory
from ..support import handler_effect, queue_depth
from .test_inbox import CountingConsumer, Happened, effects, publish_raw

REDRIVE = QueueSpec("kit-test.redrive", EVENTS_EXCHANGE, ("kit_test.thing.happened",))

# The notes a "bug" makes the handler fail on; removing one is the fix being deployed.
BROKEN: set[str] = set()


async def record_unless_broken(uow: UnitOfWork, envelope: Envelope[Happened]) -> None:
    if envelope.payload.note in BROKEN:
        raise RuntimeError("a bug in the handler")
    await uow.session.execute(
        handler_effect.insert().values(
            message_id=envelope.message_id, consumer="kit-test", note=envelope.payload.note
        )
    )


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
    await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))
    channel = await amqp.channel()
    dlq = broker_prefix + REDRIVE.dead_letter_name
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == 1, what="dead letter")

    [letter] = await dead_letters.peek(infra.amqp_url, REDRIVE, broker_prefix)
    assert letter.message_id == str(envelope.message_id)
    assert (letter.reason, letter.message_type) == ("delivery_limit", Happened.TYPE)
    assert await queue_depth(channel, dlq) == 1  # looking leaves it there

    BROKEN.discard(note)
    assert await dead_letters.redrive(infra.amqp_url, REDRIVE, broker_prefix) == 1
    await eventually(lambda: effects(runtime, note), lambda n: n == 1, what="handled")
    assert await queue_depth(channel, dlq) == 0
    assert await dead_letters.redrive(infra.amqp_url, REDRIVE, broker_prefix) == 0
    await runtime.stop()


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
