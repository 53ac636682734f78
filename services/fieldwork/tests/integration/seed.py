"""Rows written straight into field work's projections (org units, customers, serial items,
service types), as catalog's and servicetypes' events would leave them: tests of orders and
planning need them to exist, not to arrive. The consumers themselves are tested through the
broker in test_projections.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.runtime import ServiceRuntime
from fieldwork import tables


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
    """One test's own org unit, customer with two contacts, and two serial items with
    coordinates; ids are fresh per test so tests never see each other's rows."""

    org_unit_id: uuid.UUID = field(default_factory=uuid.uuid4)
    org_unit_code: str = field(default_factory=lambda: "ou-" + uuid.uuid4().hex[:8])
    customer_id: uuid.UUID = field(default_factory=uuid.uuid4)
    contact_id: uuid.UUID = field(default_factory=uuid.uuid4)
    other_contact_id: uuid.UUID = field(default_factory=uuid.uuid4)
    item_id: uuid.UUID = field(default_factory=uuid.uuid4)
    other_item_id: uuid.UUID = field(default_factory=uuid.uuid4)
    service_type_id: uuid.UUID = field(default_factory=uuid.uuid4)


async def seed_world(client: httpx.AsyncClient, world: World | None = None) -> World:
    world = world or World()
    runtime = runtime_of(client)
    async with runtime.uow() as uow:
        s = uow.session
        await s.execute(
            insert(tables.org_unit).values(
                id=world.org_unit_id,
                version=1,
                code=world.org_unit_code,
                name="Stockholm field service",
                time_zone="Europe/Stockholm",
                parent_id=None,
            )
        )
        contacts: list[dict[str, Any]] = [
            {
                "contact_id": str(world.contact_id),
                "name": "Sven Svensson",
                "email": "sven@example.com",
                "mobile": "+46701234567",
                "role": "site manager",
                "receive_booking_confirmations": True,
            },
            {
                "contact_id": str(world.other_contact_id),
                "name": "Anna Andersson",
                "email": "anna@example.com",
                "mobile": None,
                "role": None,
                "receive_booking_confirmations": False,
            },
        ]
        await s.execute(
            insert(tables.customer).values(
                id=world.customer_id,
                version=1,
                customer_number="C-" + world.customer_id.hex[:6],
                name="Bageriet AB",
                language="sv",
                emails=["order@bageriet.example"],
                mobiles=["+46709876543"],
                contacts=contacts,
                org_unit_id=world.org_unit_id,
                active=True,
            )
        )
        for item_id, serial, lat, lon in (
            (world.item_id, "SN-" + world.item_id.hex[:6], 59.3326, 18.0649),
            (world.other_item_id, "SN-" + world.other_item_id.hex[:6], 59.3500, 18.0700),
        ):
            await s.execute(
                insert(tables.serial_item).values(
                    id=item_id,
                    version=1,
                    serial_number=serial,
                    name="Deck oven",
                    product_number="OV-200",
                    product_name="Deck oven 200",
                    owner_customer_id=world.customer_id,
                    org_unit_id=world.org_unit_id,
                    installation_address={
                        "street": "Drottninggatan 1",
                        "postal_code": "111 51",
                        "city": "Stockholm",
                        "country": "SE",
                        "latitude": lat,
                        "longitude": lon,
                    },
                    status="active",
                )
            )
        await s.execute(
            insert(tables.service_type).values(
                id=world.service_type_id, version=1, name="Annual inspection"
            )
        )
        await uow.commit()
    return world
