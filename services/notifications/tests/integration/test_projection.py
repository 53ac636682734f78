"""The customer projection, fed by catalog's CustomerRegistered and CustomerChanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from aftersales_contracts.catalog import CommunicationMethod, CustomerChanged
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import customer_registered
from aftersales_testing.waiting import consumed, eventually
from notifications import tables
from notifications.sending import customers

from .helpers import publish

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def _customer(runtime: ServiceRuntime, customer_id: uuid.UUID) -> dict[str, Any] | None:
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


async def _projected(runtime: ServiceRuntime, customer_id: uuid.UUID) -> dict[str, Any]:
    row = await eventually(
        lambda: _customer(runtime, customer_id), what=f"customer {customer_id} projected"
    )
    assert row is not None
    return row


async def test_customer_registered_through_the_broker_is_projected(
    runtime: ServiceRuntime,
) -> None:
    event = customer_registered(
        mobiles=["+46701234567"],
        allowed_methods=[CommunicationMethod.EMAIL, CommunicationMethod.SMS],
        preferred_method=CommunicationMethod.SMS,
        language="sv",
    )
    await publish(runtime, event)

    row = await _projected(runtime, event.customer_id)
    assert row["name"] == "Ada Lovelace"
    assert row["emails"] == [str(e) for e in event.emails]
    assert row["mobiles"] == ["+46701234567"]
    assert row["allowed_methods"] == ["email", "sms"]
    assert row["preferred_method"] == "sms"
    assert row["language"] == "sv"
    assert row["version"] == 1


async def test_newer_snapshot_wins_and_a_stale_one_is_ignored(runtime: ServiceRuntime) -> None:
    first = customer_registered(version=2, name="Version two")
    for event in (
        first,
        first.model_copy(update={"version": 3, "name": "Version three"}),
        first.model_copy(update={"version": 1, "name": "Version one, late"}),
        first.model_copy(update={"version": 3, "name": "Version three, again"}),
    ):
        async with runtime.uow() as uow:
            await customers.project_customer(event, uow, now=NOW)

    row = await _customer(runtime, first.customer_id)
    assert row is not None
    assert (row["version"], row["name"]) == (3, "Version three")


async def test_an_older_snapshot_arriving_through_the_broker_after_a_newer_one_is_ignored(
    runtime: ServiceRuntime,
) -> None:
    newer = customer_registered(version=3, name="Version three")
    await publish(runtime, newer)
    await _projected(runtime, newer.customer_id)

    # Catalog's change of version 2 arrives late, as a CustomerChanged.
    older = CustomerChanged(
        **newer.model_dump() | {"version": 2, "name": "Version two, late", "language": "sv"}
    )
    late = await publish(runtime, older)
    await consumed(runtime.sessionmaker, late.message_id)

    row = await _customer(runtime, newer.customer_id)
    assert row is not None
    assert (row["version"], row["name"], row["language"]) == (3, "Version three", "en")


async def test_customer_changed_through_the_broker_updates_the_projection(
    runtime: ServiceRuntime,
) -> None:
    registered = customer_registered()
    await publish(runtime, registered)
    await _projected(runtime, registered.customer_id)

    changed = CustomerChanged(
        **registered.model_dump()
        | {"version": 2, "name": "Ada King", "language": "sv", "emails": ["ada@example.org"]}
    )
    applied = await publish(runtime, changed)
    await consumed(runtime.sessionmaker, applied.message_id)

    row = await _customer(runtime, registered.customer_id)
    assert row is not None
    assert (row["version"], row["name"], row["language"], row["emails"]) == (
        2,
        "Ada King",
        "sv",
        ["ada@example.org"],
    )
