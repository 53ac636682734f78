"""A completed service protocol reaches the customer's contact who said "send service
protocol: yes", as a PDF, and not a contact who said no; every service a process, through
the gateway: catalog's customer with both contacts, field work's orders and protocols
(with a photo), notifications' e-mail in the SMTP sink (the .eml parsed, the PDF's text
read with pypdf)."""

from __future__ import annotations

import email
import email.policy
import io
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pypdf import PdfReader

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (180, 90, 30)).save(out, format="JPEG")
    return out.getvalue()


async def _created(client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST until field work knows the customer, contact and item catalog just announced."""

    async def attempt() -> dict[str, Any] | None:
        response = await client.post(url, json=body)
        if response.status_code == 422 and response.json().get("field") in (
            "customer_id",
            "contact_id",
            "serial_item_id",
        ):
            return None
        created: dict[str, Any] = expect(response, 201)
        return created

    found: dict[str, Any] = await poll(attempt, f"POST {url} accepted")
    return found


async def _completed_protocol(
    client: httpx.AsyncClient, order: dict[str, Any], *, item: str, photo: bool
) -> dict[str, Any]:
    response = await client.post("/api/protocols", json={"order_id": order["id"]})
    protocol = expect(response, 201)
    url = f"/api/protocols/{protocol['id']}"
    tag = response.headers["etag"]
    response = await client.patch(
        url,
        json={"fault_description": "Leaking seal", "solution_description": "Seal replaced"},
        headers={"If-Match": tag},
    )
    tag = response.headers["etag"]
    expect(response)
    response = await client.put(
        f"{url}/items",
        json={"items": [{"description": item, "quantity": 2, "unit": "pcs"}]},
        headers={"If-Match": tag},
    )
    expect(response)
    tag = response.headers["etag"]
    response = await client.put(
        f"{url}/works",
        json={"works": [{"description": "Replaced the pump seal", "minutes": 75}]},
        headers={"If-Match": tag},
    )
    expect(response)
    tag = response.headers["etag"]
    if photo:
        response = await client.post(
            f"{url}/attachments",
            params={"kind": "photo_after", "file_name": "after.jpg"},
            content=_photo(),
            headers={"Content-Type": "image/jpeg"},
        )
        expect(response, 201)
        tag = response.headers["etag"]
    response = await client.post(f"{url}/complete", headers={"If-Match": tag})
    completed: dict[str, Any] = expect(response)
    assert completed["status"] == "completed"
    return completed


def _pdf_part(path: Path) -> tuple[EmailMessage, str, bytes]:
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    (part,) = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
    name = part.get_filename()
    assert name is not None
    content = part.get_content()
    assert isinstance(content, bytes)
    return mail, name, content


async def test_a_completed_protocol_reaches_the_flagged_contact_only(
    gateway_url: str, mail_dir: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    yes, no = f"ja.{tag}@example.com", f"nej.{tag}@example.com"
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        customer, item = await journey.world(client, approval="manual", allowed=["email"])
        contacts = f"/api/customers/{customer['id']}/contacts"
        flagged = expect(
            await client.post(
                contacts, json={"name": "Ja Jansson", "email": yes, "send_service_protocol": True}
            ),
            201,
        )
        unflagged = expect(
            await client.post(contacts, json={"name": "Nej Nilsson", "email": no}), 201
        )
        technician = expect(
            await client.post("/api/technicians", json={"name": f"Tess {tag}"}), 201
        )
        day = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        booking = {"date": day, "start": "09:00", "end": "11:00", "override": {"reason": "e2e"}}

        def order_body(contact: dict[str, Any]) -> dict[str, Any]:
            return {
                "customer_id": customer["id"],
                "contact_id": contact["id"],
                "serial_item_id": item["id"],
                "technician_id": technician["id"],
                "description": "Pump leaks",
                "booking": booking,
            }

        # The unflagged contact's order first: its protocol goes nowhere.
        quiet = await _created(client, "/api/service-orders", order_body(unflagged))
        done = await _completed_protocol(client, quiet, item="Seal kit Q", photo=False)
        assert done["will_send_to"] is None

        order = await _created(client, "/api/service-orders", order_body(flagged))
        done = await _completed_protocol(client, order, item=f"Pump seal {tag}", photo=True)
        assert done["will_send_to"]["email"] == yes

        async def logged() -> dict[str, Any] | None:
            log = expect(await client.get(f"/api/service-orders/{order['id']}/sent-log"))
            sent = [e for e in log["items"] if e["purpose"] == "service_protocol"]
            return sent[0] if sent and sent[0]["state"] == "sent" else None

        entry = await poll(logged, "the protocol's sent-log entry sent")
        assert (entry["recipients"], entry["flagged"]) == ([yes], False)
        pdf = await client.get(f"/api/protocols/{done['id']}/pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"

    async def delivered() -> Path | None:
        return journey.find_mail(mail_dir, yes)

    path = await poll(delivered, "the protocol in the flagged contact's inbox")
    mail, name, content = _pdf_part(path)
    assert mail["To"] == yes
    assert order["number"] in str(mail["Subject"])
    assert name == f"protocol-{order['number']}.pdf"
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    for expected in (order["number"], f"Pump seal {tag}", "Replaced the pump seal", "1 h 15 min"):
        assert expected in text, expected
    assert sum(len(page.images) for page in reader.pages) == 1  # the photo, scaled down

    # The unflagged contact got nothing, and the quiet order logged nothing.
    assert journey.find_mail(mail_dir, no) is None
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        log = expect(await client.get(f"/api/service-orders/{quiet['id']}/sent-log"))
        assert [e for e in log["items"] if e["purpose"] == "service_protocol"] == []
