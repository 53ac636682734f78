"""A service case from start to invoicing, every service a process, through the gateway:
the dispatcher opens a case and a trip for a technician; the technician (a gateway user
with the technician role) departs, arrives and starts work (the case is InProgress),
fills the protocol with an item and a work line, uploads a photo, completes it and the
order; the dispatcher's review finds nothing missing, closes the case (Completed) and
marks it ready for invoicing, whose event reaches a queue of the test's own bound to the
events exchange."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest

from aftersales_contracts.topology import EVENTS_EXCHANGE
from aftersales_testing import journey
from aftersales_testing.infrastructure import Infrastructure
from aftersales_testing.journey import expect, poll
from aftersales_testing.messaging import take

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Awaitable[httpx.AsyncClient]]
READY = "fieldwork.case.ready_for_invoicing"
# A tiny JPEG's magic bytes and some body: field work checks the type by its bytes.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 40


async def _bind_queue(amqp_url: str, prefix: str) -> str:
    """A queue of the test's own, bound to this stack's events exchange for the
    ready-for-invoicing event (no service consumes it yet: an invoicing system will)."""
    name = f"{prefix}e2e.invoicing.{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, durable=False, auto_delete=False)
        await queue.bind(prefix + EVENTS_EXCHANGE, routing_key=READY)
    finally:
        await connection.close()
    return name


async def _drop_queue(amqp_url: str, name: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        await channel.queue_delete(name)
    finally:
        await connection.close()


async def _case(admin: httpx.AsyncClient, customer: dict[str, Any], item: dict[str, Any]) -> Any:
    """The case, once field work has the customer and item from catalog's events (a 422
    naming them until then)."""
    body = {
        "name": "Pump leaks",
        "customer_id": customer["id"],
        "serial_item_ids": [item["id"]],
        "planned_start": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }

    async def created() -> httpx.Response | None:
        response = await admin.post("/api/service-cases", json=body)
        if response.status_code == 422 and str(response.json().get("field")).startswith(
            ("customer_id", "serial_item_ids")
        ):
            return None
        return response

    return expect(await poll(created, "the customer and item in field work"), 201)


async def test_a_case_from_its_trip_to_invoicing(
    gateway_url: str, sign_in: SignIn, infra: Infrastructure, broker_prefix: str
) -> None:
    phone = await sign_in("technician")
    username = expect(await phone.get("/auth/me"))["username"]
    queue = await _bind_queue(infra.amqp_url, broker_prefix)
    try:
        async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as admin:
            await journey.login(admin, "dev", "dev")
            customer, item = await journey.world(admin, approval="manual", allowed=["email"])
            technician = expect(
                await admin.post(
                    "/api/technicians",
                    json={"name": f"Tess {uuid.uuid4().hex[:6]}", "username": username},
                ),
                201,
            )
            case = await _case(admin, customer, item)
            assert case["status"] == "planned"

            # The dispatcher plans a trip for the technician.
            tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
            trip = expect(
                await admin.post(
                    f"/api/service-cases/{case['id']}/trips",
                    json={
                        "trip_type": "customer_visit",
                        "technician_ids": [technician["id"]],
                        "customer_order_number": "PO-4711",
                        "booking": {
                            "date": tomorrow,
                            "start": "09:00",
                            "end": "11:00",
                            "override": {"reason": "e2e"},
                        },
                    },
                ),
                201,
            )
            assert (trip["stage"], trip["serial_item_id"]) == ("planned", item["id"])

            # On the phone: on the way, on site, working; the case is in progress.
            response = await phone.get(f"/api/service-orders/{trip['id']}")
            expect(response)
            etag = response.headers["etag"]
            for action in ("depart", "arrive", "start_work"):
                response = await phone.post(
                    f"/api/service-orders/{trip['id']}/actions/{action}",
                    headers={"If-Match": etag},
                )
                expect(response)
                etag = response.headers["etag"]
            seen = expect(await admin.get(f"/api/service-cases/{case['id']}"))
            assert seen["status"] == "in_progress"
            assert [o["status"] for o in seen["orders"]] == ["working"]

            # The protocol: an item, a work line, a photo, completed.
            response = await phone.post("/api/protocols", json={"order_id": trip["id"]})
            protocol = expect(response, 201)
            tag = response.headers["etag"]
            url = f"/api/protocols/{protocol['id']}"
            response = await phone.put(
                f"{url}/items",
                json={"items": [{"description": "Pump seal", "quantity": 2, "unit": "pcs"}]},
                headers={"If-Match": tag},
            )
            expect(response)
            tag = response.headers["etag"]
            response = await phone.put(
                f"{url}/works",
                json={"works": [{"description": "Replaced the seal", "minutes": 50}]},
                headers={"If-Match": tag},
            )
            expect(response)
            tag = response.headers["etag"]
            response = await phone.post(
                f"{url}/attachments",
                params={"kind": "photo_after", "file_name": "after.jpg"},
                content=JPEG,
                headers={"Content-Type": "image/jpeg"},
            )
            expect(response, 201)
            tag = response.headers["etag"]
            response = await phone.post(f"{url}/complete", headers={"If-Match": tag})
            assert expect(response)["status"] == "completed"
            response = await phone.post(
                f"/api/service-orders/{trip['id']}/actions/complete", headers={"If-Match": etag}
            )
            assert expect(response)["stage"] == "completed"

        # The dispatcher's review: nothing missing; closed; ready for invoicing.
        async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as admin:
            await journey.login(admin, "dev", "dev")
            review = expect(await admin.get(f"/api/service-cases/{case['id']}/review"))
            assert (review["missing"], review["can_close"]) == ([], True)
            response = await admin.get(f"/api/service-cases/{case['id']}")
            seen = expect(response)
            assert seen["status"] == "planned"  # done trips, not yet reviewed
            assert [p["status"] for p in seen["protocols"]] == ["completed"]
            response = await admin.post(
                f"/api/service-cases/{case['id']}/close",
                headers={"If-Match": response.headers["etag"]},
            )
            assert expect(response)["status"] == "completed"
            response = await admin.post(
                f"/api/service-cases/{case['id']}/ready-for-invoicing",
                headers={"If-Match": response.headers["etag"]},
            )
            ready = expect(response)
            assert ready["invoicing_ready_by"] == "dev"

        message = await take(infra.amqp_url, queue, timeout=30)
        assert message["type"] == READY
        payload = message["payload"]
        assert (payload["case_id"], payload["case_number"]) == (case["id"], case["number"])
        assert payload["customer_id"] == customer["id"]
        assert payload["order_ids"] == [trip["id"]]
        assert payload["order_numbers"] == [trip["number"]]
        assert payload["customer_order_numbers"] == ["PO-4711"]
        assert payload["technicians"] == [technician["name"]]
        assert [(i["description"], i["quantity"], i["unit"]) for i in payload["items"]] == [
            ("Pump seal", "2", "pcs")
        ]
        assert [(w["description"], w["minutes"]) for w in payload["works"]] == [
            ("Replaced the seal", 50)
        ]
        assert payload["works"][0]["technician_id"] == technician["id"]
        assert payload["ready_by"] == "dev"
    finally:
        await _drop_queue(infra.amqp_url, queue)
