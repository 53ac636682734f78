"""A sender's deliveries in flight and its database pool agree: while a batch of
deliveries holds its connections and talks to a (slow) SMTP server, readiness still gets
one at once and says the database is there."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import httpx
import pytest

from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.waiting import eventually
from notifications import sender
from notifications.delivery.domain import SmtpServer
from notifications.delivery.mime import ComposedEmail
from notifications.delivery.smtp import HandingOver, SmtpTransport
from notifications.settings import Settings

from .helpers import send_body, status_of


class _Slow(SmtpTransport):
    """Holds every send until ``go`` is set, counting those in flight."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.go = asyncio.Event()
        self.in_flight = 0

    async def send(
        self,
        email: ComposedEmail,
        recipients: Sequence[str],
        server: SmtpServer | None = None,
        *,
        handing_over: HandingOver | None = None,
    ) -> list[str]:
        self.in_flight += 1
        await self.go.wait()
        return await super().send(email, recipients, server, handing_over=handing_over)


async def test_readiness_answers_at_once_while_a_batch_in_flight_holds_its_connections(
    settings: Settings, client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    backlog = 32  # more than a batch takes
    transport = _Slow(settings)
    app = sender.build_app(settings, transport=transport)
    async with app.router.lifespan_context(app):
        # A backlog: more than a batch takes.
        ids = [
            (await client.post("/messages", json=send_body())).json()["id"] for _ in range(backlog)
        ]
        # The sender holds a prefetch of deliveries; a batch's first e-mail is at the
        # server (another batch's too, where the backlog made two), its transaction and
        # its attempts' commits holding connections.
        await eventually(
            lambda: _in_flight(transport), lambda n: n >= 1, what="a batch on its way out"
        )
        held: int = app.state.runtime.engine.pool.checkedout()
        assert held >= 1
        latencies = []
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://sender"
        ) as probe:
            for _ in range(20):
                started = time.perf_counter()
                ready = await probe.get("/readyz")
                latencies.append(time.perf_counter() - started)
                assert ready.status_code == 200, ready.text
        # Reported, not asserted (timing belongs in benchmarks): run with -s to see it.
        latencies.sort()
        print(
            f"\n/readyz with {held} connections held by a batch in flight: "
            f"median {latencies[10] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        )
        transport.go.set()
        for message_id in ids:
            await status_of(client, message_id, "sent")


async def _in_flight(transport: _Slow) -> int:
    return transport.in_flight


def test_a_sender_whose_pool_is_smaller_than_its_batches_need_does_not_start(
    settings: Settings,
) -> None:
    too_small = settings.model_copy(update={"sender_database_pool_size": 7})
    with pytest.raises(SystemExit, match="SENDER_DATABASE_POOL_SIZE is 7"):
        sender.build_app(too_small)
