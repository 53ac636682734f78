"""A consumer's positive acks, gathered: the deliveries applied in one turn of the event
loop acknowledged by one ``basic.ack`` with ``multiple`` where the channel allows it.

An ack per delivery is a frame, a write and a system call in the service, and a
settlement command on the broker (for a quorum queue, one more entry of its Raft log):
about 50 µs of RabbitMQ's CPU a delivery, where an ack for twenty costs it 20 a delivery
(``bench/consumer_acks.py``). A batch consumer applies twenty deliveries in one
transaction and settles them in the same turn, so their acks can be one.

``multiple`` acknowledges every unsettled delivery of the channel up to its tag (which
must itself be unsettled), so it is used only up to the highest tag of the turn below
which every delivery of the channel is known settled (acked now or before, or nacked or
rejected apart) — known from the tags alone, which a channel numbers 1, 2, 3… in the
order it delivers; a delivery still being applied, or not yet seen, keeps everything
above it to single acks. Nothing waits for a lower delivery to finish: an ack is
written in the turn its delivery was applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiormq.abc import AbstractChannel


@dataclass
class DeliveryTags:
    """What is known settled of one channel's deliveries: every tag up to ``low``, and
    the ones in ``above`` (pure, no I/O)."""

    low: int = 0
    above: set[int] = field(default_factory=set)

    def settled_apart(self, tag: int) -> None:
        """A delivery nacked or rejected on its own."""
        self._settle([tag])

    def acks(self, tags: Iterable[int]) -> tuple[int | None, list[int]]:
        """How to acknowledge ``tags``: the tag of one ``multiple`` ack (None: none), and
        the tags to acknowledge one by one (above a delivery not known settled)."""
        tags = sorted(set(tags))
        self._settle(tags)
        covered = [tag for tag in tags if tag <= self.low]
        # The broker finds a multiple ack's own tag among the unacknowledged deliveries
        # ("unknown delivery tag" otherwise): the highest of these, not ``low`` itself.
        multiple = covered[-1] if covered else None
        return multiple, [tag for tag in tags if tag > self.low]

    def _settle(self, tags: Iterable[int]) -> None:
        self.above.update(tag for tag in tags if tag > self.low)
        while self.low + 1 in self.above:
            self.low += 1
            self.above.discard(self.low)


class ChannelAcks:
    """The acks of one channel's deliveries: ``ack`` returns once the ack that covers
    the delivery is written (with the others applied in the same loop turn)."""

    def __init__(self, channel: AbstractChannel) -> None:
        self.channel = channel
        self._tags = DeliveryTags()
        self._pending: list[int] = []
        self._written: asyncio.Future[None] | None = None
        # One flush at a time: a multiple ack written before a single ack of a tag it
        # covers would acknowledge that tag twice (the broker closes the channel).
        self._lock = asyncio.Lock()
        # The loop keeps only weak references to tasks: a flush in flight is held here.
        self._flushes: set[asyncio.Future[None]] = set()

    async def ack(self, delivery_tag: int) -> None:
        self._pending.append(delivery_tag)
        if self._written is None:
            loop = asyncio.get_running_loop()
            self._written = loop.create_future()
            loop.call_soon(self._start_flush)
        # Shielded: one caller cancelled does not cancel the others' ack.
        await asyncio.shield(self._written)

    def settled_apart(self, delivery_tag: int) -> None:
        """A delivery nacked or rejected on its own, once that is written (before, an ack
        covering its tag could go out first and settle it twice)."""
        self._tags.settled_apart(delivery_tag)

    def _start_flush(self) -> None:
        written, self._written = self._written, None
        pending, self._pending = self._pending, []
        assert written is not None
        task = asyncio.ensure_future(self._flush(pending))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)
        task.add_done_callback(lambda done: _pass_on(done, written))

    async def _flush(self, tags: list[int]) -> None:
        async with self._lock:
            multiple, singles = self._tags.acks(tags)
            if multiple is not None:
                await self.channel.basic_ack(multiple, multiple=True)
            for tag in singles:
                await self.channel.basic_ack(tag)


def _pass_on(task: asyncio.Future[None], written: asyncio.Future[None]) -> None:
    if task.cancelled():
        written.cancel()
    elif (error := task.exception()) is not None:
        written.set_exception(error)
        written.exception()  # retrieved here: every ack awaiting it raises it anyway
    else:
        written.set_result(None)
