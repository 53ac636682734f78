"""Field work's projections fed through the real broker: catalog's customers, serial items
and org units, servicetypes' service types; the newest snapshot wins, and a serial item's
new installation address moves its open orders (and only those)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Table, insert, select

from aftersales_contracts.catalog import (
    Contact,
    CustomerChanged,
    InstallationAddress,
    ProductChanged,
    SerialItemChanged,
    SerialItemOwnerChanged,
)
from aftersales_contracts.envelope import Message
from aftersales_contracts.servicetypes import ApprovalMethod, ServiceTypeChanged
from aftersales_testing.builders import (
    customer_registered,
    org_unit_changed,
    product_registered,
    serial_item_registered,
    unique,
)
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from fieldwork import tables
from fieldwork.settings import Settings

from .seed import runtime_of

ADDRESS = InstallationAddress(
    street="Drottninggatan 1",
    postal_code="111 51",
    city="Stockholm",
    country="SE",
    latitude=59.3326,
    longitude=18.0649,
)
MOVED = InstallationAddress(
    street="Kungsgatan 2",
    postal_code="111 43",
    city="Stockholm",
    country="SE",
    latitude=59.3360,
    longitude=18.0630,
)


class Feed:
    """Publishes catalog's and servicetypes' events to field work's queues and reads what
    its projections hold."""

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


async def test_customers_with_contacts_and_newest_wins(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    feed = Feed(client, settings)
    org_unit_id = uuid.uuid4()
    contact = Contact(
        contact_id=uuid.uuid4(),
        name="Sven Svensson",
        email="sven@example.com",
        mobile="+46701234567",
        receive_booking_confirmations=True,
    )
    registered = customer_registered(
        language="sv",
        mobiles=["+46709876543"],
        contacts=[contact],
        org_unit_id=org_unit_id,
    )
    await feed.publish(registered)
    row = await feed.version(tables.customer, registered.customer_id, 1)
    assert row["customer_number"] == registered.customer_number
    assert (row["language"], row["org_unit_id"], row["active"]) == ("sv", org_unit_id, True)
    assert row["emails"] == [str(e) for e in registered.emails]
    assert row["mobiles"] == ["+46709876543"]
    assert row["contacts"] == [contact.model_dump(mode="json")]

    changed = CustomerChanged(
        **registered.model_dump()
        | {"version": 3, "name": "Bageriet AB", "contacts": [], "active": False}
    )
    await feed.publish(changed)
    row = await feed.version(tables.customer, registered.customer_id, 3)
    assert (row["name"], row["contacts"], row["active"]) == ("Bageriet AB", [], False)

    # An older snapshot arriving late changes nothing.
    late = CustomerChanged(**registered.model_dump() | {"version": 2, "name": "Stale name"})
    await feed.consumed(await feed.publish(late))
    row = await feed.stored(tables.customer, registered.customer_id)
    assert (row["version"], row["name"]) == (3, "Bageriet AB")


async def test_many_customers_at_once(client: httpx.AsyncClient, settings: Settings) -> None:
    """An import's worth arrives together: every one lands (batched by the consumer)."""
    feed = Feed(client, settings)
    customers = [customer_registered() for _ in range(40)]
    for customer in customers:
        await feed.publish(customer)
    for customer in customers:
        await feed.version(tables.customer, customer.customer_id, 1)


async def test_serial_items_and_newest_wins(client: httpx.AsyncClient, settings: Settings) -> None:
    feed = Feed(client, settings)
    org_unit_id = uuid.uuid4()
    item = serial_item_registered(org_unit_id=org_unit_id, installation_address=ADDRESS)
    await feed.publish(item)
    row = await feed.version(tables.serial_item, item.serial_item_id, 1)
    assert (row["serial_number"], row["product_number"], row["product_name"]) == (
        item.serial_number,
        item.product_number,
        item.product_name,
    )
    assert (row["owner_customer_id"], row["org_unit_id"], row["status"]) == (
        item.owner_customer_id,
        org_unit_id,
        "active",
    )
    assert row["installation_address"] == ADDRESS.model_dump(mode="json")

    new_owner = uuid.uuid4()
    owner_changed = SerialItemOwnerChanged(
        **item.model_dump()
        | {
            "version": 2,
            "owner_customer_id": new_owner,
            "previous_owner_customer_id": item.owner_customer_id,
        }
    )
    await feed.publish(owner_changed)
    row = await feed.version(tables.serial_item, item.serial_item_id, 2)
    assert row["owner_customer_id"] == new_owner

    scrapped = SerialItemChanged(
        **owner_changed.model_dump(exclude={"previous_owner_customer_id"})
        | {"version": 4, "status": "scrapped", "installation_address": None}
    )
    await feed.publish(scrapped)
    row = await feed.version(tables.serial_item, item.serial_item_id, 4)
    assert (row["status"], row["installation_address"]) == ("scrapped", None)

    late = SerialItemChanged(**item.model_dump() | {"version": 3, "name": "Stale"})
    await feed.consumed(await feed.publish(late))
    row = await feed.stored(tables.serial_item, item.serial_item_id)
    assert (row["version"], row["name"], row["owner_customer_id"]) == (4, item.name, new_owner)


async def test_org_units_and_service_types(client: httpx.AsyncClient, settings: Settings) -> None:
    feed = Feed(client, settings)
    parent = org_unit_changed(time_zone="Europe/Stockholm")
    child = org_unit_changed(parent_id=parent.org_unit_id, name="Uppsala")
    await feed.publish(parent)
    await feed.publish(child)
    row = await feed.version(tables.org_unit, child.org_unit_id, 1)
    assert (row["code"], row["name"], row["time_zone"], row["parent_id"]) == (
        child.code,
        "Uppsala",
        "Europe/Vienna",
        parent.org_unit_id,
    )
    renamed = child.model_copy(update={"version": 2, "name": "Uppsala north"})
    await feed.publish(renamed)
    await feed.version(tables.org_unit, child.org_unit_id, 2)
    await feed.consumed(await feed.publish(child))  # version 1 again: too old
    row = await feed.stored(tables.org_unit, child.org_unit_id)
    assert row["name"] == "Uppsala north"

    # The projected tree is the one restricted callers are scoped by: the parent's admin
    # may place a technician in the child unit.
    restricted = {
        "X-Aftersales-User": "branch-admin",
        "X-Aftersales-Roles": "admin",
        "X-Aftersales-Org-Units": parent.code,
    }
    placed = await client.post(
        "/technicians",
        json={"name": "T", "org_unit_id": str(child.org_unit_id)},
        headers=restricted,
    )
    assert placed.status_code == 201, placed.text

    service_type = ServiceTypeChanged(
        service_type_id=uuid.uuid4(),
        version=2,
        system_name=unique("annual-"),
        display_name="Annual inspection",
        enabled=True,
        approval_method=ApprovalMethod.AUTOMATIC,
        print_tag=None,
        steps=[],
        links=[],
    )
    await feed.publish(service_type)
    row = await feed.version(tables.service_type, service_type.service_type_id, 2)
    assert row["name"] == "Annual inspection"
    older = service_type.model_copy(update={"version": 1, "display_name": "Old name"})
    await feed.consumed(await feed.publish(older))
    newer = service_type.model_copy(update={"version": 3, "display_name": "Yearly inspection"})
    await feed.publish(newer)
    row = await feed.version(tables.service_type, service_type.service_type_id, 3)
    assert row["name"] == "Yearly inspection"


async def _order(
    feed: Feed, serial_item_id: uuid.UUID, stage: str, location: dict[str, Any] | None
) -> uuid.UUID:
    """An order row written straight into the table, with the case it belongs to."""
    now = datetime(2026, 11, 30, 7, tzinfo=UTC)
    case_id, order_id = uuid.uuid4(), uuid.uuid4()
    async with feed.runtime.uow() as uow:
        await uow.session.execute(
            insert(tables.service_case).values(
                id=case_id,
                version=1,
                number=unique("SC-"),
                name="Oven repair",
                created_at=now,
                updated_at=now,
            )
        )
        await uow.session.execute(
            insert(tables.service_order).values(
                id=order_id,
                version=5,
                number=unique("SO-"),
                case_id=case_id,
                serial_item_id=serial_item_id,
                location=location,
                stage=stage,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.commit()
    return order_id


async def test_a_new_installation_address_moves_the_open_orders(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    feed = Feed(client, settings)
    item = serial_item_registered(installation_address=ADDRESS)
    await feed.publish(item)
    await feed.version(tables.serial_item, item.serial_item_id, 1)
    at_old = ADDRESS.model_dump(mode="json")
    new_order = await _order(feed, item.serial_item_id, "new", at_old)
    planned = await _order(feed, item.serial_item_id, "planned", None)
    completed = await _order(feed, item.serial_item_id, "completed", at_old)
    cancelled = await _order(feed, item.serial_item_id, "cancelled", at_old)
    elsewhere = await _order(feed, uuid.uuid4(), "new", at_old)

    moved = SerialItemChanged(**item.model_dump() | {"version": 2, "installation_address": MOVED})
    await feed.consumed(await feed.publish(moved))
    at_new = MOVED.model_dump(mode="json")
    for order_id, location in (
        (new_order, at_new),
        (planned, at_new),
        (completed, at_old),
        (cancelled, at_old),
        (elsewhere, at_old),
    ):
        row = await feed.stored(tables.service_order, order_id)
        assert row["location"] == location, order_id
        # Nothing else of the order moved: no new version, no new updated_at.
        assert (row["version"], row["updated_at"]) == (5, datetime(2026, 11, 30, 7, tzinfo=UTC))

    # An older snapshot moves nothing back; an item without an address leaves the place.
    await feed.consumed(await feed.publish(item))
    gone = SerialItemChanged(**item.model_dump() | {"version": 3, "installation_address": None})
    await feed.consumed(await feed.publish(gone))
    for order_id in (new_order, planned):
        row = await feed.stored(tables.service_order, order_id)
        assert row["location"] == at_new


async def test_products_and_newest_wins(client: httpx.AsyncClient, settings: Settings) -> None:
    feed = Feed(client, settings)
    registered = product_registered()
    await feed.publish(registered)
    row = await feed.version(tables.product, registered.product_id, 1)
    assert (row["product_number"], row["name"]) == (registered.product_number, registered.name)
    renamed = ProductChanged(**(registered.model_dump() | {"version": 2, "name": "Pump XL"}))
    await feed.publish(renamed)
    await feed.version(tables.product, registered.product_id, 2)
    await feed.consumed(await feed.publish(registered))  # version 1 again: too old
    row = await feed.stored(tables.product, registered.product_id)
    assert row["name"] == "Pump XL"
