"""An event no queue consumes yet is published and marked, never left to block the outbox."""

from __future__ import annotations

from sqlalchemy import select

from aftersales_contracts.envelope import Message
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.waiting import eventually

from ..conftest import RuntimeFactory


class NobodyListens(Message):
    TYPE = "kit_test.nobody.listens"

    n: int


async def test_an_event_without_consumers_does_not_block_the_outbox(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = make_runtime()
    async with runtime.uow() as uow:
        message_id = uow.publish(NobodyListens(n=1)).message_id
        await uow.commit()
    await runtime.start()

    async def published() -> bool:
        async with runtime.sessionmaker() as session:
            at = await session.scalar(
                select(outbox_message.c.published_at).where(
                    outbox_message.c.message_id == message_id
                )
            )
        return at is not None

    await eventually(published, lambda done: done, what="the unrouted event to be marked")
