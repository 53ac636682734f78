"""The customer projection, fed by catalog's CustomerRegistered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from aftersales_contracts.catalog import CommunicationMethod, CustomerChanged
from aftersales_kit.runtime import ServiceRuntime
from notifications import handlers, tables

from ..conftest import poll
from .helpers import customer_event, publish

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _customer(runtime: ServiceRuntime, customer_id: object) -> dict[str, Any] | None:
    async with runtime.sessionmaker() as session:
        row = (
            (
                await session.execute(
                    select(tables.customer).where(tables.customer.c.id == customer_id)
                )
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


async def test_customer_registered_through_the_broker_is_projected(
    runtime: ServiceRuntime,
) -> None:
    event = customer_event(
        mobiles=["+46701234567"],
        allowed_methods=[CommunicationMethod.EMAIL, CommunicationMethod.SMS],
        preferred_method=CommunicationMethod.SMS,
        language="sv",
    )
    await publish(runtime, event)

    row = await poll(lambda: _customer(runtime, event.customer_id))
    assert row["name"] == "Ada Lovelace"
    assert row["emails"] == [str(e) for e in event.emails]
    assert row["mobiles"] == ["+46701234567"]
    assert row["allowed_methods"] == ["email", "sms"]
    assert row["preferred_method"] == "sms"
    assert row["language"] == "sv"
    assert row["version"] == 1


async def test_newer_snapshot_wins_and_a_stale_one_is_ignored(runtime: ServiceRuntime) -> None:
    first = customer_event(version=2, name="Version two")
    for event in (
        first,
        first.model_copy(update={"version": 3, "name": "Version three"}),
        first.model_copy(update={"version": 1, "name": "Version one, late"}),
        first.model_copy(update={"version": 3, "name": "Version three, again"}),
    ):
        async with runtime.uow() as uow:
            await handlers.project_customer(event, uow, now=NOW)

    row = await _customer(runtime, first.customer_id)
    assert row is not None
    assert (row["version"], row["name"]) == (3, "Version three")


async def test_customer_changed_through_the_broker_updates_the_projection(
    runtime: ServiceRuntime,
) -> None:
    registered = customer_event()
    await publish(runtime, registered)
    await poll(lambda: _customer(runtime, registered.customer_id))

    changed = CustomerChanged(
        **registered.model_dump()
        | {"version": 2, "name": "Ada King", "language": "sv", "emails": ["ada@example.org"]}
    )
    await publish(runtime, changed)

    async def updated() -> dict[str, Any] | None:
        row = await _customer(runtime, registered.customer_id)
        return row if row and row["version"] == 2 else None

    row = await poll(updated)
    assert (row["name"], row["language"], row["emails"]) == ("Ada King", "sv", ["ada@example.org"])
