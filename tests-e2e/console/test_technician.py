"""The technician's phone view (390x844) against the whole stack: a technician linked to a
new user sees today's order in My day, departs, arrives and starts work, fills the
protocol (an item, a work line, a photo), completes it and the order; the API then has
the order Completed and the protocol with its lines and photo."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from aftersales_testing import journey
from aftersales_testing.journey import expect as expect_status
from aftersales_testing.journey import poll

from .conftest import OpenConsole, screenshot

pytestmark = pytest.mark.e2e

PHONE = (390, 844)


def tiny_png() -> bytes:
    """A real 2x2 PNG (field work checks the magic number; the browser draws it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x0b\x5c\xad" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def username_of(page: Page) -> str:
    """The signed-in user's name, asked with the page's own session cookie."""
    me = await page.request.get("/auth/me")
    assert me.ok, await me.text()
    name: str = (await me.json())["username"]
    return name


async def order_booked_today(admin: httpx.AsyncClient, technician_id: str) -> dict[str, Any]:
    """A new order for the technician, booked today (their time zone) 09:00-10:00."""
    customer, item = await journey.world(admin, approval="manual", allowed=["email"])
    body = {
        "customer_id": customer["id"],
        "serial_item_id": item["id"],
        "technician_id": technician_id,
        "description": "The pump leaks at the seal",
    }

    async def created() -> httpx.Response | None:
        # Field work learns the customer and item from catalog's events: 422 until then.
        response = await admin.post("/api/service-orders", json=body)
        if response.status_code == 422 and response.json().get("field") in (
            "customer_id",
            "serial_item_id",
        ):
            return None
        return response

    response = await poll(created, "the customer and item in field work")
    order: dict[str, Any] = expect_status(response, 201)
    day = expect_status(await admin.get("/api/my-day", params={"technician_id": technician_id}))
    booked = await admin.post(
        f"/api/service-orders/{order['id']}/bookings",
        json={
            "date": day["date"],
            "start": "09:00",
            "end": "10:00",
            "override": {"reason": "e2e: outside any working hours"},
        },
        headers={"If-Match": response.headers["etag"]},
    )
    return dict(expect_status(booked, 201))


async def test_a_technician_works_an_order_from_their_phone(
    open_console: OpenConsole, admin_api: httpx.AsyncClient, tmp_path: Path
) -> None:
    page = await open_console("technician", viewport=PHONE)
    await expect(page).to_have_url(re.compile(r"/fieldwork/my-day$"))
    technician = expect_status(
        await admin_api.post(
            "/api/technicians",
            json={"name": f"Tess {uuid.uuid4().hex[:6]}", "username": await username_of(page)},
        ),
        201,
    )
    order = await order_booked_today(admin_api, technician["id"])

    # My day: the order, at its time, planned.
    await page.goto("/fieldwork/my-day")
    await expect(page.get_by_role("heading", name="My day", level=1)).to_be_visible()
    visit = page.get_by_role("link", name=re.compile(re.escape(order["number"])))
    await expect(visit).to_be_visible()
    visits = page.get_by_role("list", name=re.compile(r"visit"))
    await expect(visits.get_by_text("09:00\u201310:00")).to_be_visible()
    await expect(visits.get_by_text("Planned")).to_be_visible()
    await screenshot(page, "technician-my-day")

    # The order: depart, arrive, start work: each button only when it applies.
    await visit.click()
    await expect(page).to_have_url(re.compile(rf"/fieldwork/my-day/orders/{order['id']}$"))
    status = page.get_by_test_id("order-status")
    actions = page.get_by_role("region", name="Status")
    await expect(actions.get_by_role("button", name="Arrive")).to_have_count(0)
    for button, now in (("Depart", "En route"), ("Arrive", "On site"), ("Start work", "Working")):
        await actions.get_by_role("button", name=button).click()
        await expect(status).to_have_text(now)
    await expect(actions.get_by_role("button", name="Take a break")).to_be_visible()

    # The protocol: descriptions, an item, a work line, a photo.
    await page.get_by_role("button", name="Start the protocol").click()
    await expect(page.get_by_test_id("protocol-status")).to_have_text("Protocol draft")
    texts = page.get_by_role("form", name="Descriptions")
    await texts.get_by_label("Fault description").fill("Worn seal")
    await texts.get_by_label("Solution").fill("Replaced the seal")
    await texts.get_by_role("button", name="Save descriptions").click()
    await expect(texts.get_by_text("Saved.")).to_be_visible()

    items = page.get_by_role("form", name="Items used")
    await items.get_by_role("button", name="Add an item").click()
    await items.get_by_label("Item", exact=True).fill("Seal kit")
    await items.get_by_label("Quantity").fill("2")
    await items.get_by_role("button", name="Save items").click()
    await expect(items.get_by_text("Saved.")).to_be_visible()

    works = page.get_by_role("form", name="Work done")
    await works.get_by_role("button", name="Add work").click()
    await works.get_by_label("Work", exact=True).fill("Replaced the pump seal")
    await works.get_by_label("Minutes").fill("45")
    await works.get_by_role("button", name="Save work").click()
    await expect(works.get_by_text("Saved.")).to_be_visible()

    photo = tmp_path / "pump.png"
    photo.write_bytes(tiny_png())
    await page.get_by_label("Take or choose a photo").set_input_files(photo)
    await expect(page.get_by_text("1 file uploaded.")).to_be_visible()
    thumbnail = page.get_by_role("img", name="pump.png")
    await expect(thumbnail).to_be_visible()
    # Drawn from the API, not just placed: the 2x2 PNG decoded (waits for the load).
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth === 2", arg=await thumbnail.element_handle()
    )
    await screenshot(page, "technician-protocol")

    await page.get_by_role("button", name="Complete the protocol").click()
    await expect(page.get_by_test_id("protocol-status")).to_have_text("Protocol completed")

    # Complete the order (no campaign case on this item).
    await actions.get_by_role("button", name="Complete order").click()
    dialog = page.get_by_role("dialog", name="Complete the order?")
    await dialog.get_by_role("button", name="Complete order").click()
    await expect(status).to_have_text("Done")
    await expect(actions.get_by_role("button")).to_have_count(0)

    # The API agrees.
    saved = expect_status(await admin_api.get(f"/api/service-orders/{order['id']}"))
    assert saved["stage"] == "completed"
    assert saved["status"] == "done"
    protocols = expect_status(
        await admin_api.get("/api/protocols", params={"order_id": order["id"]})
    )
    protocol = expect_status(await admin_api.get(f"/api/protocols/{protocols['items'][0]['id']}"))
    assert protocol["status"] == "completed"
    assert protocol["fault_description"] == "Worn seal"
    assert [(i["description"], Decimal(i["quantity"]), i["unit"]) for i in protocol["items"]] == [
        ("Seal kit", Decimal(2), "pcs")
    ]
    assert [(w["description"], w["minutes"]) for w in protocol["works"]] == [
        ("Replaced the pump seal", 45)
    ]
    assert [(a["file_name"], a["media_type"]) for a in protocol["attachments"]] == [
        ("pump.png", "image/png")
    ]
