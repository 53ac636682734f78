"""Callouts from upstream events, through dispatch and results, on the real broker."""

from __future__ import annotations

import functools
import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import Table, select

from aftersales_contracts import topology
from aftersales_contracts.catalog import (
    CustomerChanged,
    CustomersRegistered,
    SerialItemChanged,
    SerialItemOwnerChanged,
    SerialItemRegistered,
    SerialItemsRegistered,
)
from aftersales_contracts.envelope import Envelope, Message
from aftersales_contracts.notifications import BlockReason, Channel, MessageBlocked, MessageSent
from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from aftersales_testing.builders import customer_registered, serial_item_registered
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.messaging import publish, take
from aftersales_testing.waiting import consumed, eventually
from scheduling import tables
from scheduling.settings import Settings

TODAY = date(2026, 11, 23)


class World:
    """Publishes the upstream events a callout needs, with fresh ids per test."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.broker = client.app.state.runtime.broker  # type: ignore[attr-defined]
        self.prefix = settings.broker_prefix
        self.product_id = uuid.uuid4()
        self.customer_id = uuid.uuid4()
        self.item_id = uuid.uuid4()
        self.sessionmaker = client.app.state.runtime.sessionmaker  # type: ignore[attr-defined]

    async def row(self, table: Table, row_id: uuid.UUID, column: str) -> Any:
        """One column of a projection row, straight from scheduling's database."""
        async with self.sessionmaker() as session:
            return await session.scalar(select(table.c[column]).where(table.c.id == row_id))

    async def customer(self, **changes: Any) -> Envelope[Message]:
        snapshot = customer_registered(
            customer_id=self.customer_id,
            customer_number="C-1",
            name="Ada Lovelace",
            emails=["ada@example.com"],
        )
        if changes:
            snapshot = CustomerChanged(**snapshot.model_dump() | changes)
        return await publish(self.broker, self.prefix, snapshot)

    async def item(
        self,
        version: int = 1,
        startup: date = TODAY,
        cls: type[SerialItemRegistered] = SerialItemRegistered,
        owner: uuid.UUID | None = None,
        **extra: Any,
    ) -> Envelope[Message]:
        snapshot = serial_item_registered(
            serial_item_id=self.item_id,
            version=version,
            serial_number="SN-42",
            name="Pump X",
            product_id=self.product_id,
            product_number="P-1",
            product_name="Pump",
            owner_customer_id=owner or self.customer_id,
            startup_date=startup,
        )
        return await publish(self.broker, self.prefix, cls(**snapshot.model_dump() | extra))

    async def service_type(
        self, approval: ApprovalMethod, *, publish_it: bool = True
    ) -> ServiceTypeChanged:
        event = ServiceTypeChanged(
            service_type_id=uuid.uuid4(),
            version=1,
            system_name="annual",
            display_name="Annual inspection",
            enabled=True,
            approval_method=approval,
            print_tag=None,
            steps=[
                StepDefinition(
                    step_id=uuid.uuid4(),
                    position=0,
                    description="1st reminder",
                    schedule=StepSchedule(kind="after", span=0, period="days"),
                    initial=MessageSet(
                        email_subject="Service for {{ serial_number }}",
                        email_body="Dear {{ customer_name }}",
                    ),
                    on_completion=MessageSet(),
                )
            ],
            links=[
                ServiceLinkDefinition(
                    main_product_id=self.product_id,
                    apply_to_main_product=True,
                    related_product_ids=[],
                )
            ],
        )
        if publish_it:
            await publish(self.broker, self.prefix, event)
        return event

    async def callouts(self) -> list[dict[str, Any]]:
        response = await self.client.get("/callouts", params={"serial_item_id": str(self.item_id)})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


async def test_automatic_approval_dispatches_and_records_sent(
    app_client: httpx.AsyncClient, settings: Settings, infra: Infrastructure
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item()
    await world.service_type(ApprovalMethod.AUTOMATIC)

    [callout] = await eventually(world.callouts, what="a callout")
    assert callout["scheduled_for"] == TODAY.isoformat()
    assert callout["customer_name"] == "Ada Lovelace"

    command = await take(
        infra.amqp_url, settings.broker_prefix + topology.NOTIFICATIONS_SEND_REQUESTS.name
    )
    # The dispatch pass's requests in one command (decision 102).
    assert command["type"] == "notifications.send_messages"
    [request] = command["payload"]["messages"]
    assert request["requester_reference"] == callout["id"]
    assert request["values"]["serial_number"] == "SN-42"
    assert request["values"]["product_name"] == "Pump"
    assert request["content"]["email_subject"] == "Service for {{ serial_number }}"

    await publish(
        world.broker,
        world.prefix,
        MessageSent(
            message_id=uuid.uuid4(),
            idempotency_key=request["idempotency_key"],
            requester="scheduling",
            requester_reference=callout["id"],
            business_object=None,
            channel=Channel.EMAIL,
            sent_to=["ada@example.com"],
        ),
    )

    async def sent() -> dict[str, Any] | None:
        body = (await app_client.get(f"/callouts/{callout['id']}")).json()
        return body if body["state"] == "sent" else None

    done = await eventually(sent, what="state sent")
    assert done is not None
    assert done["send_to"] == "ada@example.com"
    assert done["message_id"] is not None


async def test_manual_approval_waits_for_a_user(
    app_client: httpx.AsyncClient, settings: Settings, infra: Infrastructure
) -> None:
    world = World(app_client, settings)
    # The type arrives before the item: planning happens whichever comes first.
    await world.service_type(ApprovalMethod.MANUAL)
    await world.customer()
    await world.item()
    [callout] = await eventually(world.callouts, what="a callout")
    assert callout["state"] == "awaiting_approval"

    approved = await app_client.post(f"/callouts/{callout['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    again = await app_client.post(f"/callouts/{callout['id']}/approve")
    assert again.status_code == 409
    assert again.json()["field"] == "state"

    command = await take(
        infra.amqp_url, settings.broker_prefix + topology.NOTIFICATIONS_SEND_REQUESTS.name
    )
    [request] = command["payload"]["messages"]
    assert request["requester_reference"] == callout["id"]


async def test_blocked_result_sets_the_matching_state(
    app_client: httpx.AsyncClient, settings: Settings, infra: Infrastructure
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item()
    await world.service_type(ApprovalMethod.AUTOMATIC)
    [callout] = await eventually(world.callouts, what="a callout")
    command = await take(
        infra.amqp_url, settings.broker_prefix + topology.NOTIFICATIONS_SEND_REQUESTS.name
    )
    [request] = command["payload"]["messages"]
    await publish(
        world.broker,
        world.prefix,
        MessageBlocked(
            message_id=uuid.uuid4(),
            idempotency_key=request["idempotency_key"],
            requester="scheduling",
            requester_reference=callout["id"],
            business_object=None,
            reason=BlockReason.ALLOWED_METHODS,
            detail="e-mail is not allowed",
        ),
    )

    async def blocked() -> bool:
        body = (await app_client.get(f"/callouts/{callout['id']}")).json()
        return bool(body["state"] == "blocked_by_allowed_methods")

    await eventually(blocked, what="blocked state")


async def test_a_stale_item_snapshot_changes_nothing(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item(version=2)
    await world.service_type(ApprovalMethod.MANUAL)
    [callout] = await eventually(world.callouts, what="a callout")
    stale = await world.item(version=1, startup=date(2026, 12, 1))
    # Consumed (the inbox row commits with the effect): whatever it did is visible now.
    await consumed(world.sessionmaker, stale.message_id)
    [after] = await world.callouts()
    assert after["scheduled_for"] == callout["scheduled_for"] == TODAY.isoformat()
    assert await world.row(tables.serial_item, world.item_id, "startup_date") == TODAY


async def test_a_stale_customer_snapshot_changes_nothing(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    newer = await world.customer(version=2, name="Ada King")
    await consumed(world.sessionmaker, newer.message_id)
    stale = await world.customer(version=1, name="Ada Lovelace")
    await consumed(world.sessionmaker, stale.message_id)
    assert await world.row(tables.customer, world.customer_id, "name") == "Ada King"
    assert await world.row(tables.customer, world.customer_id, "version") == 2


async def test_a_stale_service_type_changes_nothing(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item()
    first = await world.service_type(ApprovalMethod.MANUAL, publish_it=False)
    later = first.steps[0].model_copy(
        update={"schedule": StepSchedule(kind="after", span=10, period="days")}
    )
    newer = await publish(
        world.broker, world.prefix, first.model_copy(update={"version": 2, "steps": [later]})
    )
    await consumed(world.sessionmaker, newer.message_id)
    [callout] = await eventually(world.callouts, what="a callout")
    stale = await publish(world.broker, world.prefix, first)
    await consumed(world.sessionmaker, stale.message_id)
    [after] = await world.callouts()
    assert after["scheduled_for"] == callout["scheduled_for"] == "2026-12-03"
    assert await world.row(tables.service_type, first.service_type_id, "version") == 2


async def test_bad_requests_are_named(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get(f"/callouts/{uuid.uuid4()}")).status_code == 404
    bad = await app_client.get("/callouts", params={"state": "nonsense"})
    assert bad.status_code == 422
    assert bad.json()["field"].startswith("query.state")
    assert (await app_client.post(f"/callouts/{uuid.uuid4()}/approve")).status_code == 404


async def test_customer_changed_updates_the_customer_projection(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    await world.customer()

    async def customer_row() -> dict[str, Any] | None:
        async with world.sessionmaker() as session:
            row = (
                (
                    await session.execute(
                        select(tables.customer).where(tables.customer.c.id == world.customer_id)
                    )
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

    await eventually(customer_row, what="the registered customer")
    await world.customer(
        version=2, name="Ada King", emails=["ada@example.org"], mobiles=["+46701234567"]
    )

    async def changed() -> dict[str, Any] | None:
        row = await customer_row()
        return row if row and row["version"] == 2 else None

    row = await eventually(changed, what="the changed customer")
    assert row is not None
    assert (row["name"], row["emails"], row["mobiles"]) == (
        "Ada King",
        ["ada@example.org"],
        ["+46701234567"],
    )


async def test_a_changed_startup_date_moves_a_pending_callout(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item()
    await world.service_type(ApprovalMethod.MANUAL)
    [callout] = await eventually(world.callouts, what="a callout")
    assert callout["scheduled_for"] == TODAY.isoformat()

    later = date(2026, 12, 1)
    await world.item(version=2, startup=later, cls=SerialItemChanged)

    async def moved() -> dict[str, Any] | None:
        [after] = await world.callouts()
        return after if after["scheduled_for"] == later.isoformat() else None

    after = await eventually(moved, what="the callout on the new date")
    assert after is not None
    assert (after["id"], after["state"]) == (callout["id"], "awaiting_approval")


async def test_an_item_without_a_startup_date_counts_from_its_workflows_start(
    app_client: httpx.AsyncClient, settings: Settings, clock: Any
) -> None:
    """Issue 17, item 12: "Startup" is the workflow's initiation; an item without a
    startup date used to get no callouts."""
    world = World(app_client, settings)
    await world.customer()
    await world.item(startup_date=None)
    await world.service_type(ApprovalMethod.MANUAL)
    [callout] = await eventually(world.callouts, what="a callout")
    # The workflow began at the (fixed) clock's moment: its day is the startup.
    assert callout["scheduled_for"] == clock.now().date().isoformat()
    async with world.sessionmaker() as session:
        began = await session.scalar(
            select(tables.workflow.c.created_at).where(
                tables.workflow.c.serial_item_id == world.item_id
            )
        )
    assert began == clock.now()
    # A startup date given later takes over.
    later = date(2026, 12, 1)
    await world.item(version=2, startup=later, cls=SerialItemChanged)

    async def moved() -> dict[str, Any] | None:
        [after] = await world.callouts()
        return after if after["scheduled_for"] == later.isoformat() else None

    assert await eventually(moved, what="the callout on the startup date") is not None


async def test_a_pre_coded_link_plans_only_items_of_its_action_code(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    """Issue 17, item 8: the item's action code comes from catalog's events."""
    world = World(app_client, settings)
    await world.customer()
    await world.item(action_code="REPAIR")
    # The item and the type come on different queues: the item first, so that the type's
    # planning sees it (either order is planned; this test checks what planning decides).
    await eventually(
        lambda: world.row(tables.serial_item, world.item_id, "action_code"),
        what="the item with its action code",
    )
    event = await world.service_type(ApprovalMethod.MANUAL, publish_it=False)
    [link] = event.links
    pre_coded = event.model_copy(update={"links": [link.model_copy(update={"pre_code": "INSP"})]})
    await publish(world.broker, world.prefix, pre_coded)
    await eventually(
        lambda: world.row(tables.service_type, event.service_type_id, "planned_version"),
        what="the type planned",
    )
    assert await world.row(tables.serial_item, world.item_id, "action_code") == "REPAIR"
    assert await world.callouts() == []
    # The item's action code becomes the link's: the type applies.
    await world.item(version=2, cls=SerialItemChanged, action_code="INSP")
    [callout] = await eventually(world.callouts, what="a callout")
    assert callout["state"] == "awaiting_approval"
    # And away again: the pending callout is withdrawn.
    await world.item(version=3, cls=SerialItemChanged, action_code=None)

    async def withdrawn() -> dict[str, Any] | None:
        [after] = await world.callouts()
        return after if after["state"] == "cancelled" else None

    after = await eventually(withdrawn, what="the callout withdrawn")
    assert after is not None


async def test_an_owner_change_moves_pending_callouts_to_the_new_owner(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item()
    await world.service_type(ApprovalMethod.MANUAL)
    [callout] = await eventually(world.callouts, what="a callout")
    previous = world.customer_id
    world.customer_id = uuid.uuid4()
    await world.customer()
    await world.item(
        version=2,
        cls=SerialItemOwnerChanged,
        owner=world.customer_id,
        previous_owner_customer_id=previous,
    )
    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]

    async def followed() -> bool:
        async with runtime.sessionmaker() as session:
            owner = await session.scalar(
                select(tables.callout.c.customer_id).where(tables.callout.c.id == callout["id"])
            )
        return bool(owner == world.customer_id)

    await eventually(followed, what="the callout for the new owner")


async def test_a_scrapped_item_loses_its_pending_callouts(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    world = World(app_client, settings)
    await world.customer()
    await world.item()
    await world.service_type(ApprovalMethod.MANUAL)
    [callout] = await eventually(world.callouts, what="a callout")

    await world.item(version=2, cls=SerialItemChanged, status="scrapped")

    async def cancelled() -> dict[str, Any] | None:
        [after] = await world.callouts()
        return after if after["state"] == "cancelled" else None

    after = await eventually(cancelled, what="the callout to be cancelled")
    assert after is not None
    assert after["id"] == callout["id"]
    assert after["error"] == "the serial item is scrapped"


async def test_an_imported_batch_in_set_events_plans_every_item(
    app_client: httpx.AsyncClient, settings: Settings
) -> None:
    """A bulk import announces its new customers and items in set events: each snapshot
    is applied as its own event would be (newest wins), and every item is planned."""
    world = World(app_client, settings)
    await world.service_type(ApprovalMethod.MANUAL)
    customers = [
        customer_registered(customer_id=uuid.uuid4(), name=f"Imported {i}") for i in range(3)
    ]
    items = [
        serial_item_registered(
            serial_item_id=uuid.uuid4(),
            serial_number=f"SET-{i}",
            product_id=world.product_id,
            owner_customer_id=customers[i].customer_id,
            startup_date=TODAY,
        )
        for i in range(3)
    ]
    # The last item changed (version 2) before its registration in the set arrives.
    changed = SerialItemChanged(**items[2].model_dump() | {"version": 2, "name": "Renamed"})
    await consumed(
        world.sessionmaker, (await publish(world.broker, world.prefix, changed)).message_id
    )
    await publish(world.broker, world.prefix, CustomersRegistered(customers=customers))
    announced = await publish(world.broker, world.prefix, SerialItemsRegistered(items=items))
    await consumed(world.sessionmaker, announced.message_id)

    for item, customer in zip(items, customers, strict=True):
        [callout] = await eventually(
            functools.partial(_callouts, app_client, item.serial_item_id), what="a callout"
        )
        assert callout["customer_name"] == customer.name
    assert await world.row(tables.serial_item, items[2].serial_item_id, "name") == "Renamed"
    assert await world.row(tables.serial_item, items[2].serial_item_id, "version") == 2
    assert await world.row(tables.serial_item, items[0].serial_item_id, "version") == 1


async def _callouts(client: httpx.AsyncClient, item_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await client.get("/callouts", params={"serial_item_id": str(item_id)})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])
