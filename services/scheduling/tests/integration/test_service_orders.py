"""From a callout to a visit and back: "create service order" sends field work the command
through the outbox; field work's order events (through the broker) show the order on the
callout, complete it with its on-completion message, or leave it as it was."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from aftersales_contracts.fieldwork import (
    Priority,
    ServiceOrderCancelled,
    ServiceOrderCompleted,
    ServiceOrderCreated,
    ServiceOrderSnapshot,
    Stage,
    TechnicianStatus,
)
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from scheduling import tables
from scheduling.domain import CalloutState
from scheduling.settings import Settings

from .seed import Seed

S = CalloutState
DONE_AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
async def seed(app_client: httpx.AsyncClient) -> Seed:
    seed = Seed(app_client)
    await seed.world()
    return seed


async def _org_unit_row(seed: Seed) -> uuid.UUID:
    """The callout's org unit in scheduling's projection: the command names it by id."""
    org_unit_id = uuid.uuid4()
    async with seed.runtime.sessionmaker() as session, session.begin():
        await session.execute(
            tables.org_unit.insert().values(
                id=org_unit_id,
                version=1,
                code=seed.org_unit,
                name="North",
                time_zone="Europe/Stockholm",
                parent_id=None,
            )
        )
    return org_unit_id


async def _commands(seed: Seed, callout_id: str) -> list[dict[str, Any]]:
    async with seed.runtime.sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body)
                .where(
                    outbox_message.c.message_type == "fieldwork.open_service_order",
                    outbox_message.c.body["payload"]["callout_id"].astext == callout_id,
                )
                .order_by(outbox_message.c.id)
            )
        ).all()
    return [b["payload"] for b in bodies]


async def _history(seed: Seed, callout_id: str) -> list[dict[str, Any]]:
    response = await seed.client.get(f"/callouts/{callout_id}/history")
    assert response.status_code == 200, response.text
    history: list[dict[str, Any]] = response.json()
    return history


def _order(
    callout_id: str | None,
    *,
    version: int,
    stage: Stage,
    number: str = "SO-000042",
    order_id: uuid.UUID | None = None,
) -> ServiceOrderSnapshot:
    return ServiceOrderSnapshot(
        order_id=order_id or uuid.uuid4(),
        version=version,
        number=number,
        case_id=uuid.uuid4(),
        stage=stage,
        status=TechnicianStatus.DONE if stage is Stage.COMPLETED else None,
        priority=Priority.NORMAL,
        callout_id=uuid.UUID(callout_id) if callout_id else None,
    )


async def _publish(seed: Seed, settings: Settings, event: Any) -> None:
    broker = seed.runtime.broker
    envelope = await publish(broker, settings.broker_prefix, event)
    await consumed(seed.runtime.sessionmaker, envelope.message_id)


async def test_create_service_order_sends_field_work_the_callout(seed: Seed) -> None:
    org_unit_id = await _org_unit_row(seed)
    callout = await seed.callout(S.SENT)
    response = await seed.client.post(f"/callouts/{callout}/create-service-order")
    assert response.status_code == 200, response.text
    body = response.json()
    # The callout keeps its state until the order is completed.
    assert body["state"] == "sent"
    assert body["service_order_requested_by"] == "tester"
    assert body["service_order_requested_at"] is not None
    assert (body["service_order_id"], body["service_order_number"]) == (None, None)
    [command] = await _commands(seed, callout)
    assert command == {
        "callout_id": callout,
        "customer_id": str(seed.customer_id),
        "serial_item_id": str(seed.item_id),
        "service_type_id": str(seed.service_type.service_type_id),
        "service_type_name": "Annual inspection",
        "org_unit_id": str(org_unit_id),
        "description": "Annual inspection: 1st reminder",
        "requested_by": "tester",
    }
    [entry] = await _history(seed, callout)
    assert (entry["action"], entry["actor"], entry["from_state"], entry["to_state"]) == (
        "create_service_order",
        "tester",
        "sent",
        "sent",
    )

    # A second request while the first is being opened: refused, nothing sent again.
    again = await seed.client.post(f"/callouts/{callout}/create-service-order")
    assert again.status_code == 409
    assert again.json()["field"] == "service_order"
    assert "being opened" in again.json()["detail"]
    assert len(await _commands(seed, callout)) == 1


@pytest.mark.parametrize("state", [S.COMPLETED, S.CANCELLED, S.FAILED_AT_COMPLETION])
async def test_a_finished_callout_gets_no_service_order(seed: Seed, state: CalloutState) -> None:
    callout = await seed.callout(state)
    response = await seed.client.post(f"/callouts/{callout}/create-service-order")
    assert response.status_code == 409
    problem = response.json()
    assert (problem["field"], problem["state"]) == ("state", state.value)
    assert state.value in problem["detail"]
    assert await _commands(seed, callout) == []
    assert (await seed.row(callout)).service_order_requested_at is None


async def test_bad_create_service_order_requests(seed: Seed) -> None:
    callout = await seed.callout(S.AWAITING_APPROVAL)
    missing = await seed.client.post(f"/callouts/{uuid.uuid4()}/create-service-order")
    assert missing.status_code == 404
    not_an_id = await seed.client.post("/callouts/nope/create-service-order")
    assert not_an_id.status_code == 422
    nobody = await seed.client.post(
        f"/callouts/{callout}/create-service-order", headers={"X-Aftersales-User": ""}
    )
    assert nobody.status_code == 400
    assert nobody.json()["field"] == "header.X-Aftersales-User"
    elsewhere = await seed.client.post(
        f"/callouts/{callout}/create-service-order",
        headers={"X-Aftersales-Org-Units": "elsewhere-" + uuid.uuid4().hex[:6]},
    )
    assert elsewhere.status_code == 404
    # Not a selection action.
    selection = await seed.client.post(
        "/callouts/actions/create-service-order", json={"ids": [callout]}
    )
    assert selection.status_code == 422
    assert await _commands(seed, callout) == []


async def test_the_opened_order_shows_and_its_completion_completes_the_callout(
    seed: Seed, settings: Settings
) -> None:
    callout = await seed.callout(S.SENT)
    assert (await seed.client.post(f"/callouts/{callout}/create-service-order")).status_code == 200
    order_id = uuid.uuid4()

    created = _order(callout, version=1, stage=Stage.NEW, order_id=order_id)
    await _publish(seed, settings, ServiceOrderCreated(order=created, changed_by="tester"))
    shown = (await seed.client.get(f"/callouts/{callout}")).json()
    assert (shown["service_order_id"], shown["service_order_number"]) == (
        str(order_id),
        "SO-000042",
    )
    assert (shown["service_order_stage"], shown["state"]) == ("new", "sent")
    listed = (await seed.list(serial_item_id=str(seed.item_id))).json()["items"]
    assert [r["service_order_number"] for r in listed if r["id"] == callout] == ["SO-000042"]
    columns = {c["key"] for c in (await seed.client.get("/callouts/columns")).json()}
    assert "service_order_number" in columns
    refused = await seed.client.post(f"/callouts/{callout}/create-service-order")
    assert refused.status_code == 409
    assert refused.json()["service_order_number"] == "SO-000042"
    assert "SO-000042 (new)" in refused.json()["detail"]

    done = _order(callout, version=7, stage=Stage.COMPLETED, order_id=order_id)
    await _publish(
        seed,
        settings,
        ServiceOrderCompleted(order=done, changed_by="tech-ada", completed_at=DONE_AT),
    )
    row = await seed.row(callout)
    assert (row.state, row.completed_by, row.service_order_stage) == (
        S.COMPLETED,
        "tech-ada",
        "completed",
    )
    # Exactly what "mark as completed" does: the step's on-completion message goes out.
    [completion] = await seed.send_requests(callout)
    assert completion["idempotency_key"] == f"callout:{callout}:completion:1"
    assert completion["content"]["email_subject"] == "Done"
    history = await _history(seed, callout)
    assert [h["action"] for h in history] == [
        "create_service_order",
        "service_order_opened",
        "mark_completed",
    ]
    assert history[1]["detail"] == "service order SO-000042 opened"
    assert (history[2]["actor"], history[2]["detail"]) == (
        "tech-ada",
        "completed by service order SO-000042",
    )

    # A late (older) event changes nothing.
    await _publish(seed, settings, ServiceOrderCreated(order=created, changed_by="tester"))
    assert (await seed.row(callout)).service_order_stage == "completed"
    assert len(await _history(seed, callout)) == 3


async def test_a_completion_arriving_before_the_creation_still_completes(
    seed: Seed, settings: Settings
) -> None:
    callout = await seed.callout(S.APPROVED)
    assert (await seed.client.post(f"/callouts/{callout}/create-service-order")).status_code == 200
    order_id = uuid.uuid4()
    done = _order(callout, version=4, stage=Stage.COMPLETED, order_id=order_id)
    await _publish(seed, settings, ServiceOrderCompleted(order=done, completed_at=DONE_AT))
    created = _order(callout, version=1, stage=Stage.NEW, order_id=order_id)
    await _publish(seed, settings, ServiceOrderCreated(order=created))
    row = await seed.row(callout)
    assert (row.state, row.service_order_stage, row.service_order_id) == (
        S.COMPLETED,
        "completed",
        order_id,
    )
    # Nobody named in the event: field work acted.
    assert row.completed_by == "fieldwork"


async def test_a_cancelled_order_leaves_the_callout_as_it_was(
    seed: Seed, settings: Settings
) -> None:
    callout = await seed.callout(S.SENT)
    assert (await seed.client.post(f"/callouts/{callout}/create-service-order")).status_code == 200
    order_id = uuid.uuid4()
    await _publish(
        seed,
        settings,
        ServiceOrderCreated(order=_order(callout, version=1, stage=Stage.NEW, order_id=order_id)),
    )
    cancelled = _order(callout, version=3, stage=Stage.CANCELLED, order_id=order_id)
    await _publish(
        seed,
        settings,
        ServiceOrderCancelled(order=cancelled, changed_by="planner", cancelled_at=DONE_AT),
    )
    row = await seed.row(callout)
    assert (row.state, row.completed_at) == (S.SENT, None)
    assert (row.service_order_number, row.service_order_stage) == ("SO-000042", "cancelled")
    assert await seed.send_requests(callout) == []
    last = (await _history(seed, callout))[-1]
    assert (last["action"], last["actor"], last["detail"]) == (
        "service_order_cancelled",
        "planner",
        "service order SO-000042 cancelled",
    )
    # One order per callout: the callout is still completed or cancelled by hand.
    again = await seed.client.post(f"/callouts/{callout}/create-service-order")
    assert again.status_code == 409
    assert "SO-000042 (cancelled)" in again.json()["detail"]
    assert (await seed.client.post(f"/callouts/{callout}/mark-completed")).status_code == 200


async def test_an_order_completed_after_the_callout_was_cancelled_changes_nothing(
    seed: Seed, settings: Settings
) -> None:
    callout = await seed.callout(S.SENT)
    assert (await seed.client.post(f"/callouts/{callout}/create-service-order")).status_code == 200
    assert (await seed.client.post(f"/callouts/{callout}/cancel")).status_code == 200
    done = _order(callout, version=2, stage=Stage.COMPLETED)
    await _publish(seed, settings, ServiceOrderCompleted(order=done, completed_at=DONE_AT))
    row = await seed.row(callout)
    assert (row.state, row.service_order_stage) == (S.CANCELLED, "completed")
    assert await seed.send_requests(callout) == []


async def test_orders_of_no_callout_or_an_unknown_one_are_ignored(
    seed: Seed, settings: Settings
) -> None:
    callout = await seed.callout(S.SENT)
    for order in (
        _order(None, version=2, stage=Stage.COMPLETED),
        _order(str(uuid.uuid4()), version=2, stage=Stage.COMPLETED),
    ):
        await _publish(seed, settings, ServiceOrderCompleted(order=order, completed_at=DONE_AT))
    row = await eventually(lambda: seed.row(callout), what="the callout")
    assert (row.state, row.service_order_id) == (S.SENT, None)
