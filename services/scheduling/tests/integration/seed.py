"""Rows written straight into scheduling's database: a callout in any state, fast.

Flows that start upstream are tested through the broker in test_callouts.py; the list,
its exports and the actions only need callouts to exist, in the states under test.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    ServiceLinkDefinition,
    ServiceTypeChanged,
    StepDefinition,
    StepSchedule,
)
from aftersales_kit.messaging_tables import outbox_message
from scheduling import tables
from scheduling.domain import CalloutState

TODAY = date(2026, 11, 23)


class Seed:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.runtime = client.app.state.runtime  # type: ignore[attr-defined]
        # A unique org unit per test: the list's filter that keeps tests apart.
        self.org_unit = "ou-" + uuid.uuid4().hex[:8]
        self.product_id = uuid.uuid4()
        self.customer_id = uuid.uuid4()
        self.item_id = uuid.uuid4()
        self.step_id = uuid.uuid4()
        self.service_type = ServiceTypeChanged(
            service_type_id=uuid.uuid4(),
            version=1,
            system_name="annual",
            display_name="Annual inspection",
            enabled=True,
            approval_method=ApprovalMethod.MANUAL,
            print_tag=None,
            steps=[
                StepDefinition(
                    step_id=self.step_id,
                    position=0,
                    description="1st reminder",
                    schedule=StepSchedule(kind="after", span=0, period="days"),
                    initial=MessageSet(email_subject="Due", email_body="Dear {{ customer_name }}"),
                    on_completion=MessageSet(
                        email_subject="Done", email_body="Thanks", print_tag="T1"
                    ),
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

    async def world(
        self,
        *,
        customer_number: str = "C-1",
        customer_name: str = "Ada Lovelace",
        emails: list[str] | None = None,
        service_type: ServiceTypeChanged | None = None,
    ) -> None:
        service_type = service_type or self.service_type
        async with self.runtime.sessionmaker() as session, session.begin():
            await session.execute(
                tables.customer.insert().values(
                    id=self.customer_id,
                    version=1,
                    customer_number=customer_number,
                    name=customer_name,
                    emails=["ada@example.com"] if emails is None else emails,
                    mobiles=["+46701234567"],
                    allowed_methods=["email", "sms"],
                    preferred_method="email",
                )
            )
            await session.execute(
                tables.serial_item.insert().values(
                    id=self.item_id,
                    version=1,
                    serial_number="SN-" + self.org_unit,
                    name="Pump X",
                    product_id=self.product_id,
                    product_number="P-1",
                    product_name="Pump",
                    owner_customer_id=self.customer_id,
                    org_unit=self.org_unit,
                    startup_date=TODAY,
                    translations={"sv": "Pump X (sv)"},
                )
            )
            await session.execute(
                tables.service_type.insert().values(
                    id=service_type.service_type_id,
                    version=1,
                    definition=service_type.model_dump(mode="json"),
                    # Planned already: the callouts are the test's own (seed.callout).
                    planned_version=1,
                )
            )

    async def callout(
        self,
        state: CalloutState,
        scheduled_for: date = TODAY,
        *,
        step_description: str = "1st reminder",
        **values: Any,
    ) -> str:
        callout_id = uuid.uuid4()
        defaults: dict[str, Any] = {
            "id": callout_id,
            "workflow_id": uuid.uuid4(),
            "service_type_id": self.service_type.service_type_id,
            "serial_item_id": self.item_id,
            "customer_id": self.customer_id,
            "step_id": self.step_id,
            "occurrence": 0,
            "org_unit": self.org_unit,
            "scheduled_for": scheduled_for,
            # Far ahead unless a test wants the dispatcher to pick it up.
            "due_at": datetime.combine(date(2099, 1, 1), time(), UTC),
            "state": state,
            "service_type_name": self.service_type.display_name,
            "step_description": step_description,
        }
        if state is CalloutState.SENT:
            defaults |= {"send_attempt": 1, "send_requested_at": datetime(2026, 11, 1, tzinfo=UTC)}
        async with self.runtime.sessionmaker() as session, session.begin():
            await session.execute(tables.callout.insert().values(defaults | values))
        return str(callout_id)

    async def row(self, callout_id: str) -> Any:
        async with self.runtime.sessionmaker() as session:
            return (
                await session.execute(
                    select(tables.callout).where(tables.callout.c.id == uuid.UUID(callout_id))
                )
            ).one()

    async def send_requests(self, callout_id: str) -> list[dict[str, Any]]:
        """The send requests scheduling wrote to its outbox for a callout, oldest first:
        alone (``send_message``) or in a dispatch pass's set (``send_messages``)."""
        async with self.runtime.sessionmaker() as session:
            bodies = (
                await session.scalars(
                    select(outbox_message.c.body)
                    .where(
                        outbox_message.c.message_type.in_(
                            ["notifications.send_message", "notifications.send_messages"]
                        )
                    )
                    .order_by(outbox_message.c.id)
                )
            ).all()
        requests = [
            request
            for body in bodies
            for request in body["payload"].get("messages", [body["payload"]])
        ]
        return [r for r in requests if r["requester_reference"] == callout_id]

    async def list(self, **params: Any) -> httpx.Response:
        return await self.client.get("/callouts", params={"org_unit": self.org_unit} | params)
