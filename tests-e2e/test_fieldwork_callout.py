"""From a callout to a visit and back, every service a process: "create service order" in
scheduling opens the order in field work (through the broker); the order is booked and
carried out; its completion completes the callout, whose on-completion e-mail reaches
the SMTP sink. A cancelled order leaves its callout as it was."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e


async def _callout(client: httpx.AsyncClient, item: dict[str, Any]) -> dict[str, Any]:
    async def first() -> dict[str, Any] | None:
        page = expect(await client.get("/api/callouts", params={"serial_item_id": item["id"]}))
        return page["items"][0] if page["items"] else None

    found: dict[str, Any] = await poll(first, "a callout for the item")
    return found


async def _callout_where(
    client: httpx.AsyncClient, callout_id: str, what: str, **fields: Any
) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        body: dict[str, Any] = expect(await client.get(f"/api/callouts/{callout_id}"))
        return body if all(body[k] == v for k, v in fields.items()) else None

    found: dict[str, Any] = await poll(reached, what)
    return found


async def _order_of(client: httpx.AsyncClient, callout_id: str) -> tuple[dict[str, Any], str]:
    """The order field work opened for the callout, as the callout names it, and its ETag."""

    async def named() -> dict[str, Any] | None:
        body: dict[str, Any] = expect(await client.get(f"/api/callouts/{callout_id}"))
        return body if body["service_order_number"] else None

    callout = await poll(named, "the callout's service order")
    response = await client.get(f"/api/service-orders/{callout['service_order_id']}")
    order = expect(response)
    assert order["number"] == callout["service_order_number"]
    return order, response.headers["etag"]


async def _act(
    client: httpx.AsyncClient, order_id: str, etag: str, action: str
) -> tuple[dict[str, Any], str]:
    response = await client.post(
        f"/api/service-orders/{order_id}/actions/{action}", headers={"If-Match": etag}
    )
    return expect(response), response.headers["etag"]


async def test_a_callout_completed_by_its_service_order(gateway_url: str, mail_dir: Path) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        customer, item = await journey.world(client, approval="manual", allowed=["email"])
        callout = await _callout(client, item)
        assert callout["state"] == "awaiting_approval"

        asked = expect(await client.post(f"/api/callouts/{callout['id']}/create-service-order"))
        assert (asked["state"], asked["service_order_requested_by"]) == ("awaiting_approval", "dev")
        again = await client.post(f"/api/callouts/{callout['id']}/create-service-order")
        assert again.status_code == 409
        assert again.json()["field"] == "service_order"

        # Field work opened it, prefilled from the callout.
        order, etag = await _order_of(client, callout["id"])
        assert order["callout_id"] == callout["id"]
        assert (order["customer_id"], order["serial_item_id"]) == (customer["id"], item["id"])
        assert order["service_type_id"] == callout["service_type_id"]
        assert order["description"] == "Annual inspection: 1st reminder"
        assert order["stage"] == "new"
        listed = expect(
            await client.get("/api/service-orders", params={"customer_id": customer["id"]})
        )
        assert [o["id"] for o in listed["items"]] == [order["id"]]

        # A technician books it and carries it out.
        tag = uuid.uuid4().hex[:8]
        technician = expect(
            await client.post("/api/technicians", json={"name": f"Tess {tag}"}), 201
        )
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        booked = await client.post(
            f"/api/service-orders/{order['id']}/bookings",
            json={
                "technician_id": technician["id"],
                "date": tomorrow,
                "start": "09:00",
                "end": "11:00",
                # Whatever weekday tomorrow is: the test is not about working hours.
                "override": {"reason": "e2e"},
            },
            headers={"If-Match": etag},
        )
        assert booked.status_code == 201, booked.text
        assert booked.json()["stage"] == "planned"
        etag = booked.headers["etag"]
        for action in ("depart", "arrive", "start_work"):
            order, etag = await _act(client, order["id"], etag, action)
        order, etag = await _act(client, order["id"], etag, "complete")
        assert (order["stage"], order["status"]) == ("completed", "done")

        # The callout is completed as "mark as completed" completes it, by the order.
        done = await _callout_where(
            client,
            callout["id"],
            "the callout completed with its on-completion message",
            state="completed",
            service_order_stage="completed",
        )
        assert done["completed_by"] == "dev"

        async def completion_sent() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(await client.get(f"/api/callouts/{callout['id']}"))
            return body if body["completion_message_id"] else None

        sent = await poll(completion_sent, "the on-completion message")
        message = expect(await client.get(f"/api/messages/{sent['completion_message_id']}"))
        assert message["subject"] == f"Service done for {item['serial_number']}"
        history = expect(await client.get(f"/api/callouts/{callout['id']}/history"))
        assert [(h["action"], h["detail"]) for h in history] == [
            ("create_service_order", "service order requested from field work"),
            ("service_order_opened", f"service order {order['number']} opened"),
            ("mark_completed", f"completed by service order {order['number']}"),
        ]

    address = customer["emails"][0]

    async def delivered() -> Path | None:
        path = journey.find_mail(mail_dir, address)
        if path is None:
            return None
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        return path if mail["Subject"] == f"Service done for {item['serial_number']}" else None

    path = await poll(delivered, "the on-completion e-mail in the SMTP sink")
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["To"] == address
    body = mail.get_body(("plain",))
    assert body is not None
    assert "thank you" in body.get_content()


async def test_a_cancelled_service_order_leaves_the_callout_as_it_was(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        _, item = await journey.world(client, approval="manual", allowed=["email"])
        callout = await _callout(client, item)
        expect(await client.post(f"/api/callouts/{callout['id']}/create-service-order"))
        order, etag = await _order_of(client, callout["id"])
        cancelled, _ = await _act(client, order["id"], etag, "cancel")
        assert cancelled["stage"] == "cancelled"

        after = await _callout_where(
            client,
            callout["id"],
            "the order's cancellation on the callout",
            service_order_stage="cancelled",
        )
        assert (after["state"], after["completed_at"], after["completion_message_id"]) == (
            "awaiting_approval",
            None,
            None,
        )
        assert after["service_order_number"] == order["number"]
        # One order per callout; the callout itself goes on as before.
        refused = await client.post(f"/api/callouts/{callout['id']}/create-service-order")
        assert refused.status_code == 409
        assert "cancelled" in refused.json()["detail"]
        expect(await client.post(f"/api/callouts/{callout['id']}/approve"))
