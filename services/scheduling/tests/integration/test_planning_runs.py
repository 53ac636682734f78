"""Planning a service type in committed batches: the first batch with the type's event,
the rest by the planning loop, a new version starting over, unlinked items withdrawn at
the end, replicas sharing the work. The planner is driven step by step here (no
background loops, but the last test), on its own database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from aftersales_contracts.catalog import SerialItemRegistered
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from aftersales_kit.clock import FixedClock
from aftersales_kit.db import create_engine, create_sessionmaker
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.builders import serial_item_registered
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.waiting import eventually
from scheduling import projections, tables
from scheduling.context import Context
from scheduling.domain import CalloutState
from scheduling.main import build_app
from scheduling.planning import lock_planning
from scheduling.planning_rules import NOT_APPLICABLE_REASON
from scheduling.settings import Settings

from ..conftest import MIGRATIONS

TODAY = date(2026, 11, 23)
BATCH = 3


@pytest.fixture(scope="module")
def database_url(service_database: Callable[[str, Path | None], str]) -> str:
    return service_database("scheduling_planning", MIGRATIONS)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


class Replica:
    """One scheduling process's planner, with the database it shares with the others."""

    def __init__(self, engine: AsyncEngine) -> None:
        settings = Settings(database_url="unused", planning_batch_size=BATCH)
        self.sessions: async_sessionmaker[Any] = create_sessionmaker(engine)
        self.ctx = Context.create(settings, FixedClock(datetime(2026, 11, 23, 9, tzinfo=UTC)))

    async def handle(self, event: ServiceTypeChanged | SerialItemRegistered) -> None:
        async with UnitOfWork(self.sessions) as uow:
            if isinstance(event, ServiceTypeChanged):
                await projections.on_service_type_changed(self.ctx, uow, Envelope.wrap(event))
            else:
                await projections.on_serial_items(self.ctx, uow, [Envelope.wrap(event)])
            await uow.commit()

    async def continue_planning(self) -> bool:
        async with UnitOfWork(self.sessions) as uow:
            return await self.ctx.planner.continue_runs(uow)

    async def run_to_end(self) -> int:
        """Batches until no run waits; how many it planned."""
        batches = 0
        while await self.continue_planning():
            batches += 1
        return batches

    async def progress(self, service_type_id: uuid.UUID) -> tuple[int | None, uuid.UUID | None]:
        st = tables.service_type.c
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(st.planned_version, st.plan_cursor).where(st.id == service_type_id)
                )
            ).one()
        return row.planned_version, row.plan_cursor

    async def callouts(self, service_type_id: uuid.UUID) -> list[Any]:
        c = tables.callout.c
        async with self.sessions() as session:
            return list(
                (
                    await session.execute(
                        select(tables.callout)
                        .where(c.service_type_id == service_type_id)
                        .order_by(c.serial_item_id, c.occurrence)
                    )
                ).all()
            )


@pytest.fixture
def replica(engine: AsyncEngine) -> Replica:
    return Replica(engine)


def _type(products: list[uuid.UUID], *, version: int = 1, span: int = 0, **changes: Any) -> Any:
    type_id = changes.pop("service_type_id", None) or uuid.uuid4()
    return ServiceTypeChanged(
        service_type_id=type_id,
        version=version,
        system_name=f"annual-{type_id.hex[:8]}",
        display_name="Annual inspection",
        enabled=True,
        approval_method=ApprovalMethod.MANUAL,
        print_tag=None,
        steps=[
            StepDefinition(
                step_id=uuid.UUID(int=1),
                position=0,
                description="reminder",
                schedule=StepSchedule(kind="after", span=span, period="days"),
                initial=MessageSet(email_subject="Due"),
                on_completion=MessageSet(),
            )
        ],
        links=[
            ServiceLinkDefinition(
                main_product_id=p, apply_to_main_product=True, related_product_ids=[]
            )
            for p in products
        ],
        **changes,
    )


async def _items(replica: Replica, product_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    ids = sorted(uuid.uuid4() for _ in range(count))
    for n, item_id in enumerate(ids):
        await replica.handle(
            serial_item_registered(
                serial_item_id=item_id,
                serial_number=f"SN-{n}",
                product_id=product_id,
                startup_date=TODAY,
            )
        )
    return ids


async def test_a_type_is_planned_one_committed_batch_at_a_time(replica: Replica) -> None:
    product = uuid.uuid4()
    items = await _items(replica, product, 2 * BATCH + 1)
    service_type = _type([product])

    await replica.handle(service_type)
    # The event's transaction planned the first batch and left the rest to the loop.
    planned = {c.serial_item_id for c in await replica.callouts(service_type.service_type_id)}
    assert planned == set(items[:BATCH])
    assert await replica.progress(service_type.service_type_id) == (None, items[BATCH - 1])

    assert await replica.continue_planning() is True
    assert await replica.progress(service_type.service_type_id) == (None, items[2 * BATCH - 1])
    assert await replica.continue_planning() is True  # the last, short batch ends the run
    assert await replica.progress(service_type.service_type_id) == (1, None)
    assert await replica.continue_planning() is False

    callouts = await replica.callouts(service_type.service_type_id)
    assert [c.serial_item_id for c in callouts] == items
    assert {(c.scheduled_for, c.state) for c in callouts} == {
        (TODAY, CalloutState.AWAITING_APPROVAL)
    }


async def test_a_new_version_during_a_run_plans_every_item_again(replica: Replica) -> None:
    product = uuid.uuid4()
    items = await _items(replica, product, 2 * BATCH + 1)
    first = _type([product])
    await replica.handle(first)  # the first batch planned at the first version

    second = first.model_copy(update={"version": 2, "steps": _type([], span=10).steps})
    await replica.handle(second)
    assert await replica.progress(first.service_type_id) == (None, items[BATCH - 1])
    assert await replica.run_to_end() == 2

    callouts = await replica.callouts(first.service_type_id)
    # One callout per item, the first batch's moved rather than doubled.
    assert [c.serial_item_id for c in callouts] == items
    assert {c.scheduled_for for c in callouts} == {TODAY + timedelta(days=10)}
    assert await replica.progress(first.service_type_id) == (2, None)


async def test_the_end_of_a_run_withdraws_what_items_no_longer_linked_had_pending(
    replica: Replica, engine: AsyncEngine
) -> None:
    kept, dropped = uuid.uuid4(), uuid.uuid4()
    kept_items = await _items(replica, kept, BATCH + 1)
    dropped_items = await _items(replica, dropped, 2)
    first = _type([kept, dropped])
    await replica.handle(first)
    await replica.run_to_end()
    # One of the dropped product's callouts is history already: it must stay as it is.
    c = tables.callout.c
    async with create_sessionmaker(engine)() as session:
        await session.execute(
            update(tables.callout)
            .where(c.serial_item_id == dropped_items[0])
            .values(state=CalloutState.SENT)
        )
        await session.commit()

    await replica.handle(first.model_copy(update={"version": 2, "links": first.links[:1]}))
    await replica.run_to_end()

    by_item = {c.serial_item_id: c for c in await replica.callouts(first.service_type_id)}
    assert {by_item[i].state for i in kept_items} == {CalloutState.AWAITING_APPROVAL}
    assert by_item[dropped_items[0]].state == CalloutState.SENT
    assert by_item[dropped_items[1]].state == CalloutState.CANCELLED
    assert by_item[dropped_items[1]].error == NOT_APPLICABLE_REASON


async def test_a_disabled_type_withdraws_everything_pending_at_once(replica: Replica) -> None:
    product = uuid.uuid4()
    await _items(replica, product, 2 * BATCH + 1)
    first = _type([product])
    await replica.handle(first)
    await replica.run_to_end()

    await replica.handle(first.model_copy(update={"version": 2, "enabled": False}))
    # No run is left for the loop: the event's transaction did it all.
    assert await replica.progress(first.service_type_id) == (2, None)
    callouts = await replica.callouts(first.service_type_id)
    assert {c.state for c in callouts} == {CalloutState.CANCELLED}


async def test_replicas_share_runs_and_skip_a_type_another_one_is_planning(
    engine: AsyncEngine,
) -> None:
    one, two = Replica(engine), Replica(engine)
    product = uuid.uuid4()
    await _items(one, product, 2 * BATCH + 1)
    service_type = _type([product])
    await one.handle(service_type)

    # Replica one is in the middle of a batch of the type (holding its planning lock).
    async with UnitOfWork(one.sessions) as busy:
        await lock_planning(busy, [service_type.service_type_id])
        assert await two.continue_planning() is False
    # Lock released: replica two carries on from the cursor replica one left.
    assert await two.run_to_end() == 2
    assert await one.continue_planning() is False
    callouts = await one.callouts(service_type.service_type_id)
    assert len(callouts) == 2 * BATCH + 1


async def test_planning_twice_changes_nothing(replica: Replica, engine: AsyncEngine) -> None:
    product = uuid.uuid4()
    await _items(replica, product, BATCH + 1)
    service_type = _type([product])
    await replica.handle(service_type)
    await replica.run_to_end()
    before = await replica.callouts(service_type.service_type_id)

    # The same version again (a redelivery) is not newer: nothing is planned.
    await replica.handle(service_type)
    # Forcing a run over the same definition moves nothing either.
    st = tables.service_type.c
    async with create_sessionmaker(engine)() as session:
        await session.execute(
            update(tables.service_type)
            .where(st.id == service_type.service_type_id)
            .values(planned_version=None)
        )
        await session.commit()
    await replica.run_to_end()
    after = await replica.callouts(service_type.service_type_id)
    assert after == before
    async with create_sessionmaker(engine)() as session:
        workflows = await session.scalar(
            select(func.count())
            .select_from(tables.workflow)
            .where(tables.workflow.c.service_type_id == service_type.service_type_id)
        )
    assert workflows == BATCH + 1


async def test_an_item_registered_during_a_run_is_planned_once(replica: Replica) -> None:
    product = uuid.uuid4()
    items = await _items(replica, product, 2 * BATCH + 1)
    service_type = _type([product])
    await replica.handle(service_type)
    # Registered behind the cursor and ahead of it: the item's own event plans each
    # with the type's new version, and the run, reaching the second, changes nothing.
    late = await _items(replica, product, 2)
    assert await replica.run_to_end() >= 1

    callouts = await replica.callouts(service_type.service_type_id)
    assert sorted(c.serial_item_id for c in callouts) == sorted(items + late)


async def test_the_runs_in_progress_are_listed_with_how_far_they_are(
    replica: Replica,
    database_url: str,
    infra: Infrastructure,
    broker_prefix: str,
) -> None:
    product = uuid.uuid4()
    await _items(replica, product, 2 * BATCH + 1)
    service_type = _type([product])
    await replica.handle(service_type)
    settings = Settings(
        database_url=database_url,
        amqp_url=infra.amqp_url,
        broker_prefix=broker_prefix,
        planning_batch_size=BATCH,
        planning_interval_seconds=0.05,
    )
    app = build_app(settings, FixedClock(datetime(2026, 11, 23, 9, tzinfo=UTC)))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client,
    ):
        # Another replica holds the type's planning lock: this one's loop must wait.
        async with UnitOfWork(replica.sessions) as busy:
            await lock_planning(busy, [service_type.service_type_id])
            response = await client.get("/callouts/planning-runs")
            assert response.status_code == 200, response.text
            assert response.json() == [
                {
                    "service_type_id": str(service_type.service_type_id),
                    "display_name": "Annual inspection",
                    "version": 1,
                    "planned_version": None,
                    "items_planned": BATCH,
                    "items_total": 2 * BATCH + 1,
                }
            ]

        async def finished() -> bool:
            runs: list[Any] = (await client.get("/callouts/planning-runs")).json()
            return runs == []

        await eventually(finished, what="the planning loop finishing the run")
        metrics = (await client.get("/metrics")).text
    assert len(await replica.callouts(service_type.service_type_id)) == 2 * BATCH + 1
    # What an operator alerts on: runs waiting, batches planned and failed.
    assert "scheduling_planning_runs_waiting " in metrics
    assert 'scheduling_planning_batches_total{outcome="planned"}' in metrics


async def test_a_type_that_fails_to_plan_does_not_hold_up_the_others(
    replica: Replica, engine: AsyncEngine
) -> None:
    product = uuid.uuid4()
    await _items(replica, product, 2 * BATCH + 1)
    good = _type([product])
    await replica.handle(good)
    # A type whose stored definition cannot be read, first in the loop's order.
    broken = tables.service_type.c.id == uuid.UUID(int=1)
    async with create_sessionmaker(engine)() as session:
        await session.execute(
            tables.service_type.insert().values(
                id=uuid.UUID(int=1), version=1, definition={"not": "a service type"}
            )
        )
        await session.commit()
    try:
        with pytest.raises(ValidationError):
            await replica.continue_planning()
        # Backing off from the broken one, the loop plans the others to the end.
        assert await replica.run_to_end() == 2
        assert await replica.progress(good.service_type_id) == (1, None)
        assert len(await replica.callouts(good.service_type_id)) == 2 * BATCH + 1
    finally:
        async with create_sessionmaker(engine)() as session:
            await session.execute(tables.service_type.delete().where(broken))
            await session.commit()


async def test_runs_take_turns(replica: Replica) -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    one_items = await _items(replica, one, 3 * BATCH + 1)
    two_items = await _items(replica, two, 3 * BATCH + 1)
    first, second = _type([one]), _type([two])
    await replica.handle(first)
    await replica.handle(second)

    assert await replica.continue_planning() is True
    assert await replica.continue_planning() is True
    # One batch of each, whichever sorts first: neither waits for the other to finish.
    assert await replica.progress(first.service_type_id) == (None, one_items[2 * BATCH - 1])
    assert await replica.progress(second.service_type_id) == (None, two_items[2 * BATCH - 1])
    await replica.run_to_end()
