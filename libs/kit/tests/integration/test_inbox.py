"""Consumers against the real broker and database: idempotence and dead-lettering."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import func, select

from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.topology import DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE, QueueSpec
from aftersales_kit.inbox import Consumer, OneByOne, Returned
from aftersales_kit.messaging_tables import inbox_message
from aftersales_kit.metrics import REGISTRY
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.waiting import eventually

from ..conftest import RuntimeFactory
from ..support import handler_effect, queue_depth


class Happened(Message):
    TYPE = "kit_test.thing.happened"

    note: str


DEDUPE = QueueSpec("kit-test.dedupe", EVENTS_EXCHANGE, ("kit_test.thing.happened",))
POISON = QueueSpec("kit-test.poison", EVENTS_EXCHANGE, ("kit_test.thing.happened",))
MALFORMED = QueueSpec("kit-test.malformed", EVENTS_EXCHANGE, ("kit_test.thing.happened",))


class CountingConsumer(Consumer):
    """The kit's consumer, counting the deliveries it finished (acked) and raised on."""

    def __init__(self, queue: QueueSpec, runtime: ServiceRuntime) -> None:
        super().__init__(queue, runtime.uow)
        self.finished = 0
        self.raised = 0

    async def receive(self, message: AbstractIncomingMessage) -> None:
        try:
            await super().receive(message)
        except BaseException:
            self.raised += 1
            raise
        self.finished += 1


async def record(uow: UnitOfWork, envelope: Envelope[Happened]) -> None:
    if envelope.payload.note == "poison":
        raise RuntimeError("this message can never be handled")
    await uow.session.execute(
        handler_effect.insert().values(
            message_id=envelope.message_id, consumer="kit-test", note=envelope.payload.note
        )
    )


async def publish_raw(
    amqp: aio_pika.abc.AbstractConnection, prefix: str, body: dict[str, Any], message_id: str
) -> None:
    """Publish as an outside producer would: persistent, confirmed, unroutable raises."""
    channel = await amqp.channel(publisher_confirms=True, on_return_raises=True)
    async with channel:
        exchange = await channel.get_exchange(prefix + EVENTS_EXCHANGE, ensure=False)
        await exchange.publish(
            aio_pika.Message(
                json.dumps(body).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id,
            ),
            routing_key=Happened.TYPE,
            mandatory=True,
        )


async def effects(runtime: ServiceRuntime, note: str) -> int:
    async with runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(handler_effect).where(handler_effect.c.note == note)
        )
    return int(count or 0)


async def start_consuming(
    make_runtime: RuntimeFactory, spec: QueueSpec
) -> tuple[ServiceRuntime, CountingConsumer]:
    runtime = make_runtime(spec)
    consumer = CountingConsumer(spec, runtime)
    consumer.on(Happened, record)
    runtime.add_consumer(consumer)
    await runtime.start()
    return runtime, consumer


async def test_a_message_delivered_twice_is_applied_once(
    make_runtime: RuntimeFactory, amqp: aio_pika.abc.AbstractConnection, broker_prefix: str
) -> None:
    runtime, consumer = await start_consuming(make_runtime, DEDUPE)
    note = f"twice-{uuid.uuid4().hex}"
    envelope = Envelope.wrap(Happened(note=note))

    # The same envelope (same message_id) twice, as a producer retrying after a lost
    # confirm would send it.
    for _ in range(2):
        await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))

    await eventually(lambda: _value(consumer.finished), lambda n: n >= 2, what="two deliveries")
    assert consumer.finished == 2
    assert consumer.raised == 0
    assert await effects(runtime, note) == 1
    async with runtime.sessionmaker() as session:
        marks = (
            await session.execute(
                select(inbox_message.c.consumer, inbox_message.c.message_type).where(
                    inbox_message.c.message_id == envelope.message_id
                )
            )
        ).all()
    assert [tuple(m) for m in marks] == [(DEDUPE.name, Happened.TYPE)]
    counted = {
        outcome: REGISTRY.get_sample_value(
            "aftersales_messages_total",
            {"queue": DEDUPE.name, "type": Happened.TYPE, "outcome": outcome},
        )
        for outcome in ("handled", "duplicate")
    }
    assert counted == {"handled": 1.0, "duplicate": 1.0}

    # Stopping the consumer returns any unacknowledged delivery to the queue, so an
    # empty queue afterwards means both deliveries were acknowledged.
    await runtime.stop()
    channel = await amqp.channel()
    assert await queue_depth(channel, broker_prefix + DEDUPE.name) == 0
    assert await queue_depth(channel, broker_prefix + DEDUPE.dead_letter_name) == 0


async def test_a_poison_message_is_dead_lettered_and_does_not_block_the_queue(
    make_runtime: RuntimeFactory, amqp: aio_pika.abc.AbstractConnection, broker_prefix: str
) -> None:
    runtime, consumer = await start_consuming(make_runtime, POISON)
    poison = Envelope.wrap(Happened(note="poison"))
    good = Envelope.wrap(Happened(note=f"good-{uuid.uuid4().hex}"))
    await publish_raw(amqp, broker_prefix, poison.to_json_dict(), str(poison.message_id))
    await publish_raw(amqp, broker_prefix, good.to_json_dict(), str(good.message_id))

    await eventually(lambda: effects(runtime, good.payload.note), lambda n: n == 1, what="good")
    channel = await amqp.channel()
    dlq = broker_prefix + POISON.dead_letter_name
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == 1, what="dead letter")

    # The first delivery plus redeliveries up to the limit, then the broker gave up.
    assert consumer.raised == 5 + 1
    assert consumer.finished == 1
    assert await effects(runtime, "poison") == 0

    dead = await (await channel.get_queue(dlq)).get(timeout=10)
    assert dead is not None
    assert dead.message_id == str(poison.message_id)
    assert dead.exchange == broker_prefix + DEAD_LETTER_EXCHANGE
    assert dead.routing_key == broker_prefix + POISON.name
    assert json.loads(dead.body)["payload"]["note"] == "poison"
    death = dead.headers["x-death"][0]  # type: ignore[index]
    assert death["reason"] == "delivery_limit"  # type: ignore[index,call-overload]
    assert death["queue"] == broker_prefix + POISON.name  # type: ignore[index,call-overload]
    await dead.ack()
    await runtime.stop()
    assert await queue_depth(channel, broker_prefix + POISON.name) == 0


def _bodies(good: Envelope[Happened]) -> dict[str, tuple[bytes, str]]:
    """Deliveries no retry can apply, each with the reason it must be dead-lettered for."""
    body = good.to_json_dict()
    no_version = {k: v for k, v in body.items() if k != "schema_version"}
    return {
        "not json": (b"{not json", "unparseable"),
        "not utf-8": (b"\xff\xfe\x00", "unparseable"),
        "a json list": (b"[1, 2]", "invalid envelope"),
        "no type": (
            json.dumps({k: v for k, v in body.items() if k != "type"}).encode(),
            "unknown type",
        ),
        "an unknown type": (json.dumps(body | {"type": "kit_test.other"}).encode(), "unknown type"),
        "a malformed envelope": (
            json.dumps(no_version | {"payload": {"note": 42}}).encode(),
            "invalid envelope",
        ),
        "a newer schema version": (
            json.dumps(body | {"schema_version": 99}).encode(),
            "unsupported schema version",
        ),
    }


async def publish_bytes(
    amqp: aio_pika.abc.AbstractConnection, prefix: str, body: bytes, message_id: str
) -> None:
    channel = await amqp.channel(publisher_confirms=True, on_return_raises=True)
    async with channel:
        exchange = await channel.get_exchange(prefix + EVENTS_EXCHANGE, ensure=False)
        await exchange.publish(
            aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id,
                headers={"x-producer": "outside"},
            ),
            routing_key=Happened.TYPE,
            mandatory=True,
        )


async def test_what_no_retry_can_apply_is_dead_lettered_at_once_with_its_reason(
    make_runtime: RuntimeFactory, amqp: aio_pika.abc.AbstractConnection, broker_prefix: str
) -> None:
    runtime, consumer = await start_consuming(make_runtime, MALFORMED)
    good = Envelope.wrap(Happened(note=f"after-bad-{uuid.uuid4().hex}"))
    bad = {n: (body, reason, str(uuid.uuid4())) for n, (body, reason) in _bodies(good).items()}
    for body, _, message_id in bad.values():
        await publish_bytes(amqp, broker_prefix, body, message_id)
    await publish_raw(amqp, broker_prefix, good.to_json_dict(), str(good.message_id))

    await eventually(lambda: effects(runtime, good.payload.note), lambda n: n == 1, what="good")
    channel = await amqp.channel()
    dlq = broker_prefix + MALFORMED.dead_letter_name
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == len(bad), what="dead")
    # Each on its first delivery, published to the dead-letter queue and acked: no
    # retries spent on what can never be applied, nothing raised (no traceback logged).
    assert (consumer.raised, consumer.finished) == (0, len(bad) + 1)
    queue = await channel.get_queue(dlq)
    seen: dict[str, tuple[bytes, str, str]] = {}
    for _ in bad:
        dead = await queue.get(timeout=10)
        assert dead is not None
        assert dead.headers["x-aftersales-queue"] == MALFORMED.name
        assert dead.headers["x-producer"] == "outside"  # the original headers kept
        assert "x-death" not in dead.headers  # not the broker's "failed N times"
        assert dead.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        seen[str(dead.message_id)] = (
            dead.body,
            str(dead.headers["x-aftersales-reason"]),
            str(dead.headers["x-aftersales-error"]),
        )
        await dead.ack()
    for name, (body, reason, message_id) in bad.items():
        assert seen[message_id][:2] == (body, reason), name
        assert seen[message_id][2], name  # a short text saying what is wrong
    expected = {
        "unparseable": 2.0,
        "unknown type": 2.0,
        "invalid envelope": 2.0,
        "unsupported schema version": 1.0,
    }
    dead_lettered = {
        reason: REGISTRY.get_sample_value(
            "aftersales_messages_dead_lettered_total", {"queue": MALFORMED.name, "reason": reason}
        )
        for reason in expected
    }
    assert dead_lettered == expected
    await runtime.stop()
    assert await queue_depth(channel, broker_prefix + MALFORMED.name) == 0


async def _value(n: int) -> int:
    return n


# --- batches -----------------------------------------------------------------------------

BATCHED = QueueSpec("kit-test.batched", EVENTS_EXCHANGE, ("kit_test.thing.happened",))
BATCHED_POISON = QueueSpec("kit-test.batched-poison", EVENTS_EXCHANGE, ("kit_test.thing.happened",))


class BatchRecorder:
    def __init__(self) -> None:
        self.sizes: list[int] = []

    async def __call__(self, uow: UnitOfWork, envelopes: list[Envelope[Happened]]) -> None:
        self.sizes.append(len(envelopes))
        for envelope in envelopes:
            await record(uow, envelope)


async def start_batching(
    make_runtime: RuntimeFactory, spec: QueueSpec
) -> tuple[ServiceRuntime, CountingConsumer, BatchRecorder]:
    runtime = make_runtime(spec)
    consumer = CountingConsumer(spec, runtime)
    recorder = BatchRecorder()
    consumer.on_batch(Happened, recorder)
    runtime.add_consumer(consumer)
    await runtime.start()
    return runtime, consumer, recorder


def handed_in(runtime: ServiceRuntime, recorder: BatchRecorder, **options: Any) -> Consumer:
    """A batching consumer of ``BATCHED`` whose deliveries a test hands in directly (the
    database only, no broker), recording its batches in ``recorder``."""
    consumer = Consumer(BATCHED, runtime.uow, **options)
    consumer.on_batch(Happened, recorder)
    return consumer


async def test_batched_messages_are_applied_together_once_each(
    make_runtime: RuntimeFactory, amqp: aio_pika.abc.AbstractConnection, broker_prefix: str
) -> None:
    run = uuid.uuid4().hex
    envelopes = [Envelope.wrap(Happened(note=f"batched-{run}-{i}")) for i in range(40)]
    # Published before the consumer starts: they arrive together, up to the prefetch.
    runtime = make_runtime(BATCHED)
    await runtime.start()
    await runtime.stop()
    for envelope in [*envelopes, envelopes[0]]:  # the first one twice, as a retry would
        await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))

    runtime, consumer, recorder = await start_batching(make_runtime, BATCHED)
    await eventually(lambda: _value(consumer.finished), lambda n: n >= 41, what="all acked")
    assert consumer.raised == 0
    for envelope in envelopes:
        assert await effects(runtime, envelope.payload.note) == 1
    assert sum(recorder.sizes) == 40
    assert max(recorder.sizes) > 1  # applied together, not one transaction each
    assert len(recorder.sizes) < 40
    await runtime.stop()
    # Every one acked at the broker: none comes back now that the channel is closed.
    channel = await amqp.channel()
    assert await queue_depth(channel, broker_prefix + BATCHED.name) == 0


async def test_a_poison_message_in_a_batch_fails_alone(
    make_runtime: RuntimeFactory, amqp: aio_pika.abc.AbstractConnection, broker_prefix: str
) -> None:
    run = uuid.uuid4().hex
    runtime = make_runtime(BATCHED_POISON)
    await runtime.start()
    await runtime.stop()
    good = [Envelope.wrap(Happened(note=f"neighbour-{run}-{i}")) for i in range(10)]
    poison = Envelope.wrap(Happened(note="poison"))
    for envelope in [*good[:5], poison, *good[5:]]:
        await publish_raw(amqp, broker_prefix, envelope.to_json_dict(), str(envelope.message_id))

    runtime, consumer, _ = await start_batching(make_runtime, BATCHED_POISON)
    channel = await amqp.channel()
    dlq = broker_prefix + BATCHED_POISON.dead_letter_name
    await eventually(lambda: queue_depth(channel, dlq), lambda n: n == 1, what="dead letter")
    # The batch failed, then each message was applied alone: the neighbours once each.
    for envelope in good:
        assert await effects(runtime, envelope.payload.note) == 1
    assert await effects(runtime, "poison") == 0
    assert consumer.raised == 5 + 1  # only the poison message: first try and redeliveries
    dead = await (await channel.get_queue(dlq)).get(timeout=10)
    assert dead is not None
    assert dead.message_id == str(poison.message_id)
    await dead.ack()
    await runtime.stop()
    # The neighbours acked around the nacks of the poison one: none comes back.
    assert await queue_depth(channel, broker_prefix + BATCHED_POISON.name) == 0


async def test_a_delivery_cancelled_while_it_waits_does_not_break_its_batch(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()  # the database only: deliveries are handed in directly
    recorder = BatchRecorder()
    consumer = handed_in(runtime, recorder, batch_wait_seconds=0.3)
    run = uuid.uuid4().hex
    stopped, kept = (Envelope.wrap(Happened(note=f"{k}-{run}")) for k in ("stopped", "kept"))
    cancelled = asyncio.create_task(consumer(stopped.to_json_dict()))
    waiting = asyncio.create_task(consumer(kept.to_json_dict()))
    await asyncio.sleep(0.05)
    cancelled.cancel()  # its handler task stopped (a channel closed) while it waited

    await waiting  # acked (it raised nothing): applied with its batch
    assert await effects(runtime, kept.payload.note) == 1
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    # Applied too (the redelivery of the unacked message will find the inbox mark).
    assert await effects(runtime, stopped.payload.note) == 1
    assert recorder.sizes == [2]


async def test_a_batch_applied_together_is_counted_in_the_batch_size_metric(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()  # the database only: deliveries are handed in directly
    consumer = handed_in(runtime, BatchRecorder(), batch_wait_seconds=0.3)
    labels = {"queue": BATCHED.name}

    def counted() -> tuple[float, float]:
        count = REGISTRY.get_sample_value("aftersales_batch_messages_count", labels) or 0.0
        total = REGISTRY.get_sample_value("aftersales_batch_messages_sum", labels) or 0.0
        return count, total

    before = counted()
    run = uuid.uuid4().hex
    notes = [Envelope.wrap(Happened(note=f"metric-{run}-{i}")) for i in range(3)]
    await asyncio.gather(*(consumer(n.to_json_dict()) for n in notes))
    after = counted()
    assert after[0] - before[0] == 1  # one batch
    assert after[1] - before[1] == 3  # of three messages


class BlockingRecorder(BatchRecorder):
    """Holds its first batch until told, recording the batches it is given meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.first_started = asyncio.Event()
        self.release_first = asyncio.Event()

    async def __call__(self, uow: UnitOfWork, envelopes: list[Envelope[Happened]]) -> None:
        first = not self.sizes
        await super().__call__(uow, envelopes)
        if first:
            self.first_started.set()
            await self.release_first.wait()


@pytest.mark.parametrize("concurrent", [1, 2])
async def test_a_second_batch_goes_while_the_first_waits_only_where_allowed(
    make_runtime: RuntimeFactory, concurrent: int
) -> None:
    runtime = make_runtime()  # the database only: deliveries are handed in directly
    recorder = BlockingRecorder()
    consumer = handed_in(runtime, recorder, batch_wait_seconds=0.01, concurrent_batches=concurrent)
    run = uuid.uuid4().hex
    first, second = (
        [Envelope.wrap(Happened(note=f"{k}-{run}-{i}")) for i in range(3)] for k in "ab"
    )
    applying = [asyncio.create_task(consumer(e.to_json_dict())) for e in first]
    await asyncio.wait_for(recorder.first_started.wait(), 10)
    following = [asyncio.create_task(consumer(e.to_json_dict())) for e in second]

    if concurrent == 2:
        # Applied and committed in a transaction of its own while the first still waits.
        await asyncio.wait_for(asyncio.gather(*following), 10)
        assert await effects(runtime, second[0].payload.note) == 1
        assert not any(task.done() for task in applying)
    else:
        await asyncio.sleep(0.3)
        assert not any(task.done() for task in following)
    recorder.release_first.set()
    await asyncio.wait_for(asyncio.gather(*applying, *following), 10)
    assert recorder.sizes == [3, 3]
    for envelope in [*first, *second]:
        assert await effects(runtime, envelope.payload.note) == 1


async def test_a_delivery_right_after_a_batch_is_not_left_without_a_flusher(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()  # the database only: deliveries are handed in directly
    consumer = handed_in(runtime, BatchRecorder(), batch_wait_seconds=0.01)
    # The moment after a flusher returned: its task is done, but its done-callback, which
    # forgets it, has not run yet (a delivery whose turn came first sees it still there).
    finished = asyncio.create_task(asyncio.sleep(0))
    await finished
    consumer._flushers.add(finished)
    envelope = Envelope.wrap(Happened(note=f"after-{uuid.uuid4().hex}"))
    await asyncio.wait_for(consumer(envelope.to_json_dict()), 10)
    assert await effects(runtime, envelope.payload.note) == 1


def test_a_consumer_applies_at_least_one_batch_at_a_time() -> None:
    with pytest.raises(ValueError, match="at least one batch"):
        Consumer(BATCHED, lambda context: None, concurrent_batches=0)  # type: ignore[arg-type,return-value]


class HappenedMany(Message):
    """A set event: many notes in one message."""

    TYPE = "kit_test.things.happened"

    notes: list[str]


class WeighingRecorder(BatchRecorder):
    """Records single and set messages alike, and each batch's messages by their type."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    async def __call__(self, uow: UnitOfWork, envelopes: list[Envelope[Any]]) -> None:
        self.batches.append([e.type for e in envelopes])
        for envelope in envelopes:
            payload = envelope.payload
            notes = payload.notes if isinstance(payload, HappenedMany) else [payload.note]
            for note in notes:
                await uow.session.execute(
                    handler_effect.insert().values(
                        message_id=envelope.message_id, consumer="kit-test", note=note
                    )
                )


async def test_a_set_message_weighs_what_it_carries_in_a_batch(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()  # the database only: deliveries are handed in directly
    consumer = Consumer(BATCHED, runtime.uow, batch_size=10, batch_wait_seconds=0.3)
    recorder = WeighingRecorder()
    consumer.on_batch(Happened, recorder)
    consumer.on_batch(HappenedMany, recorder, entities="notes")
    run = uuid.uuid4().hex

    def one(i: int) -> Envelope[Any]:
        return Envelope.wrap(Happened(note=f"one-{run}-{i}"))

    def many(first: int, count: int) -> Envelope[Any]:
        return Envelope.wrap(
            HappenedMany(notes=[f"many-{run}-{i}" for i in range(first, first + count)])
        )

    # 3 singles, a set of 12 (more than a batch), 4 singles and a set of 3.
    sent = [one(0), one(1), one(2), many(0, 12), one(3), one(4), one(5), one(6), many(12, 3)]
    tasks = [asyncio.create_task(consumer(e.to_json_dict())) for e in sent]
    await asyncio.gather(*tasks)

    single, group = Happened.TYPE, HappenedMany.TYPE
    assert recorder.batches == [
        [single] * 3,  # the set would have made it 15: it waits for the next batch
        [group],  # alone: it weighs more than a batch
        [single] * 4 + [group],  # 4 + 3 = 7 of 10
    ]
    for note in [f"one-{run}-{i}" for i in range(7)] + [f"many-{run}-{i}" for i in range(15)]:
        assert await effects(runtime, note) == 1
    # Delivered again (a redelivery after a lost ack): the inbox marks stop all of them.
    await asyncio.gather(*(consumer(e.to_json_dict()) for e in sent))
    assert await effects(runtime, f"many-{run}-0") == 1
    assert await effects(runtime, f"one-{run}-0") == 1


# --- a batch handler's own word on its messages --------------------------------------

RETURNED = QueueSpec("kit-test.returned", EVENTS_EXCHANGE, ("kit_test.thing.happened",))


async def _marked(runtime: ServiceRuntime, message_id: uuid.UUID) -> bool:
    async with runtime.sessionmaker() as session:
        found = await session.scalar(
            select(inbox_message.c.message_id).where(inbox_message.c.message_id == message_id)
        )
    return found is not None


async def test_a_message_its_batch_handler_returns_goes_back_unmarked_and_applies_later(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()  # the database only: deliveries are handed in directly
    consumer = Consumer(RETURNED, runtime.uow, batch_wait_seconds=0.2)
    run = uuid.uuid4().hex
    first, later, last = (Envelope.wrap(Happened(note=f"{k}-{run}")) for k in "abc")
    tries: list[uuid.UUID] = []
    counts: list[int] = []

    async def handler(
        uow: UnitOfWork, envelopes: list[Envelope[Happened]]
    ) -> dict[uuid.UUID, Returned]:
        returned: dict[uuid.UUID, Returned] = {}
        for envelope in envelopes:
            counts.append(consumer.delivery_count(envelope.message_id))
            if envelope.message_id == later.message_id and later.message_id not in tries:
                tries.append(later.message_id)
                # Its own work left out; the others' committed with the batch.
                returned[envelope.message_id] = Returned(RuntimeError("not now"), delay=0.05)
                continue
            await record(uow, envelope)
        return returned

    consumer.on_batch(Happened, handler)
    results = await asyncio.gather(
        *(consumer(e.to_json_dict()) for e in (first, later, last)), return_exceptions=True
    )
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], Returned)
    assert str(results[1]) == "not now"
    assert [await effects(runtime, e.payload.note) for e in (first, later, last)] == [1, 0, 1]
    assert await _marked(runtime, first.message_id)
    assert not await _marked(runtime, later.message_id)  # its redelivery is applied
    assert counts == [1, 1, 1]  # handed in directly: each a first delivery

    await consumer(later.to_json_dict())
    assert await effects(runtime, later.payload.note) == 1
    assert await _marked(runtime, later.message_id)


async def test_a_batch_handler_may_send_its_batch_one_message_at_a_time(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()
    consumer = Consumer(RETURNED, runtime.uow, batch_wait_seconds=0.2)
    sizes: list[int] = []

    async def handler(uow: UnitOfWork, envelopes: list[Envelope[Happened]]) -> None:
        sizes.append(len(envelopes))
        if len(envelopes) > 1:
            raise OneByOne("a case for one message at a time")
        await record(uow, envelopes[0])

    consumer.on_batch(Happened, handler)
    run = uuid.uuid4().hex
    envelopes = [Envelope.wrap(Happened(note=f"alone-{run}-{i}")) for i in range(3)]
    await asyncio.gather(*(consumer(e.to_json_dict()) for e in envelopes))
    assert sizes == [3, 1, 1, 1]
    for envelope in envelopes:
        assert await effects(runtime, envelope.payload.note) == 1


async def test_a_unit_of_work_serving_a_batch_publishes_on_behalf_of_each_message(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()
    cause = Envelope.wrap(Happened(note="cause"), correlation_id=uuid.uuid4())
    committed: list[str] = []
    async with runtime.uow() as uow:
        with uow.on_behalf_of(cause):
            caused = uow.publish(Happened(note="follows"))
        own = uow.publish(Happened(note="the batch's own"))
        uow.after_commit(lambda: committed.append("first"))
        await uow.rollback()  # a rolled-back transaction calls nothing
        uow.after_commit(lambda: committed.append("second"))
        await uow.commit()
    assert caused.correlation_id == cause.correlation_id
    assert caused.causation_id == cause.message_id
    assert own.causation_id is None
    assert committed == ["second"]
