"""Rows written straight into campaigns' projections (org units, customers, products,
serial items), as catalog's events would leave them: tests of campaigns and cases need
them to exist, not to arrive. The consumers themselves are tested through the broker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.runtime import ServiceRuntime
from campaigns import tables


def runtime_of(client: httpx.AsyncClient) -> ServiceRuntime:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def as_user(username: str, *roles: str, org_units: list[str] | None = None) -> dict[str, str]:
    """The identity headers the gateway would forward for this user."""
    headers = {"X-Aftersales-User": username, "X-Aftersales-Roles": ",".join(roles)}
    if org_units is not None:
        headers["X-Aftersales-Org-Units"] = ",".join(org_units)
    return headers


@dataclass
class World:
    """One test's own org unit, product, owner customer, initial-order customer and
    ``items`` serial items (serial numbers unique to the test, ``SN-<tag>-<i>``), each
    owned by ``owner_id`` and first ordered by ``order_customer_id``."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    org_unit_id: uuid.UUID = field(default_factory=uuid.uuid4)
    org_unit_code: str = field(default_factory=lambda: "ou-" + uuid.uuid4().hex[:8])
    product_id: uuid.UUID = field(default_factory=uuid.uuid4)
    owner_id: uuid.UUID = field(default_factory=uuid.uuid4)
    order_customer_id: uuid.UUID = field(default_factory=uuid.uuid4)
    item_ids: list[uuid.UUID] = field(default_factory=list)

    def serial(self, i: int) -> str:
        return f"SN-{self.tag}-{i}"


async def seed_world(client: httpx.AsyncClient, items: int = 3) -> World:
    world = World()
    async with runtime_of(client).uow() as uow:
        s = uow.session
        await s.execute(
            insert(tables.org_unit).values(
                id=world.org_unit_id,
                version=1,
                code=world.org_unit_code,
                name="North",
                time_zone="Europe/Stockholm",
                parent_id=None,
            )
        )
        for customer_id, name in (
            (world.owner_id, "Owner AB"),
            (world.order_customer_id, "Dealer AB"),
        ):
            await s.execute(
                insert(tables.customer).values(
                    id=customer_id,
                    version=1,
                    customer_number="C-" + customer_id.hex[:6],
                    name=name,
                    org_unit_id=world.org_unit_id,
                )
            )
        await s.execute(
            insert(tables.product).values(
                id=world.product_id, version=1, product_number=f"P-{world.tag}", name="Pump"
            )
        )
        for i in range(items):
            item_id = uuid.uuid4()
            world.item_ids.append(item_id)
            await s.execute(
                insert(tables.serial_item).values(
                    id=item_id,
                    version=1,
                    serial_number=world.serial(i),
                    product_id=world.product_id,
                    product_number=f"P-{world.tag}",
                    owner_customer_id=world.owner_id,
                    initial_order_customer_id=world.order_customer_id,
                    org_unit_id=world.org_unit_id,
                    status="active",
                )
            )
        await uow.commit()
    return world
