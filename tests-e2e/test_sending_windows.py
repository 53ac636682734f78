"""An org unit's sending window through the gateway, every service a process: catalog's
org unit reaches scheduling over the broker, an operator sets the window, a callout due
outside it waits, and it is sent once the window is lifted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


async def test_a_callout_waits_for_its_org_units_window(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        tag = uuid.uuid4().hex[:8]
        code = f"ou-{tag}"
        expect(
            await client.post(
                "/api/org-units", json={"code": code, "name": f"Unit {tag}", "time_zone": "UTC"}
            ),
            201,
        )
        window_url = f"/api/callouts/sending-windows/{code}"

        async def projected() -> dict[str, Any] | None:
            response = await client.get(window_url)
            return response.json() if response.status_code == 200 else None

        default = await poll(projected, "the org unit in scheduling")
        assert (default["configured"], default["time_zone"]) == (False, "UTC")

        bad = await client.put(
            window_url, json={"weekdays": ["monday"], "start": "18:00", "end": "08:00"}
        )
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == "end"

        # Closed today and tomorrow (the test may cross midnight): open on the other days.
        today = datetime.now(UTC).date()
        closed = {WEEKDAYS[(today + timedelta(days=d)).weekday()] for d in (0, 1)}
        window = expect(
            await client.put(
                window_url,
                json={
                    "weekdays": [d for d in WEEKDAYS if d not in closed],
                    "start": "00:00",
                    "end": "23:59",
                },
            )
        )
        assert window["configured"] is True
        assert window["updated_by"] == "dev"

        customer, item = await journey.world(
            client, approval="automatic", allowed=["email"], tag=tag, org_unit=code
        )

        async def deferred() -> dict[str, Any] | None:
            page = expect(await client.get("/api/callouts", params={"serial_item_id": item["id"]}))
            rows = page["items"]
            if not rows:
                return None
            due = datetime.fromisoformat(rows[0]["due_at"])
            return rows[0] if due > datetime.now(UTC) + timedelta(hours=12) else None

        callout = await poll(deferred, "the callout deferred to the window's next opening")
        assert (callout["state"], callout["org_unit"]) == ("approved", code)
        assert callout["send_requested_at"] is None

        # Back to the default window (every day): the callout is sent.
        assert expect(await client.delete(window_url))["configured"] is False

        async def sent() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(await client.get(f"/api/callouts/{callout['id']}"))
            return body if body["state"] == "sent" else None

        done = await poll(sent, "the callout sent")
        assert done["send_to"] == customer["emails"][0]
