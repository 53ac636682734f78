"""What a callout's send request carries to notifications (issue 17): its org unit's id,
the acting user, the customer's language and the item's name in it, and the step's
report with its print tag."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update

from aftersales_contracts.servicetypes import MessageSet, StepDefinition
from aftersales_testing.waiting import eventually
from scheduling import dispatch, tables
from scheduling.domain import CalloutState

from .seed import Seed

S = CalloutState


@pytest.fixture
async def seed(app_client: httpx.AsyncClient) -> Seed:
    seed = Seed(app_client)
    step = seed.service_type.steps[0]
    reported = StepDefinition.model_validate(
        step.model_dump()
        | {
            "initial": MessageSet(
                email_subject="Due",
                email_body="Dear {{ customer_name }}",
                report="Service letter",
                print_tag="LETTERS",
                print_text="Your {{ serial_item_name }} is due",
            ),
            "on_completion": MessageSet(email_subject="Done", email_body="Thanks"),
        }
    )
    seed.service_type = seed.service_type.model_copy(
        update={"steps": [reported], "print_tag": "TYPE-TAG"}
    )
    await seed.world()
    seed.org_unit_id = uuid.uuid4()  # type: ignore[attr-defined]
    async with seed.runtime.sessionmaker() as session, session.begin():
        await session.execute(
            update(tables.customer)
            .where(tables.customer.c.id == seed.customer_id)
            .values(language="sv-SE")
        )
        await session.execute(
            tables.org_unit.insert().values(
                id=seed.org_unit_id,  # type: ignore[attr-defined]
                version=1,
                code=seed.org_unit,
                name="Unit",
                time_zone="Europe/Stockholm",
                parent_id=None,
            )
        )
    return seed


async def test_send_now_carries_org_unit_user_language_and_report(seed: Seed) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    response = await seed.client.post(
        f"/callouts/{callout}/send-now", headers={"X-Aftersales-User": "planner7"}
    )
    assert response.status_code == 200, response.text
    [request] = await seed.send_requests(callout)
    assert request["org_unit_id"] == str(seed.org_unit_id)  # type: ignore[attr-defined]
    assert request["requested_by"] == "planner7"
    assert request["language"] == "sv-SE"
    # "sv-SE" falls back to the item's "sv" name.
    assert request["values"]["serial_item_name"] == "Pump X (sv)"
    assert request["report"]["title"] == "Service letter"
    assert request["report"]["text"] == "Your {{ serial_item_name }} is due"
    assert request["report"]["print_tag"] == "LETTERS"
    assert request["report"]["attach"] is True


async def test_an_approved_callout_names_its_approver_and_completion_its_completer(
    seed: Seed,
) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    approved = await seed.client.post(
        f"/callouts/{callout}/approve", headers={"X-Aftersales-User": "approver1"}
    )
    assert approved.status_code == 200, approved.text
    # The dispatcher picks it up once due (the seed makes it due far ahead; send now
    # keeps the approver it already has).
    await seed.client.post(f"/callouts/{callout}/send-now", headers={"X-Aftersales-User": "x"})
    [initial] = await seed.send_requests(callout)
    assert initial["requested_by"] == "approver1"
    completed = await seed.client.post(
        f"/callouts/{callout}/mark-completed", headers={"X-Aftersales-User": "finisher"}
    )
    assert completed.status_code == 200, completed.text
    [_, completion] = await seed.send_requests(callout)
    assert completion["requested_by"] == "finisher"
    # No report on completion: the step has none.
    assert completion["report"] is None


async def test_the_dispatcher_names_no_user_for_an_automatic_approval(seed: Seed) -> None:
    callout = await seed.callout(S.APPROVED, due_at=datetime(2000, 1, 1, tzinfo=UTC))
    ctx = seed.client.app.state.context  # type: ignore[attr-defined]
    async with seed.runtime.uow() as uow:
        await dispatch.dispatch_due(ctx, uow)
    # The app's own dispatcher loop may hold the row: its commit is waited for.
    [request] = await eventually(lambda: seed.send_requests(callout), what="a send request")
    assert request["requested_by"] is None
    assert request["org_unit_id"] == str(seed.org_unit_id)  # type: ignore[attr-defined]
    assert request["report"]["print_tag"] == "LETTERS"
