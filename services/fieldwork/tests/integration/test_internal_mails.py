"""Internal e-mails (seed 004): the org units' document settings (admins, If-Match after
the first save, addresses validated by position), the e-mails to the lists for articles
to order, ordered articles and delivered parts (409 naming the empty setting), and the
planners told once of a booking outside working hours."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_contracts.topology import FIELDWORK_DOCUMENT_TRIGGERS
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.waiting import consumed, eventually
from tests.integration.seed import as_user, runtime_of, seed_world
from tests.integration.test_documents_support import save_settings, send_requests
from tests.integration.test_orders_support import add_technician, if_match, new_order

DOCUMENTS = FIELDWORK_DOCUMENT_TRIGGERS.name


def _problem(answer: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    if field is not None:
        assert field in [body.get("field"), *(e["field"] for e in body.get("errors", []))], body
    return body


async def test_document_settings(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    url = f"/document-settings/{world.org_unit_id}"
    fresh = await client.get(url)
    assert (fresh.status_code, fresh.headers["ETag"]) == (200, '"0"')
    assert fresh.json() == {
        "org_unit_id": str(world.org_unit_id),
        "version": 0,
        "articles_to_order_emails": [],
        "ordered_articles_emails": [],
        "delivered_parts_emails": [],
        "planner_emails": [],
        "protocol_file_name_with_machine_number": False,
        "updated_at": None,
        "updated_by": None,
    }
    body = {
        "articles_to_order_emails": ["stock@example.com", "STOCK@example.com", "buy@example.com"],
        "protocol_file_name_with_machine_number": True,
    }
    first = await client.put(url, json=body)  # the first save needs no If-Match
    assert (first.status_code, first.headers["ETag"]) == (200, '"1"'), first.text
    saved = first.json()
    assert saved["articles_to_order_emails"] == ["stock@example.com", "buy@example.com"]
    assert (saved["updated_by"], saved["protocol_file_name_with_machine_number"]) == (
        "planner",
        True,
    )
    assert (await client.get(url)).json() == saved
    _problem(await client.put(url, json=body), 428, "If-Match")
    _problem(await client.put(url, json=body, headers={"If-Match": '"7"'}), 412, "If-Match")
    _problem(
        await client.put(
            url,
            json={"articles_to_order_emails": ["a@example.com", "no-address"]},
            headers={"If-Match": '"1"'},
        ),
        422,
        "articles_to_order_emails.1",
    )
    _problem(
        await client.put(url, json={"planner_email": []}, headers={"If-Match": '"1"'}),
        422,
        "planner_email",
    )
    second = await client.put(
        url, json={"planner_emails": ["plan@example.com"]}, headers={"If-Match": '"1"'}
    )
    assert second.json()["version"] == 2
    # Replaced whole: what the body leaves out is back to its default.
    assert second.json()["articles_to_order_emails"] == []
    # Admins only; an org unit unknown or out of sight is not found.
    for role in ("operator", "viewer", "technician"):
        _problem(await client.get(url, headers=as_user("x", role)), 403, None)
        _problem(await client.put(url, json={}, headers=as_user("x", role)), 403, None)
    _problem(await client.get(f"/document-settings/{uuid.uuid4()}"), 404, None)
    restricted = as_user("ada", "admin", org_units=["elsewhere"])
    _problem(await client.get(url, headers=restricted), 404, None)


async def test_internal_mails_go_to_the_org_units_list(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    username = "tekla-" + uuid.uuid4().hex[:8]
    technician_id = await add_technician(client, world, username=username)
    order = await new_order(client, world, technician_id=str(technician_id))
    url = f"/service-orders/{order['id']}/internal-mails"
    body = {"kind": "articles_to_order", "text": "Door hinge HG-7, 2 pcs"}
    refused = _problem(await client.post(url, json=body), 409, "articles_to_order_emails")
    assert refused["reason"] == "no_addresses"

    await save_settings(
        client,
        world.org_unit_id,
        articles_to_order_emails=["stock@example.com", "buy@example.com"],
        delivered_parts_emails=["goods@example.com"],
    )
    sent = await client.post(url, json=body)
    assert sent.status_code == 202, sent.text
    (entry,) = sent.json()["items"]
    assert (entry["purpose"], entry["recipients"]) == (
        "articles_to_order",
        ["stock@example.com", "buy@example.com"],
    )
    (request,) = await send_requests(client, order["id"])
    assert request["recipient"]["emails"] == ["stock@example.com", "buy@example.com"]
    assert request["values"]["subject"] == f"Articles to order: {order['number']} (Bageriet AB)"
    text = request["values"]["body"]
    assert text.startswith("Door hinge HG-7, 2 pcs")
    assert f"/service-orders/{order['id']}" in text
    assert "Sent by: planner" in text

    # The order's own technician may too; ordered articles has no list yet: 409.
    tekla = as_user(username, "technician")
    delivered = await client.post(
        url, json={"kind": "delivered_parts", "text": "Arrived"}, headers=tekla
    )
    assert delivered.json()["items"][0]["recipients"] == ["goods@example.com"]
    _problem(
        await client.post(url, json={"kind": "ordered_articles", "text": "x"}),
        409,
        "ordered_articles_emails",
    )
    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    assert sorted((e["purpose"], e["flagged"]) for e in log) == [
        ("articles_to_order", False),
        ("delivered_parts", False),
    ]

    # Refusals.
    _problem(await client.post(url, json={"kind": "invoice", "text": "x"}), 422, "kind")
    _problem(await client.post(url, json={"kind": "delivered_parts", "text": " "}), 422, "text")
    _problem(await client.post(url, json=body, headers=as_user("vera", "viewer")), 403, None)
    _problem(await client.post(url, json=body, headers=as_user("otto", "technician")), 404, None)
    _problem(
        await client.post(f"/service-orders/{uuid.uuid4()}/internal-mails", json=body), 404, None
    )
    assert len(await send_requests(client, order["id"])) == 2


async def test_planners_are_told_once_of_a_booking_outside_working_hours(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    await save_settings(client, world.org_unit_id, planner_emails=["plan@example.com"])
    technician_id = await add_technician(client, world, name="Tekla Tekniker")
    order = await new_order(client, world, technician_id=str(technician_id))
    bookings = f"/service-orders/{order['id']}/bookings"
    # Inside working hours (07-17): nobody is told.
    inside = await client.post(
        bookings,
        json={"date": "2026-12-01", "start": "08:00", "end": "09:00"},
        headers=if_match(order),
    )
    assert inside.status_code == 201, inside.text
    outside = await client.post(
        bookings,
        json={
            "date": "2026-12-02",
            "start": "18:00",
            "end": "20:00",
            "override": {"reason": "only evenings possible"},
        },
        headers=if_match(inside.json()),
    )
    assert outside.status_code == 201, outside.text

    async def planner_mails() -> list[Any]:
        return [
            r
            for r in await send_requests(client, order["id"])
            if r["recipient"]["emails"] == ["plan@example.com"]
        ]

    (mail,) = await eventually(planner_mails)
    assert mail["values"]["subject"] == (
        f"Booking outside working hours: {order['number']} 2026-12-02"
    )
    assert "Tekla Tekniker is booked on 2026-12-02 18:00-20:00" in mail["values"]["body"]
    assert "Reason: only evenings possible" in mail["values"]["body"]

    # A later booking (another booked event) does not tell of the first one again.
    later = await client.post(
        bookings,
        json={"date": "2026-12-03", "start": "09:00", "end": "10:00"},
        headers=if_match(outside.json()),
    )
    assert later.status_code == 201, later.text

    runtime = runtime_of(client)
    async with runtime.uow() as uow:
        booked = list(
            await uow.session.scalars(
                select(outbox_message.c.message_id).where(
                    outbox_message.c.message_type == "fieldwork.order.booked",
                    outbox_message.c.body["payload"]["order"]["order_id"].astext == order["id"],
                )
            )
        )
    assert len(booked) == 3
    for message_id in booked:
        await consumed(runtime.sessionmaker, message_id, consumer=DOCUMENTS)
    assert len(await planner_mails()) == 1
    log = (await client.get(f"/service-orders/{order['id']}/sent-log")).json()["items"]
    assert [e["purpose"] for e in log] == ["planner_outside_hours"]
