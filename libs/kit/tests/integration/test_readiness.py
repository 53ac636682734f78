"""Readiness follows the consumers: a process whose consumer is gone is not ready."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.topology import EVENTS_EXCHANGE, QueueSpec
from aftersales_kit.inbox import Consumer
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.tcp_proxy import TcpProxy
from aftersales_testing.waiting import eventually

from ..conftest import RuntimeFactory


class Pinged(Message):
    TYPE = "kit_test.readiness.pinged"

    n: int


READINESS = QueueSpec("kit-test.readiness", EVENTS_EXCHANGE, (Pinged.TYPE,))


async def test_a_lost_consumer_makes_the_process_unready_until_it_is_back(
    make_runtime: RuntimeFactory, infra: Infrastructure
) -> None:
    target = urlsplit(infra.amqp_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5672)
    await proxy.start()
    netloc = target.netloc.rsplit("@", 1)
    auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
    url = urlunsplit((target.scheme, f"{auth}127.0.0.1:{proxy.port}", target.path or "/", "", ""))
    try:
        runtime = make_runtime(READINESS, amqp_url=url)
        seen: list[int] = []

        async def on_pinged(uow: UnitOfWork, envelope: Envelope[Pinged]) -> None:
            seen.append(envelope.payload.n)

        consumer = Consumer(READINESS, runtime.uow)
        consumer.on(Pinged, on_pinged)
        runtime.add_consumer(consumer)
        await runtime.start()
        assert (await runtime.readiness())["consumers"]

        proxy.cut()
        await eventually(
            runtime.readiness, lambda c: not c["consumers"], what="consumers to be lost"
        )
        proxy.restore()
        await eventually(
            runtime.readiness, lambda c: all(c.values()), within=90, what="readiness to return"
        )
        # And the restored consumer really consumes.
        async with runtime.uow() as uow:
            uow.publish(Pinged(n=7))
            await uow.commit()

        async def _seen() -> list[int]:
            return seen

        await eventually(_seen, lambda s: s == [7], what="the ping to be consumed")
    finally:
        await proxy.close()
