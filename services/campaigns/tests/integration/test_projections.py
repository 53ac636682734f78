"""Campaigns' projections fed through the real broker: catalog's customers, products,
serial items (owner and initial-order customer) and org units; the newest snapshot wins,
an older one arriving late changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import Table, select

from aftersales_contracts.catalog import (
    CustomerChanged,
    OrgUnitChanged,
    ProductChanged,
    SerialItemChanged,
    SerialItemOwnerChanged,
    SerialItemStatus,
)
from aftersales_contracts.envelope import Message
from aftersales_testing.builders import (
    customer_registered,
    org_unit_changed,
    product_registered,
    serial_item_registered,
)
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from campaigns import tables
from campaigns.settings import Settings

from .seed import runtime_of


class Feed:
    """Publishes catalog's events to campaigns' queue and reads what its projections hold."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.runtime = runtime_of(client)
        self.prefix = settings.broker_prefix

    async def publish(self, message: Message) -> uuid.UUID:
        envelope = await publish(self.runtime.broker, self.prefix, message)
        return envelope.message_id

    async def consumed(self, message_id: uuid.UUID) -> None:
        await consumed(self.runtime.sessionmaker, message_id)

    async def row(self, table: Table, row_id: uuid.UUID) -> dict[str, Any] | None:
        async with self.runtime.sessionmaker() as session:
            found = (await session.execute(select(table).where(table.c.id == row_id))).mappings()
            first = found.first()
            return None if first is None else dict(first)

    async def stored(self, table: Table, row_id: uuid.UUID) -> dict[str, Any]:
        row = await self.row(table, row_id)
        assert row is not None, f"no {table.name} {row_id}"
        return row

    async def version(self, table: Table, row_id: uuid.UUID, version: int) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            return await self.row(table, row_id)

        row = await eventually(
            probe,
            until=lambda r: r is not None and r["version"] == version,
            what=f"{table.name} {row_id} at version {version}",
        )
        assert row is not None
        return row


async def test_customers_with_org_unit_and_active_newest_wins(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    feed = Feed(client, settings)
    org_unit_id = uuid.uuid4()
    registered = customer_registered(org_unit_id=org_unit_id)
    await feed.publish(registered)
    row = await feed.version(tables.customer, registered.customer_id, 1)
    assert (row["customer_number"], row["name"]) == (registered.customer_number, "Ada Lovelace")
    assert (row["org_unit_id"], row["active"]) == (org_unit_id, True)

    changed = CustomerChanged(
        **registered.model_dump()
        | {"version": 3, "name": "Bageriet AB", "org_unit_id": None, "active": False}
    )
    await feed.publish(changed)
    row = await feed.version(tables.customer, registered.customer_id, 3)
    assert (row["name"], row["org_unit_id"], row["active"]) == ("Bageriet AB", None, False)

    # An older snapshot arriving late changes nothing.
    late = CustomerChanged(**registered.model_dump() | {"version": 2, "name": "Stale name"})
    await feed.consumed(await feed.publish(late))
    row = await feed.stored(tables.customer, registered.customer_id)
    assert (row["version"], row["name"], row["active"]) == (3, "Bageriet AB", False)


async def test_many_customers_and_items_at_once(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """An import's worth arrives together: every one lands (batched by the consumer), and
    several snapshots of one item in a batch leave the newest."""
    feed = Feed(client, settings)
    customers = [customer_registered() for _ in range(40)]
    items = [serial_item_registered(owner_customer_id=c.customer_id) for c in customers]
    for message in (*customers, *items):
        await feed.publish(message)
    first = items[0]
    for version in (4, 2, 3):
        await feed.publish(
            SerialItemChanged(**first.model_dump() | {"version": version, "name": f"v{version}"})
        )
    for customer in customers:
        await feed.version(tables.customer, customer.customer_id, 1)
    for item in items[1:]:
        await feed.version(tables.serial_item, item.serial_item_id, 1)
    await feed.version(tables.serial_item, first.serial_item_id, 4)


async def test_products_newest_wins(client: httpx.AsyncClient, settings: Settings) -> None:
    feed = Feed(client, settings)
    registered = product_registered(name="Heat pump")
    await feed.publish(registered)
    row = await feed.version(tables.product, registered.product_id, 1)
    assert (row["product_number"], row["name"]) == (registered.product_number, "Heat pump")

    await feed.publish(
        ProductChanged(**registered.model_dump() | {"version": 2, "name": "Heat pump XL"})
    )
    row = await feed.version(tables.product, registered.product_id, 2)
    assert row["name"] == "Heat pump XL"

    stale = ProductChanged(**registered.model_dump() | {"version": 1, "name": "Stale"})
    await feed.consumed(await feed.publish(stale))
    assert (await feed.stored(tables.product, registered.product_id))["name"] == "Heat pump XL"


async def test_serial_items_with_owner_initial_order_customer_and_status(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    feed = Feed(client, settings)
    owner, dealer, new_owner = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    org_unit_id = uuid.uuid4()
    registered = serial_item_registered(
        owner_customer_id=owner,
        initial_order_customer_id=dealer,
        org_unit_id=org_unit_id,
    )
    await feed.publish(registered)
    row = await feed.version(tables.serial_item, registered.serial_item_id, 1)
    assert row["serial_number"] == registered.serial_number
    assert (row["product_id"], row["product_number"]) == (
        registered.product_id,
        registered.product_number,
    )
    assert (row["owner_customer_id"], row["initial_order_customer_id"]) == (owner, dealer)
    assert (row["org_unit_id"], row["status"]) == (org_unit_id, "active")

    moved = SerialItemOwnerChanged(
        **registered.model_dump()
        | {"version": 2, "owner_customer_id": new_owner, "previous_owner_customer_id": owner}
    )
    await feed.publish(moved)
    row = await feed.version(tables.serial_item, registered.serial_item_id, 2)
    assert (row["owner_customer_id"], row["initial_order_customer_id"]) == (new_owner, dealer)

    retired = SerialItemChanged(
        **registered.model_dump()
        | {
            "version": 3,
            "owner_customer_id": new_owner,
            "initial_order_customer_id": None,
            "org_unit_id": None,
            "status": SerialItemStatus.SCRAPPED,
        }
    )
    await feed.publish(retired)
    row = await feed.version(tables.serial_item, registered.serial_item_id, 3)
    assert (row["initial_order_customer_id"], row["org_unit_id"]) == (None, None)
    assert row["status"] == SerialItemStatus.SCRAPPED.value

    # The owner change arriving again (a redelivery after the later change) moves nothing back.
    stale = SerialItemOwnerChanged(**moved.model_dump() | {"version": 2})
    await feed.consumed(await feed.publish(stale))
    row = await feed.stored(tables.serial_item, registered.serial_item_id)
    assert (row["version"], row["owner_customer_id"], row["status"]) == (
        3,
        new_owner,
        SerialItemStatus.SCRAPPED.value,
    )


async def test_org_units_newest_wins(client: httpx.AsyncClient, settings: Settings) -> None:
    feed = Feed(client, settings)
    parent = org_unit_changed()
    child = org_unit_changed(parent_id=parent.org_unit_id, name="North")
    await feed.publish(parent)
    await feed.publish(child)
    await feed.version(tables.org_unit, parent.org_unit_id, 1)
    row = await feed.version(tables.org_unit, child.org_unit_id, 1)
    assert (row["code"], row["name"], row["parent_id"]) == (
        child.code,
        "North",
        parent.org_unit_id,
    )
    assert row["time_zone"] == child.time_zone

    renamed = {"version": 2, "name": "North-East", "parent_id": None}
    await feed.publish(OrgUnitChanged(**child.model_dump() | renamed))
    row = await feed.version(tables.org_unit, child.org_unit_id, 2)
    assert (row["name"], row["parent_id"]) == ("North-East", None)

    stale = OrgUnitChanged(**child.model_dump() | {"version": 1, "name": "Old"})
    await feed.consumed(await feed.publish(stale))
    assert (await feed.stored(tables.org_unit, child.org_unit_id))["name"] == "North-East"
