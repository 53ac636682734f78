"""A booking confirmation, every service a process: an admin keeps a booking-confirmation
template for an order kind; a planner books an order of that kind and sends the
confirmation through the gateway; field work fills every tag (dates in the customer's
Swedish) and attaches the booking as an ``.ics``; notifications renders the template and
the e-mail reaches the SMTP sink; the order's sent log shows it sent."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e

SV_WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
SV_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

# Every tag of a booking confirmation, each on a line of its own, labelled.
TEMPLATE_BODY = "\n".join(
    f"{name}=[{{{{ {name} }}}}]"
    for name in (
        "company",
        "order_ref",
        "next_booking",
        "next_booking_name",
        "next_booking_date",
        "next_booking_time",
        "facility_or_customer",
        "customer_order_number",
        "service_objects",
        "future_bookings",
    )
)


async def _created(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST until field work knows what the body names: catalog's customer and item reach
    its projections through the broker a moment after catalog answered."""

    async def attempt() -> dict[str, Any] | None:
        response = await client.post(url, json=body)
        if response.status_code == 422 and response.json().get("field") in (
            "customer_id",
            "contact_id",
            "serial_item_id",
            "service_object_ids",
        ):
            return None
        created: dict[str, Any] = expect(response, 201)
        return created

    found: dict[str, Any] = await poll(attempt, f"POST {url} accepted")
    return found


async def test_a_booking_confirmation_reaches_the_customer_with_every_tag_and_the_ics(
    gateway_url: str, mail_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    address = f"sven.{tag}@example.com"
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        customer = expect(
            await client.post(
                "/api/customers",
                json={
                    "customer_number": f"C-{tag}",
                    "name": f"Bageriet {tag}",
                    "emails": [f"order.{tag}@example.com"],
                    "allowed_methods": ["email"],
                    "language": "sv",
                },
            ),
            201,
        )
        contact = expect(
            await client.post(
                f"/api/customers/{customer['id']}/contacts",
                json={"name": "Sven Svensson", "email": address, "mobile": "+46701234567"},
            ),
            201,
        )
        contact_id = contact["id"]
        product = expect(
            await client.post("/api/products", json={"product_number": f"P-{tag}", "name": "Ugn"}),
            201,
        )
        item = expect(
            await client.post(
                "/api/serial-items",
                json={
                    "serial_number": f"SN-{tag}",
                    "product_id": product["id"],
                    "owner_customer_id": customer["id"],
                    "startup_date": datetime.now(UTC).date().isoformat(),
                },
            ),
            201,
        )
        kind = expect(
            await client.post("/api/order-kinds", json={"code": f"rep-{tag}", "name": "Repair"}),
            201,
        )
        expect(
            await client.post(
                "/api/message-templates",
                json={
                    "name": f"Booking {tag}",
                    "kind": "booking_confirmation",
                    "order_kind": kind["code"],
                    "email_subject": "Bokning {{ order_ref }}",
                    "email_body": TEMPLATE_BODY,
                },
            ),
            201,
        )
        technician = expect(
            await client.post("/api/technicians", json={"name": f"Tess {tag}"}), 201
        )
        day = (datetime.now(UTC) + timedelta(days=2)).date()
        order = await _created(
            client,
            "/api/service-orders",
            {
                "customer_id": customer["id"],
                "contact_id": contact_id,
                "kind_id": kind["id"],
                "serial_item_id": item["id"],
                "service_object_ids": [item["id"]],
                "facility_name": f"Bageriet {tag} Södermalm",
                "technician_id": technician["id"],
                "booking": {
                    "date": day.isoformat(),
                    "start": "09:00",
                    "end": "11:30",
                    # Whatever weekday that is: the test is not about working hours.
                    "override": {"reason": "e2e"},
                },
            },
        )
        assert order["stage"] == "planned"

        offer = expect(await client.get(f"/api/service-orders/{order['id']}/booking-confirmation"))
        assert offer["can_offer"] is True
        assert offer["default_recipient"]["email"] == address

        sent = expect(
            await client.post(
                f"/api/service-orders/{order['id']}/booking-confirmation",
                json={"channels": ["email"]},
            ),
            202,
        )
        [entry] = sent["items"]
        assert (entry["recipients"], entry["state"], entry["requested_by"]) == (
            [address],
            "requested",
            "dev",
        )

        async def logged_sent() -> dict[str, Any] | None:
            log = expect(await client.get(f"/api/service-orders/{order['id']}/sent-log"))
            return log["items"][0] if log["items"][0]["state"] == "sent" else None

        done = await poll(logged_sent, "the sent log's entry sent")
        assert done["flagged"] is False
        ics = await client.get(f"/api/service-orders/{order['id']}/booking.ics")
        assert ics.status_code == 200

    async def delivered() -> Path | None:
        return journey.find_mail(mail_dir, address)

    path = await poll(delivered, "the booking confirmation in the SMTP sink")
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["To"] == address
    assert mail["Subject"] == f"Bokning {order['number']}"
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    tags = dict(
        line.split("=[", 1) for line in text.splitlines() if "=[" in line and line.endswith("]")
    )
    tags = {name: value[:-1] for name, value in tags.items()}
    long_date = f"{SV_WEEKDAYS[day.weekday()]} {day.day} {SV_MONTHS[day.month - 1]} {day.year}"
    visit = f"Tess {tag}, {long_date}, 09:00\u201311:30"
    assert tags["order_ref"] == order["number"]
    assert tags["company"]
    assert tags["next_booking"] == visit
    assert tags["next_booking_name"] == f"Tess {tag}"
    assert tags["next_booking_date"] == long_date
    assert tags["next_booking_time"] == "09:00\u201311:30"
    assert tags["facility_or_customer"] == f"Bageriet {tag} Södermalm"
    # No customer order number: notifications' Swedish "missing" word.
    assert tags["customer_order_number"] == "saknas"
    assert tags["service_objects"].startswith(f"SN-{tag}")
    assert tags["future_bookings"] == visit
    assert all(tags.values()), tags

    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"booking-{order['number']}.ics"
    assert attachment.get_content_type() == "text/calendar"
    calendar = attachment.get_payload(decode=True)
    assert isinstance(calendar, bytes)

    # The order's own .ics is the same calendar, but for when it was made (DTSTAMP).
    def stamped_apart(text: str) -> list[str]:
        return [line for line in text.split("\r\n") if not line.startswith("DTSTAMP:")]

    assert stamped_apart(calendar.decode()) == stamped_apart(ics.text)
    assert calendar.startswith(b"BEGIN:VCALENDAR\r\n")
    assert calendar.count(b"BEGIN:VEVENT") == 1
