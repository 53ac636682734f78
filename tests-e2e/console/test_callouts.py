"""The service callout list in Chromium against the whole stack: an operator filters down
to a callout awaiting approval, approves it, and the customer's e-mail arrives in the SMTP
sink; a viewer sees the same callout with no way to act on it."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from aftersales_testing import journey
from aftersales_testing.journey import expect as expect_status
from aftersales_testing.journey import poll

from .conftest import OpenConsole, screenshot

# The first test also waits for the whole stack to start; on a shared, loaded machine that
# alone can take most of the default 120 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


async def _awaiting_callout(admin_api: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A customer and its item under a manual-approval type: scheduling makes the
    callout (due today) and waits for a person to approve it."""
    tag = uuid.uuid4().hex[:8]
    customer, item = await journey.world(admin_api, approval="manual", allowed=["email"], tag=tag)

    async def created() -> dict[str, Any] | None:
        page = expect_status(
            await admin_api.get("/api/callouts", params={"serial_item_id": item["id"]})
        )
        return page["items"][0] if page["items"] else None

    callout: dict[str, Any] = await poll(created, "a callout for the item")
    assert callout["state"] == "awaiting_approval"
    return customer, item


async def _filter_by_customer(page: Page, customer: dict[str, Any]) -> None:
    await page.get_by_role("textbox", name="Customer", exact=True).fill(customer["name"])
    await page.get_by_role("button", name="Show", exact=True).click()


async def test_an_operator_approves_a_callout_and_the_customer_gets_the_mail(
    open_console: OpenConsole, admin_api: httpx.AsyncClient, mail_dir: Path
) -> None:
    customer, item = await _awaiting_callout(admin_api)
    address = customer["emails"][0]

    page = await open_console("operator")
    await expect(page.get_by_role("heading", name="Service callouts", level=1)).to_be_visible()
    await _filter_by_customer(page, customer)
    table = page.get_by_role("table", name="Service callouts")
    row = table.get_by_role("row").filter(has_text=item["serial_number"])
    await expect(row).to_have_count(1)
    await expect(table.get_by_role("row")).to_have_count(2)  # the header and our callout
    await expect(row).to_contain_text("Awaiting approval")
    await screenshot(page, "callouts-list")

    approve = page.get_by_role("button", name="Approve", exact=True)
    await expect(approve).to_be_disabled()
    await row.get_by_role(
        "checkbox", name=re.compile(f"Select callout {item['serial_number']}")
    ).check()
    await expect(approve).to_be_enabled()
    await approve.click()
    outcome = page.get_by_test_id("action-outcome")
    await expect(outcome).to_contain_text("Approve: 1 done, 0 skipped")

    # Approved and due today: the dispatcher sends it inside the (all-day) window.
    async def mailed() -> Path | None:
        return journey.find_mail(mail_dir, address)

    path: Path = await poll(mailed, "the customer's e-mail")
    raw = await asyncio.to_thread(path.read_bytes)
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["To"] == address
    assert mail["Subject"] == f"Service due for {item['serial_number']}"

    # The list shows it sent once notifications' result is back.
    async def sent() -> bool:
        body = expect_status(
            await admin_api.get("/api/callouts", params={"serial_item_id": item["id"]})
        )
        return bool(body["items"]) and body["items"][0]["state"] == "sent"

    await poll(sent, "the callout recorded as sent")
    await page.get_by_role("button", name="Show", exact=True).click()
    await expect(row).to_contain_text("Sent")
    await row.get_by_role("button", name=re.compile("^Details of callout")).click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("tab", name="Message").click()
    await expect(dialog).to_contain_text(f"Service due for {item['serial_number']}")
    await expect(dialog).to_contain_text(address)
    await screenshot(page, "callouts-dialog-message")
    await dialog.get_by_role("tab", name="History").click()
    await expect(dialog.get_by_role("table")).to_contain_text("Approved")


async def test_a_viewer_sees_the_callout_but_cannot_act(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    customer, item = await _awaiting_callout(admin_api)

    page = await open_console("viewer")
    await _filter_by_customer(page, customer)
    table = page.get_by_role("table", name="Service callouts")
    row = table.get_by_role("row").filter(has_text=item["serial_number"])
    await expect(row).to_contain_text("Awaiting approval")

    await expect(page.get_by_role("checkbox", name=re.compile("^Select callout"))).to_have_count(0)
    for name in ("Approve", "Send now", "Mark as completed", "Cancel callouts", "Approve all…"):
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    await expect(page.get_by_role("button", name="Export CSV")).to_be_visible()

    await row.get_by_role("button", name=re.compile("^Details of callout")).click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("tab", name="Overview")).to_be_visible()
    await expect(dialog.get_by_role("button", name="Update recipient information")).to_have_count(0)
    await expect(dialog.get_by_role("button", name="Create service order")).to_have_count(0)
    await screenshot(page, "callouts-viewer-dialog")
