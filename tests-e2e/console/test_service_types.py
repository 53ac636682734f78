"""The service type editor in Chromium: an admin changes a step's interval, sees the live
preview's dates change, saves, and finds the change kept after a reload."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Page, expect

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status

from .conftest import OpenConsole, screenshot

STARTUP = "2027-01-15"


async def a_service_type(admin_api: httpx.AsyncClient) -> dict[str, object]:
    """A type with a yearly inspection and a reminder one month after each inspection,
    linked to a product of its own."""
    tag = unique()
    product = expect_status(
        await admin_api.post(
            "/api/products", json={"product_number": f"ST-{tag}", "name": "Heat pump"}
        ),
        201,
    )
    created: dict[str, object] = expect_status(
        await admin_api.post(
            "/api/service-types",
            json={
                "display_name": f"Inspection {tag}",
                "system_name": f"inspection_{tag}",
                "steps": [
                    {
                        "description": "Inspection",
                        "schedule": {"kind": "after", "span": 1, "period": "years"},
                        "initial": {"email_subject": "Time for {{ serial_number }}"},
                    },
                    {
                        "description": "Reminder",
                        "schedule": {
                            "kind": "after",
                            "span": 1,
                            "period": "months",
                            "anchor": "step",
                            "anchor_step_position": 0,
                        },
                    },
                ],
                "links": [{"main_product_id": product["id"], "apply_to_main_product": True}],
            },
        ),
        201,
    )
    return created


async def expect_preview_date(page: Page, number: int, iso_date: str) -> None:
    dates = page.get_by_role("list", name=f"Dates of step {number}")
    await expect(dates.locator(f'time[datetime="{iso_date}"]')).to_have_count(1)


async def test_an_admin_changes_an_interval_sees_the_preview_change_and_saves(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    service_type = await a_service_type(admin_api)
    name = str(service_type["display_name"])
    page = await open_console("admin")

    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Service types")
        .click()
    )
    await page.get_by_role("link", name=name).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Service type: {name}")
    await expect(page.get_by_text("Heat pump")).to_be_visible()

    # Startup 2027-01-15: the inspection a year on, the reminder a month after it.
    await page.get_by_label("Startup date").fill(STARTUP)
    await expect_preview_date(page, 1, "2028-01-15")
    await expect_preview_date(page, 2, "2028-02-15")

    reminder = page.get_by_role("region", name="Step 2: Reminder")
    await reminder.get_by_label("Span").fill("3")
    await expect_preview_date(page, 2, "2028-04-15")
    await expect(
        page.get_by_role("list", name="Dates of step 2").locator('time[datetime="2028-02-15"]')
    ).to_have_count(0)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky save bar at the page's foot
    await screenshot(page, "service-type-editor")

    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").filter(has_text="Saved: version 2.")).to_be_visible()

    await page.reload()
    reminder = page.get_by_role("region", name="Step 2: Reminder")
    await expect(reminder.get_by_label("Span")).to_have_value("3")
    await page.get_by_label("Startup date").fill(STARTUP)
    await expect_preview_date(page, 2, "2028-04-15")

    # Saved as the server sees it: the step kept its id and its anchor, the link stayed.
    saved = expect_status(await admin_api.get(f"/api/service-types/{service_type['id']}"))
    assert saved["version"] == 2
    before = service_type["steps"]
    assert isinstance(before, list)
    assert [s["step_id"] for s in saved["steps"]] == [s["step_id"] for s in before]
    assert saved["steps"][1]["schedule"]["span"] == 3
    assert saved["steps"][1]["schedule"]["anchor_step_id"] == before[0]["step_id"]
    assert saved["links"] == service_type["links"]


async def test_a_viewer_reads_a_service_type_without_edit_controls(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    service_type = await a_service_type(admin_api)
    page = await open_console("viewer")
    await page.goto(f"/service-types/{service_type['id']}")
    await expect(page.get_by_label("Display name")).to_be_disabled()
    await expect(page.get_by_role("button", name=re.compile("Save|Delete|Add step"))).to_have_count(
        0
    )
    await page.get_by_label("Startup date").fill(STARTUP)
    await expect_preview_date(page, 2, "2028-02-15")


async def test_an_admin_creates_a_type_and_sees_the_server_s_422_under_the_step_s_field(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    tag = unique()
    page = await open_console("admin")
    await page.goto("/service-types")
    await page.get_by_role("link", name="New service type").click()
    await page.get_by_label("Display name").fill(f"Spring check {tag}")
    await page.get_by_label("System name").fill(f"spring_check_{tag}")
    await page.get_by_role("button", name="Add step").click()
    first = page.get_by_role("region", name=re.compile(r"^Step 1:"))
    await first.get_by_label("Description").fill("Spring check")
    await first.get_by_label("Schedule", exact=True).select_option("yearly")
    await first.get_by_label("Month", exact=True).select_option(label="April")
    day = first.get_by_label("Day of month")
    await day.fill("31")

    # The live preview names the day under its input, and the draft stays as typed.
    await expect(day).to_have_attribute("aria-invalid", "true")
    await expect(first.get_by_text("month 4 never has a day 31")).to_be_visible()
    await page.get_by_role("button", name="Create service type").click()
    await expect(day).to_be_focused()
    await expect(day).to_have_value("31")

    await day.fill("30")
    await page.get_by_label("Startup date").fill(STARTUP)
    await expect_preview_date(page, 1, "2027-04-30")
    await page.get_by_role("button", name="Create service type").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Service type: Spring check {tag}"
    )
    types = expect_status(await admin_api.get("/api/service-types"))["items"]
    created = next(t for t in types if t["system_name"] == f"spring_check_{tag}")
    assert created["steps"][0]["schedule"]["day"] == 30
    assert created["steps"][0]["schedule"]["month"] == 4
