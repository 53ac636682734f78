"""HTTP send requests stored in groups: the requests in flight together share one
transaction (group commit), each answered as if it came alone.

A request costs the API a transaction of its own otherwise (begin, insert, quota, outbox,
commit: five round trips, a third of its CPU, bench/README.md). A request joins the group
being gathered; the first one starts it, and the group goes at the event loop's next turn
(the requests uvicorn parsed meanwhile are in it; a lone request waits for nothing). The
group's messages are decided, counted and stored by ``handlers.request_messages``, and
every request gets its own answer after the commit: its message, its repeat, or its
refusal (nothing of a refused one is stored). Whatever fails the group (a key taken by
another transaction meanwhile, a deadlock, the database) sends its requests one at a
time through ``handlers.request_message``, each in its own transaction, so no request
fails for another's sake. A key twice in one group: the second waits for the next group
and finds the first's message there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from opentelemetry import context as otel_context

from aftersales_contracts.notifications import SendMessage
from aftersales_kit.clock import Clock
from aftersales_kit.metrics import GROUPED_REQUESTS
from aftersales_kit.problems import Problem
from aftersales_kit.uow import UnitOfWork
from notifications.sending import handlers
from notifications.sending.handlers import Answer
from notifications.sending.schemas import MessageOut
from notifications.settings import Settings

log = logging.getLogger(__name__)

# A group's size: large enough for the requests a busy API has in flight.
MAX_GROUP = 32
# One group in flight while it goes well: the requests that arrive while it is stored
# are the next group, and that is what makes groups large. With 32 clients, four groups
# in flight made groups of 6 (1.4 ms of the API's CPU a request), two groups of 11 (1.1
# ms), one of 16 (1.0 ms) (bench/README.md). A group still in flight after
# STALLED_SECONDS is taken to wait for a lock (a customer's, while catalog's import is
# projected; a requester's quota row, while another replica counts): then the requests
# behind it form another group rather than wait with it, up to MAX_GROUPS_IN_FLIGHT.
STALLED_SECONDS = 0.05
MAX_GROUPS_IN_FLIGHT = 4


@dataclass
class _Request:
    cmd: SendMessage
    requested_by: str | None
    trace: otel_context.Context
    answer: asyncio.Future[tuple[MessageOut, bool]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    @property
    def key(self) -> tuple[str, str]:
        return self.cmd.requester, self.cmd.idempotency_key

    def settle(self, answer: Answer | BaseException) -> None:
        if self.answer.done():  # the client went away meanwhile
            return
        if isinstance(answer, BaseException):
            self.answer.set_exception(answer)
        else:
            self.answer.set_result(answer)


@contextlib.contextmanager
def _traced(trace: otel_context.Context) -> Iterator[None]:
    """The request's own trace while its message is made and what follows from it is
    written (the message's trace id, the commands' trace headers)."""
    token = otel_context.attach(trace)
    try:
        yield
    finally:
        otel_context.detach(token)


class SendGroups:
    """The API process's group commit of ``POST /messages``."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, settings: Settings) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._waiting: list[_Request] = []
        # Each runner and when its group began (the event loop's clock).
        self._runners: dict[asyncio.Task[None], float] = {}

    async def request(
        self, cmd: SendMessage, *, requested_by: str | None
    ) -> tuple[MessageOut, bool]:
        """Store, decide and queue one message as ``handlers.request_message`` does (with
        ``reject_invalid``), in the group in flight; its answer or its refusal."""
        request = _Request(cmd, requested_by, otel_context.get_current())
        self._waiting.append(request)
        # The first one waiting starts a group, unless a group in flight will take it
        # (runners take the waiting ones when their group is done).
        if len(self._waiting) == 1:
            self._start_runner()
        return await request.answer

    def _start_runner(self) -> None:
        """A runner for the waiting requests: the first one, or another one when every
        group in flight has stalled (and fewer than ``MAX_GROUPS_IN_FLIGHT`` are)."""
        if not self._waiting or len(self._runners) >= MAX_GROUPS_IN_FLIGHT:
            return
        now = asyncio.get_running_loop().time()
        if all(now - began >= STALLED_SECONDS for began in self._runners.values()):
            runner = asyncio.create_task(self._run(), name="send request groups")
            self._runners[runner] = now

    async def _run(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        loop = asyncio.get_running_loop()
        group: list[_Request] = []
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the requests parsed in this turn join
                group = self._next_group()
                if not group:
                    return  # another runner took them
                self._runners[me] = loop.time()
                # Requests still waiting then are not held by this group's lock wait.
                loop.call_later(STALLED_SECONDS, self._start_runner)
                try:
                    answers = await self._together(group)
                except Exception as error:
                    log.info(
                        "send request group applied one request at a time",
                        extra={"requests": len(group), "reason": type(error).__name__},
                    )
                    await self._one_by_one(group)
                else:
                    # What a group saves depends on how many it holds (bench/README.md).
                    GROUPED_REQUESTS.labels("send-messages").observe(len(group))
                    for request, answer in zip(group, answers, strict=True):
                        request.settle(answer)
        except BaseException as error:  # cancelled at shutdown: nobody is left waiting
            for request in [*group, *self._waiting]:
                request.settle(error)
            self._waiting.clear()
            raise
        finally:
            # Gone from the count at once (a done callback would run a turn later, and a
            # request arriving meanwhile could find every runner counted and none left).
            self._runners.pop(me, None)

    def _next_group(self) -> list[_Request]:
        """Up to ``MAX_GROUP`` waiting requests, a key at most once (a repeat waits for
        the next group, where its first's message is stored)."""
        group: list[_Request] = []
        keys: set[tuple[str, str]] = set()
        later: list[_Request] = []
        for request in self._waiting:
            if len(group) < MAX_GROUP and request.key not in keys:
                keys.add(request.key)
                group.append(request)
            else:
                later.append(request)
        self._waiting = later
        return group

    async def _together(self, group: list[_Request]) -> list[Answer]:
        async with self._uow() as uow:
            answers = await handlers.request_messages(
                [r.cmd for r in group],
                uow,
                now=self._clock.now(),
                sms_ready=self._settings.sms_configured,
                settings=self._settings,
                each=lambda index: _traced(group[index].trace),
                requested_by=[r.requested_by for r in group],
                reject_invalid=True,
            )
            await uow.commit()
        return answers

    async def _one_by_one(self, group: list[_Request]) -> None:
        for request in group:
            try:
                with _traced(request.trace):
                    async with self._uow() as uow:
                        answer: Answer = await handlers.request_message(
                            request.cmd,
                            uow,
                            now=self._clock.now(),
                            requested_by=request.requested_by,
                            reject_invalid=True,
                            sms_ready=self._settings.sms_configured,
                            settings=self._settings,
                        )
            except Problem as refused:
                answer = refused
            except Exception as error:
                request.settle(error)
                continue
            request.settle(answer)
