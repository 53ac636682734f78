"""Scheduling's "create service order" command through the broker: one order per callout,
prefilled from the callout; a command whose customer or serial item has not arrived
waits and is opened once they have."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from aftersales_contracts.fieldwork import OpenServiceOrder
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from fieldwork import tables
from fieldwork.settings import Settings

from .seed import World, runtime_of, seed_world

SO = tables.service_order.c


def _command(world: World, **changes: Any) -> OpenServiceOrder:
    values: dict[str, Any] = {
        "callout_id": uuid.uuid4(),
        "customer_id": world.customer_id,
        "serial_item_id": world.item_id,
        "service_type_id": world.service_type_id,
        "service_type_name": "Annual inspection",
        "org_unit_id": world.org_unit_id,
        "description": "Annual inspection: 1st reminder",
        "requested_by": "olle",
    }
    return OpenServiceOrder.model_validate(values | changes)


async def _send(client: httpx.AsyncClient, settings: Settings, command: OpenServiceOrder) -> None:
    runtime = runtime_of(client)
    envelope = await publish(runtime.broker, settings.broker_prefix, command)
    await consumed(runtime.sessionmaker, envelope.message_id)


async def _orders_of(client: httpx.AsyncClient, callout_id: uuid.UUID) -> list[Any]:
    async with runtime_of(client).sessionmaker() as session:
        return list(
            (
                await session.execute(
                    select(tables.service_order).where(SO.callout_id == callout_id)
                )
            ).all()
        )


async def _waiting(client: httpx.AsyncClient, callout_id: uuid.UUID) -> Any:
    w = tables.waiting_callout_order
    async with runtime_of(client).sessionmaker() as session:
        return (await session.execute(select(w).where(w.c.callout_id == callout_id))).first()


async def _created_events(client: httpx.AsyncClient, order_id: uuid.UUID) -> list[dict[str, Any]]:
    async with runtime_of(client).sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body).where(
                    outbox_message.c.message_type == "fieldwork.order.created",
                    outbox_message.c.body["payload"]["order"]["order_id"].astext == str(order_id),
                )
            )
        ).all()
    return [b["payload"] for b in bodies]


async def test_the_command_opens_an_order_prefilled_from_the_callout(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client)
    command = _command(world)
    await _send(client, settings, command)
    [order] = await _orders_of(client, command.callout_id)
    assert (order.customer_id, order.serial_item_id, order.service_type_id) == (
        world.customer_id,
        world.item_id,
        world.service_type_id,
    )
    assert (order.org_unit_id, order.description) == (
        world.org_unit_id,
        "Annual inspection: 1st reminder",
    )
    assert (order.stage, order.status, order.created_by) == ("new", None, "olle")
    assert order.service_object_ids == [world.item_id]
    # The serial item's installation address is the location.
    assert order.location["city"] == "Stockholm"
    assert order.location["latitude"] == 59.3326
    # What scheduling hears: the order, with its callout.
    [created] = await _created_events(client, order.id)
    assert created["order"]["callout_id"] == str(command.callout_id)
    assert created["order"]["number"] == order.number
    assert created["changed_by"] == "olle"
    shown = await client.get(f"/service-orders/{order.id}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["callout_id"] == str(command.callout_id)
    assert await _waiting(client, command.callout_id) is None


async def test_a_repeat_or_redelivery_opens_nothing_new(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client)
    command = _command(world)
    await _send(client, settings, command)
    [order] = await _orders_of(client, command.callout_id)
    # The same command again (a new message: the inbox does not know it), and another
    # asking for a different description: still the one order, unchanged, no new event.
    await _send(client, settings, command)
    await _send(client, settings, _command(world, callout_id=command.callout_id, description="x"))
    [again] = await _orders_of(client, command.callout_id)
    assert (again.id, again.version, again.description) == (
        order.id,
        order.version,
        order.description,
    )
    assert len(await _created_events(client, order.id)) == 1


async def test_an_unknown_service_type_or_org_unit_is_left_out(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client)
    command = _command(world, service_type_id=uuid.uuid4(), org_unit_id=uuid.uuid4())
    await _send(client, settings, command)
    [order] = await _orders_of(client, command.callout_id)
    # No type; the serial item's org unit.
    assert (order.service_type_id, order.org_unit_id) == (None, world.org_unit_id)


async def test_an_order_waits_for_its_customer_and_serial_item(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World()  # not in field work's projections yet
    command = _command(world)
    await _send(client, settings, command)
    assert await _orders_of(client, command.callout_id) == []
    waiting = await _waiting(client, command.callout_id)
    assert waiting is not None
    assert waiting.waiting_for == (f"customer {world.customer_id}, serial item {world.item_id}")
    # A repeat while it waits: still one waiting row, counted.
    await _send(client, settings, command)
    assert (await _waiting(client, command.callout_id)).attempts == 2
    assert await _orders_of(client, command.callout_id) == []

    # Catalog's events arrive (here: the projections are written): the loop opens it.
    await seed_world(client, world)

    async def opened() -> list[Any]:
        return await _orders_of(client, command.callout_id)

    [order] = await eventually(opened, what="the waiting order opened")
    assert (order.customer_id, order.serial_item_id, order.created_by) == (
        world.customer_id,
        world.item_id,
        "olle",
    )
    assert await _waiting(client, command.callout_id) is None
    assert len(await _created_events(client, order.id)) == 1


async def test_an_order_waits_for_a_serial_item_alone(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    world = await seed_world(client)
    late_item = uuid.uuid4()
    command = _command(world, serial_item_id=late_item)
    await _send(client, settings, command)
    waiting = await _waiting(client, command.callout_id)
    assert waiting is not None
    assert waiting.waiting_for == f"serial item {late_item}"
    async with runtime_of(client).sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(tables.service_order)
            .where(SO.callout_id == command.callout_id)
        )
    assert count == 0
