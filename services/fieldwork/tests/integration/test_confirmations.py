"""Booking confirmations over HTTP against the real database and broker: the offer and
recipient suggestions, the send request in the outbox with every tag and the ``.ics``,
every refusal, the sent log flagged after a booking change, and notifications' results
moving the log through the broker.

Orders and bookings are written straight into the tables (``OrderBuilder``): the orders'
write side is another package's, and this one only reads them."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.notifications import (
    BlockReason,
    BusinessObject,
    Channel,
    MessageBlocked,
    MessageFailed,
    MessageSent,
)
from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.messaging import publish
from aftersales_testing.waiting import consumed, eventually
from fieldwork import tables
from fieldwork.settings import Settings

from .seed import World, as_user, runtime_of, seed_world

PROBLEM = "application/problem+json"


@dataclass
class Order:
    id: uuid.UUID
    number: str
    kind_code: str | None
    technician_id: uuid.UUID
    technician_username: str
    booking_ids: list[uuid.UUID]


class OrderBuilder:
    """An order with a technician and standing bookings, written into the tables."""

    def __init__(self, client: httpx.AsyncClient, world: World) -> None:
        self.client = client
        self.world = world

    async def order(
        self,
        *,
        kind: bool = True,
        contact_id: uuid.UUID | str | None = "default",
        bookings: tuple[tuple[date, time, time], ...] = (
            (date(2026, 12, 1), time(9, 0), time(11, 0)),
            (date(2026, 12, 3), time(13, 0), time(15, 30)),
        ),
        facility_name: str | None = None,
        customer_order_number: str | None = None,
    ) -> Order:
        runtime = runtime_of(self.client)
        now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
        suffix = uuid.uuid4().hex[:8]
        order_id, case_id, technician_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        kind_id = uuid.uuid4() if kind else None
        kind_code = f"repair-{suffix}" if kind else None
        username = f"tech-{suffix}"
        number = f"SO-T{suffix}"
        async with runtime.uow() as uow:
            s = uow.session
            if kind_id is not None:
                await s.execute(
                    insert(tables.order_kind).values(
                        id=kind_id,
                        version=1,
                        code=kind_code,
                        name="Repair",
                        org_unit_id=None,
                        created_at=now,
                        updated_at=now,
                    )
                )
            await s.execute(
                insert(tables.technician).values(
                    id=technician_id,
                    version=1,
                    name="Tina Tekniker",
                    username=username,
                    org_unit_id=self.world.org_unit_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            await s.execute(
                insert(tables.service_case).values(
                    id=case_id,
                    version=1,
                    number=f"SC-T{suffix}",
                    name="Oven",
                    customer_id=self.world.customer_id,
                    org_unit_id=self.world.org_unit_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            await s.execute(
                insert(tables.service_order).values(
                    id=order_id,
                    version=3,
                    number=number,
                    case_id=case_id,
                    kind_id=kind_id,
                    customer_id=self.world.customer_id,
                    contact_id=self.world.contact_id if contact_id == "default" else contact_id,
                    serial_item_id=self.world.item_id,
                    location={
                        "street": "Drottninggatan 1",
                        "postal_code": "111 51",
                        "city": "Stockholm",
                        "country": "SE",
                        "latitude": 59.3326,
                        "longitude": 18.0649,
                    },
                    service_object_ids=[self.world.item_id, self.world.other_item_id],
                    technician_id=technician_id,
                    description="The oven does not heat",
                    customer_order_number=customer_order_number,
                    facility_name=facility_name,
                    org_unit_id=self.world.org_unit_id,
                    stage="planned" if bookings else "new",
                    status="planned" if bookings else None,
                    created_at=now,
                    updated_at=now,
                )
            )
            booking_ids = []
            for day, start, end in bookings:
                booking_id = uuid.uuid4()
                booking_ids.append(booking_id)
                # Stockholm is UTC+1 in December.
                starts = datetime.combine(day, start, tzinfo=UTC) - timedelta(hours=1)
                ends = datetime.combine(day, end, tzinfo=UTC) - timedelta(hours=1)
                await s.execute(
                    insert(tables.booking).values(
                        id=booking_id,
                        order_id=order_id,
                        technician_id=technician_id,
                        starts_at=starts,
                        ends_at=ends,
                        local_date=day,
                        local_start=start,
                        local_end=end,
                        created_at=now,
                        updated_at=now,
                    )
                )
            await uow.commit()
        return Order(order_id, number, kind_code, technician_id, username, booking_ids)


@pytest.fixture
async def world(client: httpx.AsyncClient) -> World:
    return await seed_world(client)


@pytest.fixture
def orders(client: httpx.AsyncClient, world: World) -> OrderBuilder:
    return OrderBuilder(client, world)


async def send_commands(client: httpx.AsyncClient, order_id: uuid.UUID) -> list[dict[str, Any]]:
    """The SendMessage commands field work wrote to its outbox for the order."""
    async with runtime_of(client).uow() as uow:
        rows = await uow.session.execute(
            select(outbox_message.c.body)
            .where(
                outbox_message.c.message_type == "notifications.send_message",
                outbox_message.c.body["payload"]["business_object"]["id"].astext == str(order_id),
            )
            .order_by(outbox_message.c.id)
        )
        return [dict(r.body["payload"]) for r in rows]


# --- the offer and the suggestions ---------------------------------------------------------


async def test_a_confirmation_is_offered_to_the_orders_contact_with_suggestions(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order(facility_name="Bakery Södermalm")
    response = await client.get(f"/service-orders/{order.id}/booking-confirmation")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["can_offer"] is True
    assert body["reason"] is None
    sven = {
        "name": "Sven Svensson",
        "email": "sven@example.com",
        "mobile": "+46701234567",
        "source": "order_contact",
    }
    assert body["default_recipient"] == sven
    assert body["suggestions"] == [
        {
            "name": "Anna Andersson",
            "email": "anna@example.com",
            "mobile": None,
            "source": "customer_contact",
        },
        {
            "name": "Bageriet AB",
            "email": "order@bageriet.example",
            "mobile": "+46709876543",
            "source": "customer",
        },
        {
            "name": "Bakery Södermalm",
            "email": "order@bageriet.example",
            "mobile": "+46709876543",
            "source": "facility",
        },
        sven,
    ]


async def test_no_offer_without_a_contact_or_with_a_contact_without_email(
    client: httpx.AsyncClient, orders: OrderBuilder, world: World
) -> None:
    without = await orders.order(contact_id=None)
    body = (await client.get(f"/service-orders/{without.id}/booking-confirmation")).json()
    assert (body["can_offer"], body["reason"], body["default_recipient"]) == (
        False,
        "the order has no contact person",
        None,
    )
    # Anna's e-mail removed from the customer's contacts: she can be named, not offered.
    async with runtime_of(client).uow() as uow:
        contacts = await uow.session.scalar(
            select(tables.customer.c.contacts).where(tables.customer.c.id == world.customer_id)
        )
        assert contacts is not None
        contacts[1]["email"] = None
        await uow.session.execute(
            update(tables.customer)
            .where(tables.customer.c.id == world.customer_id)
            .values(contacts=contacts)
        )
        await uow.commit()
    anna = await orders.order(contact_id=world.other_contact_id)
    body = (await client.get(f"/service-orders/{anna.id}/booking-confirmation")).json()
    assert body["can_offer"] is False
    assert body["reason"] == "the contact person has no e-mail address"
    assert body["default_recipient"]["name"] == "Anna Andersson"


# --- sending -------------------------------------------------------------------------------


async def test_sending_puts_a_send_request_with_every_tag_and_the_ics_in_the_outbox(
    client: httpx.AsyncClient, orders: OrderBuilder, world: World, settings: Settings
) -> None:
    order = await orders.order(customer_order_number="PO-991")
    response = await client.post(
        f"/service-orders/{order.id}/booking-confirmation",
        json={"channels": ["email", "sms"], "note": "moved on the phone"},
    )
    assert response.status_code == 202, response.text
    entries = response.json()["items"]
    assert [(e["channel"], e["recipients"], e["state"], e["flagged"]) for e in entries] == [
        ("email", ["sven@example.com"], "requested", False),
        ("sms", ["+46701234567"], "requested", False),
    ]
    assert all(e["requested_by"] == "planner" for e in entries)

    commands = await send_commands(client, order.id)
    assert len(commands) == 2
    email, sms = commands
    expected_tags = {
        "company": settings.company_name,
        "order_ref": order.number,
        "future_bookings": (
            "Tina Tekniker, tisdag 1 december 2026, 09:00\u201311:00\n"
            "Tina Tekniker, torsdag 3 december 2026, 13:00\u201315:30"
        ),
        "next_booking": "Tina Tekniker, tisdag 1 december 2026, 09:00\u201311:00",
        "next_booking_name": "Tina Tekniker",
        "next_booking_date": "tisdag 1 december 2026",
        "next_booking_time": "09:00\u201311:00",
        "facility_or_customer": "Bageriet AB",
        "customer_order_number": "PO-991",
        "service_objects": (
            f"SN-{world.item_id.hex[:6]} Deck oven, SN-{world.other_item_id.hex[:6]} Deck oven"
        ),
    }
    for command, channel in ((email, "email"), (sms, "sms")):
        assert command["values"] == expected_tags
        assert all(value for value in command["values"].values())
        assert command["requester"] == "fieldwork"
        assert command["channel"] == channel
        assert command["template"] == {"id": None, "name": None, "order_kind": order.kind_code}
        assert command["language"] == "sv"
        assert command["org_unit_id"] == str(world.org_unit_id)
        assert command["requested_by"] == "planner"
        assert command["business_object"] == BusinessObject(
            kind="fieldwork.service_order", id=str(order.id), version=3
        ).model_dump(mode="json")
    assert email["idempotency_key"] != sms["idempotency_key"]
    assert email["recipient"]["emails"] == ["sven@example.com"]
    assert sms["recipient"]["mobiles"] == ["+46701234567"]
    assert {e["id"] for e in entries} == {email["requester_reference"], sms["requester_reference"]}
    assert sms["attachments"] == []
    [attachment] = email["attachments"]
    assert attachment["file_name"] == f"booking-{order.number}.ics"
    assert attachment["media_type"] == "text/calendar"
    ics = base64.b64decode(attachment["content_base64"]).decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert ics.count("BEGIN:VEVENT") == 2
    assert f"UID:{order.booking_ids[0]}@fieldwork.aftersales\r\n" in ics
    assert "DTSTART:20261201T080000Z\r\n" in ics
    # The same text as the order's own .ics.
    calendar = await client.get(f"/service-orders/{order.id}/booking.ics")
    assert calendar.status_code == 200
    assert calendar.headers["content-type"] == "text/calendar; charset=utf-8"
    assert f'filename="booking-{order.number}.ics"' in calendar.headers["content-disposition"]
    assert calendar.text == ics

    # The request is in the order's history, with the note.
    async with runtime_of(client).uow() as uow:
        history = (
            await uow.session.execute(
                select(tables.order_history.c.kind, tables.order_history.c.detail).where(
                    tables.order_history.c.order_id == order.id
                )
            )
        ).all()
    assert [(h.kind, h.detail["note"]) for h in history] == [
        ("confirmation_sent", "moved on the phone"),
        ("confirmation_sent", "moved on the phone"),
    ]


async def test_named_recipients_and_a_blank_customer_order_number(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order(facility_name="Bakery Södermalm")
    response = await client.post(
        f"/service-orders/{order.id}/booking-confirmation",
        json={"channels": ["email"], "emails": ["a@example.com", "b@example.com", "a@example.com"]},
    )
    assert response.status_code == 202, response.text
    assert response.json()["items"][0]["recipients"] == ["a@example.com", "b@example.com"]
    [command] = await send_commands(client, order.id)
    assert command["recipient"]["emails"] == ["a@example.com", "b@example.com"]
    # Notifications writes its localized "missing" word where this is blank.
    assert command["values"]["customer_order_number"] == ""
    assert command["values"]["facility_or_customer"] == "Bakery Södermalm"


async def test_a_retry_with_the_same_idempotency_key_sends_nothing_again(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order()
    url = f"/service-orders/{order.id}/booking-confirmation"
    headers = {"Idempotency-Key": "retry-" + uuid.uuid4().hex}
    first = await client.post(url, json={"channels": ["email"]}, headers=headers)
    again = await client.post(url, json={"channels": ["email"]}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert len(await send_commands(client, order.id)) == 1
    other = await client.post(url, json={"channels": ["email"]})
    assert other.json()["items"][0]["id"] != first.json()["items"][0]["id"]
    assert len(await send_commands(client, order.id)) == 2


# --- refusals ------------------------------------------------------------------------------


async def test_an_order_without_a_kind_has_no_template_409(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order(kind=False)
    response = await client.post(
        f"/service-orders/{order.id}/booking-confirmation", json={"channels": ["email"]}
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["reason"] == "kind_required"
    assert response.json()["field"] == "kind_id"
    assert await send_commands(client, order.id) == []


async def test_an_order_without_a_standing_booking_has_nothing_to_confirm_409(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order(bookings=())
    offer = (await client.get(f"/service-orders/{order.id}/booking-confirmation")).json()
    assert (offer["can_offer"], offer["reason"]) == (False, "the order has no booking to confirm")
    response = await client.post(
        f"/service-orders/{order.id}/booking-confirmation", json={"channels": ["email"]}
    )
    assert response.status_code == 409
    assert response.json()["reason"] == "no_standing_booking"


async def test_a_closed_order_gets_no_confirmation_409(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order()
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.service_order)
            .where(tables.service_order.c.id == order.id)
            .values(stage="completed", status="done")
        )
        await uow.commit()
    offer = (await client.get(f"/service-orders/{order.id}/booking-confirmation")).json()
    assert (offer["can_offer"], offer["reason"]) == (False, "the order is completed")
    response = await client.post(
        f"/service-orders/{order.id}/booking-confirmation", json={"channels": ["email"]}
    )
    assert response.status_code == 409
    assert response.json()["reason"] == "order_closed"
    assert await send_commands(client, order.id) == []


async def test_no_address_for_a_channel_is_422_naming_the_field(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order(contact_id=None)
    url = f"/service-orders/{order.id}/booking-confirmation"
    for channel, field in (("email", "emails"), ("sms", "mobiles")):
        response = await client.post(url, json={"channels": [channel]})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
    assert await send_commands(client, order.id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["fax"]}, "channels.0"),
        ({"channels": ["email", "email"]}, "channels"),
        ({"channels": ["email"], "emails": ["not-an-address"]}, "emails.0"),
        ({"channels": ["sms"], "mobiles": ["0701234567"]}, "mobiles.0"),
        ({"channels": ["email"], "emails": []}, "emails"),
        ({"channels": ["email"], "note": "x" * 1001}, "note"),
        ({"channels": ["email"], "cc": ["x@example.com"]}, "cc"),
        ({}, "channels"),
    ],
)
async def test_bad_input_is_422_naming_the_field(
    client: httpx.AsyncClient, orders: OrderBuilder, body: dict[str, Any], field: str
) -> None:
    order = await orders.order()
    response = await client.post(f"/service-orders/{order.id}/booking-confirmation", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert await send_commands(client, order.id) == []


async def test_unknown_and_hidden_orders_are_404_and_readers_may_not_send(
    client: httpx.AsyncClient, orders: OrderBuilder, world: World
) -> None:
    order = await orders.order()
    for path in ("booking-confirmation", "booking.ics", "sent-log"):
        missing = await client.get(f"/service-orders/{uuid.uuid4()}/{path}")
        assert missing.status_code == 404
        elsewhere = await client.get(
            f"/service-orders/{order.id}/{path}",
            headers=as_user("restricted", "operator", org_units=["ou-elsewhere"]),
        )
        assert elsewhere.status_code == 404
        other_technician = await client.get(
            f"/service-orders/{order.id}/{path}", headers=as_user("someone-else", "technician")
        )
        assert other_technician.status_code == 404
        own = await client.get(
            f"/service-orders/{order.id}/{path}",
            headers=as_user(order.technician_username, "technician"),
        )
        assert own.status_code == 200
    url = f"/service-orders/{order.id}/booking-confirmation"
    body = {"channels": ["email"]}
    assert (
        await client.post(f"/service-orders/{uuid.uuid4()}/booking-confirmation", json=body)
    ).status_code == 404
    hidden = await client.post(url, json=body, headers=as_user("someone-else", "technician"))
    assert hidden.status_code == 404
    for caller in (as_user("reader", "viewer"), as_user(order.technician_username, "technician")):
        refused = await client.post(url, json=body, headers=caller)
        assert refused.status_code == 403, refused.text
    unit_planner = as_user("unit-planner", "operator", org_units=[world.org_unit_code])
    assert (await client.post(url, json=body, headers=unit_planner)).status_code == 202
    assert len(await send_commands(client, order.id)) == 1


# --- the sent log --------------------------------------------------------------------------


async def test_the_sent_log_is_flagged_once_the_bookings_changed(
    client: httpx.AsyncClient, orders: OrderBuilder
) -> None:
    order = await orders.order()
    url = f"/service-orders/{order.id}/booking-confirmation"
    sent = (await client.post(url, json={"channels": ["email"]})).json()["items"][0]
    log = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
    assert [(e["id"], e["flagged"]) for e in log] == [(sent["id"], False)]

    # The planner moves the second visit by an hour (as the orders' use case would).
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.booking)
            .where(tables.booking.c.id == order.booking_ids[1])
            .values(
                starts_at=tables.booking.c.starts_at + timedelta(hours=1),
                ends_at=tables.booking.c.ends_at + timedelta(hours=1),
            )
        )
        await uow.commit()
    log = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
    assert [(e["id"], e["flagged"]) for e in log] == [(sent["id"], True)]

    # Sent again: the new entry stands, the old one stays flagged; newest first.
    again = (await client.post(url, json={"channels": ["sms"]})).json()["items"][0]
    log = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
    assert {e["id"]: e["flagged"] for e in log} == {again["id"]: False, sent["id"]: True}

    # A released booking changes the standing ones too.
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.booking)
            .where(tables.booking.c.id == order.booking_ids[0])
            .values(state="released")
        )
        await uow.commit()
    log = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
    assert all(e["flagged"] for e in log)


async def test_notifications_results_move_the_entries_through_the_broker(
    client: httpx.AsyncClient, orders: OrderBuilder, settings: Settings
) -> None:
    order = await orders.order()
    url = f"/service-orders/{order.id}/booking-confirmation"
    await client.post(url, json={"channels": ["email", "sms"]})
    email, sms = await send_commands(client, order.id)
    runtime = runtime_of(client)
    sent_id, blocked_id = uuid.uuid4(), uuid.uuid4()
    common = {"business_object": BusinessObject(kind="fieldwork.service_order", id=str(order.id))}
    # Another requester's result with the same key is not ours.
    foreign = await publish(
        runtime.broker,
        settings.broker_prefix,
        MessageFailed(
            message_id=uuid.uuid4(),
            idempotency_key=email["idempotency_key"],
            requester="scheduling",
            requester_reference=email["requester_reference"],
            channel=Channel.EMAIL,
            reason="not ours",
            **common,
        ),
    )
    await consumed(runtime.sessionmaker, foreign.message_id)
    log = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
    assert {e["state"] for e in log} == {"requested"}

    await publish(
        runtime.broker,
        settings.broker_prefix,
        MessageSent(
            message_id=sent_id,
            idempotency_key=email["idempotency_key"],
            requester="fieldwork",
            requester_reference=email["requester_reference"],
            channel=Channel.EMAIL,
            sent_to=["sven@example.com"],
            **common,
        ),
    )
    await publish(
        runtime.broker,
        settings.broker_prefix,
        MessageBlocked(
            message_id=blocked_id,
            idempotency_key=sms["idempotency_key"],
            requester="fieldwork",
            requester_reference=sms["requester_reference"],
            reason=BlockReason.SMS_SETUP_MISSING,
            detail="SMS sending is not set up (no provider)",
            **common,
        ),
    )

    async def states() -> dict[str, tuple[str, str | None, str | None]]:
        items = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
        return {e["channel"]: (e["state"], e["detail"], e["message_id"]) for e in items}

    final = await eventually(
        states, lambda s: s["email"][0] == "sent" and s["sms"][0] == "blocked", what="results"
    )
    assert final == {
        "email": ("sent", "sent to sven@example.com", str(sent_id)),
        "sms": (
            "blocked",
            "sms_setup_missing: SMS sending is not set up (no provider)",
            str(blocked_id),
        ),
    }
    log = (await client.get(f"/service-orders/{order.id}/sent-log")).json()["items"]
    assert next(e for e in log if e["channel"] == "email")["sent_at"] is not None
