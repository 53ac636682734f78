"""Field work at the desk in Chromium against the whole running system: an operator drags
an order's card on the Kanban board (the server's state follows, a refused move is shown
with its reason and the card stays), books it on the planning by dragging it onto a
technician's time, books another with the form over a conflict (overridden with a
reason), and sees the day on the drawn map."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from aftersales_testing import journey
from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status
from aftersales_testing.journey import poll

from .conftest import OpenConsole, screenshot

pytestmark = pytest.mark.e2e

EVERY_DAY = {str(day): [{"start": "07:00", "end": "19:00"}] for day in range(1, 8)}


async def _created(
    admin: httpx.AsyncClient, path: str, body: dict[str, Any], waits_for: set[str]
) -> Any:
    """POST ``body``, again while field work answers 422 naming one of ``waits_for`` (the
    org unit, customer or item still on its way from catalog's events)."""

    async def attempt() -> httpx.Response | None:
        response = await admin.post(path, json=body)
        if response.status_code == 422 and response.json().get("field") in waits_for:
            return None
        return response

    return expect_status(await poll(attempt, f"{path} accepted"), 201)


async def _order(admin: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = expect_status(await admin.get(f"/api/service-orders/{order_id}"))
    return order


async def _world(admin: httpx.AsyncClient) -> dict[str, Any]:
    """An org unit of its own (so the planning shows only this test's technician and
    orders), a technician working 07-19 every day with a located home base, a planned
    order at the customer's item (booked tomorrow 09-10) and a new one at a located
    address."""
    tag = unique("fw")[-8:]
    unit = expect_status(
        await admin.post(
            "/api/org-units",
            json={"code": f"FW-{tag}", "name": f"Desk {tag}", "time_zone": "UTC"},
        ),
        201,
    )
    customer, item = await journey.world(
        admin, approval="manual", allowed=["email"], tag=tag, org_unit=unit["code"]
    )
    technician = await _created(
        admin,
        "/api/technicians",
        {
            "name": f"Tess {tag}",
            "org_unit_id": unit["id"],
            "working_hours": EVERY_DAY,
            "home_base": {
                "street": "Kungsgatan 1",
                "city": "Uppsala",
                "country": "SE",
                "latitude": 59.8586,
                "longitude": 17.6389,
            },
        },
        {"org_unit_id"},
    )
    waits = {"customer_id", "serial_item_id", "org_unit_id"}
    planned = await _created(
        admin,
        "/api/service-orders",
        {
            "customer_id": customer["id"],
            "serial_item_id": item["id"],
            "technician_id": technician["id"],
            "priority": "urgent",
            "description": "Replace the pump seal",
        },
        waits,
    )
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    etag = (await admin.get(f"/api/service-orders/{planned['id']}")).headers["etag"]
    booked = await admin.post(
        f"/api/service-orders/{planned['id']}/bookings",
        json={"date": tomorrow, "start": "09:00", "end": "10:00"},
        headers={"If-Match": etag},
    )
    assert booked.status_code == 201, booked.text
    assert booked.json()["stage"] == "planned"
    located = await _created(
        admin,
        "/api/service-orders",
        {
            "customer_id": customer["id"],
            "org_unit_id": unit["id"],
            "technician_id": technician["id"],
            "priority": "high",
            "location": {
                "street": "Drottninggatan 5",
                "city": "Stockholm",
                "country": "SE",
                "latitude": 59.3326,
                "longitude": 18.0649,
            },
            "description": "Yearly inspection",
        },
        waits,
    )
    return {
        "unit": unit,
        "technician": technician,
        "planned": planned,
        "located": located,
        "tomorrow": tomorrow,
    }


async def _column_card(page: Page, stage: str, number: str) -> None:
    column = page.get_by_test_id(f"column-{stage}")
    await expect(column.get_by_test_id(f"card-{number}")).to_be_visible()


# A whole journey (its own org unit, technician and orders through catalog's events, then
# the board, the planning and the map): longer than the suite's default 120 s when it
# also pays for the stack's start on a busy machine.
@pytest.mark.timeout(300)
async def test_an_operator_drags_cards_and_books_on_the_planning(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    world = await _world(admin_api)
    order, other = world["planned"], world["located"]
    number, other_number = order["number"], other["number"]
    tech_name = world["technician"]["name"]
    page = await open_console("operator")

    # The board, narrowed to this order by its number.
    await page.goto("/fieldwork/board")
    await page.get_by_label("Order number starts with").fill(number)
    await page.get_by_role("button", name="Apply filters").click()
    await _column_card(page, "planned", number)
    await expect(
        page.get_by_test_id("column-planned").get_by_role("heading", name="Planned 1 order")
    ).to_be_visible()
    await screenshot(page, "fieldwork-board")

    # Dragged from Planned to New: the server releases the booking.
    card = page.get_by_test_id(f"card-{number}")
    await card.drag_to(page.get_by_test_id("column-new"))
    await expect(
        page.get_by_role("status").filter(has_text=f"{number} moved to New")
    ).to_have_count(1)
    await _column_card(page, "new", number)
    moved = await _order(admin_api, order["id"])
    assert moved["stage"] == "new"
    assert [b["state"] for b in moved["bookings"]] == ["released"]

    # Dragged from New to Completed: refused (nothing was planned), the reason shown and
    # the card back in New; the server's state unchanged.
    await page.get_by_test_id(f"card-{number}").drag_to(page.get_by_test_id("column-completed"))
    refusal = page.get_by_test_id("move-refused")
    await expect(refusal).to_contain_text("complete needs a planned order")
    await expect(refusal).to_contain_text("Request id")
    await _column_card(page, "new", number)
    await expect(
        page.get_by_test_id("column-completed").get_by_test_id(f"card-{number}")
    ).to_have_count(0)
    assert (await _order(admin_api, order["id"]))["stage"] == "new"

    # The planning of tomorrow in the test's org unit: the order is unbooked; dragged onto
    # the technician's row a quarter of the way along (07-19: 10:00), it is booked there.
    await page.goto("/fieldwork/planning")
    await page.get_by_label("Org unit").select_option(label=world["unit"]["name"])
    await page.get_by_label("Date").fill(world["tomorrow"])
    unbooked = page.get_by_test_id(f"unbooked-{number}")
    await expect(unbooked).to_be_visible()
    track = page.get_by_test_id(f"track-{tech_name}")
    box = await track.bounding_box()
    assert box is not None
    await unbooked.drag_to(
        track, target_position={"x": box["width"] * 0.25, "y": box["height"] / 2}
    )
    block = page.get_by_role("button", name=re.compile(rf"^{number} .*10:00\u201311:00$"))
    await expect(block).to_be_visible()
    await expect(unbooked).to_have_count(0)
    booked = await _order(admin_api, order["id"])
    assert booked["stage"] == "planned"
    standing = [b for b in booked["bookings"] if b["state"] == "standing"]
    assert [(b["local_date"], b["local_start"][:5], b["local_end"][:5]) for b in standing] == [
        (world["tomorrow"], "10:00", "11:00")
    ]

    # The other order with the form, overlapping the first: the conflict is named, and
    # booked anyway with a reason.
    await page.get_by_role("button", name=f"Book {other_number}").click()
    dialog = page.get_by_role("dialog", name=f"Book {other_number}")
    await dialog.get_by_label("Date").fill(world["tomorrow"])
    await dialog.get_by_label("From").fill("10:30")
    await dialog.get_by_label("To").fill("11:30")
    await dialog.get_by_role("button", name="Book", exact=True).click()
    await expect(dialog.get_by_role("alert")).to_contain_text(f"It overlaps {number}")
    await dialog.get_by_label("Reason to book anyway").fill("The customer can only do 10:30")
    await dialog.get_by_role("button", name="Book anyway").click()
    await expect(dialog).to_have_count(0)
    await expect(
        page.get_by_role("button", name=re.compile(rf"^{other_number} .*10:30\u201311:30$"))
    ).to_be_visible()
    overridden = await _order(admin_api, other["id"])
    assert overridden["stage"] == "planned"
    assert overridden["bookings"][0]["override_reason"] == "The customer can only do 10:30"
    assert overridden["bookings"][0]["overrides"] == ["overlap"]
    await screenshot(page, "fieldwork-planning")

    # Tomorrow's map: the located visit drawn as stop 2 after the unlocated stop 1.
    await page.goto("/fieldwork/map")
    await page.get_by_label("Date").fill(world["tomorrow"])
    await page.get_by_label("Technician").select_option(label=tech_name)
    drawing = page.get_by_test_id("day-map")
    await expect(drawing.get_by_test_id(f"stop-{other_number}")).to_contain_text("2")
    unlocated = page.get_by_role("region", name="Visits without coordinates")
    await expect(unlocated).to_contain_text(number)
    await expect(page.get_by_role("region", name="Legend")).to_contain_text(tech_name)
    await screenshot(page, "fieldwork-map")


async def test_a_viewer_reads_the_board_without_moving_anything(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    world = await _world(admin_api)
    number = world["planned"]["number"]
    page = await open_console("viewer")
    await page.goto("/fieldwork/board")
    await page.get_by_label("Order number starts with").fill(number)
    await page.get_by_role("button", name="Apply filters").click()
    card = page.get_by_test_id(f"card-{number}")
    await expect(card).to_be_visible()
    await expect(card).to_have_attribute("draggable", "false")
    await expect(page.get_by_role("button", name=re.compile("Move to…"))).to_have_count(0)
    await expect(page.get_by_role("link", name="New order")).to_have_count(0)
    await page.goto("/fieldwork/planning")
    await expect(page.get_by_role("heading", name="Unbooked orders")).to_be_visible()
    await expect(page.get_by_role("button", name=re.compile("^Book "))).to_have_count(0)


@pytest.mark.timeout(240)
async def test_an_operator_creates_and_edits_an_order_with_the_form(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    world = await _world(admin_api)
    customer_id = world["planned"]["customer_id"]
    item_id = world["planned"]["serial_item_id"]
    customer_name = world["planned"]["customer_name"]
    page = await open_console("operator")
    await page.goto("/fieldwork/board")
    await page.get_by_role("link", name="New order").click()
    await expect(page.get_by_role("heading", name="New service order")).to_be_visible()
    await page.get_by_label("Customer", exact=True).fill(customer_name.split()[-1])
    await page.get_by_role("button", name=re.compile(re.escape(customer_name))).click()
    await page.get_by_label("Serial item", exact=True).select_option(value=item_id)
    await page.get_by_label("Technician", exact=True).select_option(value=world["technician"]["id"])
    await page.get_by_label("Priority").select_option("urgent")
    await page.get_by_label("Description").fill("Noise from the bearing")
    await page.get_by_role("button", name="Save").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Service order SO-\d+$"))
    await expect(heading).to_be_visible()
    order_id = page.url.rstrip("/").split("/")[-1]
    created = await _order(admin_api, order_id)
    assert (created["customer_id"], created["serial_item_id"]) == (customer_id, item_id)
    assert (created["priority"], created["technician_id"]) == ("urgent", world["technician"]["id"])
    assert created["description"] == "Noise from the bearing"

    # Edited: only the priority changes (PATCH with the version read).
    await page.get_by_role("link", name="Edit").click()
    await expect(page.get_by_role("heading", name=f"Edit {created['number']}")).to_be_visible()
    await page.get_by_label("Priority").select_option("low")
    await page.get_by_role("button", name="Save").click()
    await expect(heading).to_be_visible()
    await expect(page.get_by_text("Low", exact=True)).to_be_visible()
    edited = await _order(admin_api, order_id)
    assert edited["priority"] == "low"
    assert edited["version"] == created["version"] + 1
    assert edited["description"] == "Noise from the bearing"
    await expect(page.get_by_role("region", name="History")).to_contain_text("Changed")
    await screenshot(page, "fieldwork-order")
