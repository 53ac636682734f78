"""Callout actions through the gateway, every service a process: send now, mark as
completed (the on-completion message), the list and its export, and a blocked customer
unblocked by updating the recipient in catalog."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from aftersales_testing import journey
from aftersales_testing.journey import expect, poll

pytestmark = pytest.mark.e2e


async def _callout(client: httpx.AsyncClient, item: dict[str, Any]) -> dict[str, Any]:
    async def first() -> dict[str, Any] | None:
        # A failing list fails the test at once, with its answer, not at the deadline.
        page = expect(await client.get("/api/callouts", params={"serial_item_id": item["id"]}))
        return page["items"][0] if page["items"] else None

    found: dict[str, Any] = await poll(first, "a callout for the item")
    return found


async def _in_state(
    client: httpx.AsyncClient, callout_id: str, state: str, **fields: Any
) -> dict[str, Any]:
    async def reached() -> dict[str, Any] | None:
        body: dict[str, Any] = expect(await client.get(f"/api/callouts/{callout_id}"))
        matches = body["state"] == state and all(body[k] == v for k, v in fields.items())
        return body if matches else None

    found: dict[str, Any] = await poll(reached, f"state {state}")
    return found


async def test_send_now_then_mark_completed(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        _, item = await journey.world(client, approval="manual", allowed=["email"])
        callout = await _callout(client, item)
        assert callout["state"] == "awaiting_approval"

        not_yet = await client.post(f"/api/callouts/{callout['id']}/mark-completed")
        assert not_yet.status_code == 200  # completing is allowed before sending too
        expect(await client.post(f"/api/callouts/{callout['id']}/cancel"), 409)

    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        _, item = await journey.world(client, approval="manual", allowed=["email"])
        callout = await _callout(client, item)
        sent_now = expect(await client.post(f"/api/callouts/{callout['id']}/send-now"))
        assert sent_now["approved_by"] == "dev"
        sent = await _in_state(client, callout["id"], "sent")
        shown = expect(await client.get(f"/api/callouts/{callout['id']}/message"))
        assert shown["messages"][0]["message_id"] == sent["message_id"]
        expect(await client.get(f"/api/messages/{sent['message_id']}"))

        completed = expect(await client.post(f"/api/callouts/{callout['id']}/mark-completed"))
        assert completed["state"] == "completed"

        async def completion_sent() -> dict[str, Any] | None:
            body: dict[str, Any] = expect(await client.get(f"/api/callouts/{callout['id']}"))
            return body if body["completion_message_id"] else None

        done = await poll(completion_sent, "the on-completion message")
        assert done["state"] == "completed"
        message = expect(await client.get(f"/api/messages/{done['completion_message_id']}"))
        assert message["subject"] == f"Service done for {item['serial_number']}"
        history = expect(await client.get(f"/api/callouts/{callout['id']}/history"))
        assert [(h["action"], h["actor"]) for h in history] == [
            ("send_now", "dev"),
            ("mark_completed", "dev"),
        ]

        columns = expect(await client.get("/api/callouts/columns"))
        assert any(c["key"] == "created_at" and c["hidden_by_default"] for c in columns)
        export = await client.get("/api/callouts/export", params={"serial_item_id": item["id"]})
        assert export.status_code == 200
        rows = list(csv.reader(io.StringIO(export.text)))
        assert len(rows) == 2
        assert rows[1][rows[0].index("State")] == "completed"


async def test_a_blocked_customer_is_unblocked_by_updating_the_recipient(
    gateway_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await journey.login(client, "dev", "dev")
        # The customer allows letters only: the e-mail is blocked.
        customer, item = await journey.world(client, approval="automatic", allowed=["letter"])
        callout = await _callout(client, item)
        blocked = await _in_state(client, callout["id"], "blocked_by_allowed_methods")
        error = expect(await client.get(f"/api/callouts/{callout['id']}/error"))
        assert error["reason"] == blocked["error"]
        expect(await client.post(f"/api/callouts/{callout['id']}/resend"), 409)

        # "Update recipient": the new contact data goes to catalog, the owner of it ...
        current = await client.get(f"/api/customers/{customer['id']}")
        changed = expect(
            await client.patch(
                f"/api/customers/{customer['id']}",
                json={"allowed_methods": ["email"]},
                headers={"If-Match": current.headers["etag"]},
            )
        )
        # ... and scheduling resends once its copy of the customer has that version.
        expect(
            await client.post(
                f"/api/callouts/{callout['id']}/update-recipient",
                json={"customer_version": changed["version"]},
            )
        )
        sent = await _in_state(client, callout["id"], "sent")
        assert sent["send_to"] == customer["emails"][0]
