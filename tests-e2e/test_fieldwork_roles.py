"""Roles at the gateway and in field work, every service a process: a technician user sees
and acts on the orders assigned to them only (another technician's is a 404), may not
create or change orders (403), and reaches nothing of field work's set-up or planning."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Awaitable[httpx.AsyncClient]]


async def _username(client: httpx.AsyncClient) -> str:
    me: dict[str, Any] = expect(await client.get("/auth/me"))
    return str(me["username"])


async def _order(
    admin: httpx.AsyncClient, customer: dict[str, Any], item: dict[str, Any], technician_id: str
) -> tuple[dict[str, Any], str]:
    """An order for the technician, once field work has the customer and item from
    catalog's events (a 422 naming them until then)."""
    body = {
        "customer_id": customer["id"],
        "serial_item_id": item["id"],
        "technician_id": technician_id,
        "description": "Replace the pump seal",
    }

    async def created() -> httpx.Response | None:
        response = await admin.post("/api/service-orders", json=body)
        if response.status_code == 422 and response.json().get("field") in (
            "customer_id",
            "serial_item_id",
        ):
            return None
        return response

    response = await poll(created, "the customer and item in field work")
    return expect(response, 201), response.headers["etag"]


async def test_a_technician_sees_and_acts_on_their_own_orders_only(
    gateway_url: str, sign_in: SignIn
) -> None:
    tech_a = await sign_in("technician")
    tech_b = await sign_in("technician")
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as admin:
        await journey.login(admin, "dev", "dev")
        customer, item = await journey.world(admin, approval="manual", allowed=["email"])
        technicians = []
        for client in (tech_a, tech_b):
            username = await _username(client)
            technicians.append(
                expect(
                    await admin.post(
                        "/api/technicians",
                        json={"name": f"Tech {uuid.uuid4().hex[:6]}", "username": username},
                    ),
                    201,
                )
            )
        mine, etag = await _order(admin, customer, item, technicians[0]["id"])
        theirs, _ = await _order(admin, customer, item, technicians[1]["id"])
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        booked = await admin.post(
            f"/api/service-orders/{mine['id']}/bookings",
            json={
                "date": tomorrow,
                "start": "09:00",
                "end": "10:00",
                "override": {"reason": "e2e"},
            },
            headers={"If-Match": etag},
        )
        assert booked.status_code == 201, booked.text
        etag = booked.headers["etag"]

    # Their own order: seen, listed, and the status actions are theirs.
    seen = await tech_a.get(f"/api/service-orders/{mine['id']}")
    assert seen.status_code == 200, seen.text
    listed = expect(await tech_a.get("/api/service-orders", params={"customer_id": customer["id"]}))
    assert [o["id"] for o in listed["items"]] == [mine["id"]]
    departed = await tech_a.post(
        f"/api/service-orders/{mine['id']}/actions/depart", headers={"If-Match": etag}
    )
    assert departed.status_code == 200, departed.text
    assert departed.json()["status"] == "en_route"
    expect(await tech_a.get("/api/my-day"))
    expect(await tech_a.get("/api/map"))

    # Another technician's order: as if it did not exist.
    other = await tech_a.get(f"/api/service-orders/{theirs['id']}")
    assert other.status_code == 404
    refused = await tech_a.post(
        f"/api/service-orders/{theirs['id']}/actions/depart", headers={"If-Match": '"1"'}
    )
    assert refused.status_code == 404
    assert (await tech_b.get(f"/api/service-orders/{mine['id']}")).status_code == 404

    # Creating or changing orders is the planners' (field work refuses: 403) ...
    created = await tech_a.post(
        "/api/service-orders",
        json={"customer_id": customer["id"], "serial_item_id": item["id"]},
    )
    assert created.status_code == 403, created.text
    changed = await tech_a.patch(
        f"/api/service-orders/{mine['id']}",
        json={"description": "mine now"},
        headers={"If-Match": departed.headers["etag"]},
    )
    assert changed.status_code == 403, changed.text
    # ... they read their own technician record only, and the vehicles and kinds ...
    own = expect(await tech_a.get("/api/technicians"))["items"]
    assert [t["id"] for t in own] == [technicians[0]["id"]]
    assert expect(await tech_a.get("/api/technicians/me"))["id"] == technicians[0]["id"]
    expect(await tech_a.get("/api/vehicles"))
    expect(await tech_a.get("/api/order-kinds"))
    written = await tech_a.post("/api/vehicles", json={"registration": "ABC123", "name": "Van"})
    assert written.status_code == 403
    # ... and the board and planning are not theirs at all (the gateway: 403).
    assert (await tech_a.get("/api/board")).status_code == 403
    assert (await tech_a.get("/api/planning/day")).status_code == 403
    assert (await tech_a.get("/api/callouts")).status_code == 403


async def test_planners_plan_and_viewers_read(gateway_url: str, sign_in: SignIn) -> None:
    operator = await sign_in("operator")
    viewer = await sign_in("viewer")
    # Technicians are set up by admins only.
    made = await operator.post("/api/technicians", json={"name": "Nope"})
    assert made.status_code == 403
    for client in (operator, viewer):
        expect(await client.get("/api/technicians"))
        expect(await client.get("/api/service-orders"))
        expect(await client.get("/api/board"))
    wrote = await viewer.post("/api/service-orders", json={})
    assert wrote.status_code == 403
    # An operator's write reaches field work (which names what is missing).
    planned = await operator.post("/api/service-orders", json={})
    assert planned.status_code == 422
