"""The installed base in the console, in Chromium through the gateway: an operator
registers a customer with a contact and finds it in the list, imports a CSV file and
watches its job finish with the bad line listed, and a serial item's page shows the
marks other services put on it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.async_api import FilePayload, expect

from aftersales_testing import journey
from aftersales_testing.journey import expect as expect_status
from aftersales_testing.journey import poll

from .conftest import OpenConsole, screenshot


async def test_an_operator_registers_a_customer_with_a_contact(open_console: OpenConsole) -> None:
    tag = uuid.uuid4().hex[:8]
    number, name = f"C-UI-{tag}", f"Lindqvist Fastigheter {tag}"
    page = await open_console("operator")
    await page.goto("/installed-base/customers")
    await page.get_by_role("link", name="New customer").click()
    await page.get_by_label("Customer number").fill(number)
    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("E-mail addresses").fill(f"office.{tag}@example.com")
    await page.get_by_role("checkbox", name="E-mail", exact=True).check()
    await page.get_by_label("Preferred channel").select_option("email")
    await page.get_by_role("button", name="Create").click()

    await expect(page.get_by_role("heading", level=2, name=re.compile(name))).to_be_visible()
    await page.get_by_role("button", name="Add contact").click()
    dialog = page.get_by_role("dialog", name="New contact")
    await dialog.get_by_label("Name").fill("Karin Lind")
    await dialog.get_by_label("E-mail").fill(f"karin.{tag}@example.com")
    await dialog.get_by_role("checkbox", name="Booking confirmations").check()
    await dialog.get_by_role("button", name="Save").click()
    contacts = page.get_by_role("table", name="Contacts")
    await expect(contacts.get_by_role("cell", name="Karin Lind", exact=True)).to_be_visible()
    await expect(page.get_by_role("region", name="Communication preferences")).to_contain_text(
        f"office.{tag}@example.com"
    )

    await page.get_by_role("link", name="Back to customers").click()
    await page.get_by_label("Name contains").fill(tag)
    await page.get_by_role("button", name="Search").click()
    found = page.get_by_role("table", name="Customers").get_by_role("row", name=re.compile(number))
    await expect(found).to_contain_text(name)
    await expect(found.get_by_role("cell", name="1", exact=True)).to_be_visible()  # one contact
    await screenshot(page, "installed-base-customers")


async def test_an_operator_imports_customers_and_sees_the_bad_line(
    open_console: OpenConsole,
) -> None:
    tag = uuid.uuid4().hex[:8]
    csv = (
        "customer_number,name,emails,allowed_methods\n"
        f"C-IMP-{tag}-1,Import Good {tag},good.{tag}@example.com,email\n"
        f"C-IMP-{tag}-2,Import Bad {tag},not-an-address,email\n"
    )
    page = await open_console("operator")
    await page.goto("/installed-base/imports")
    await page.get_by_label("What the file holds").select_option("customers")
    await expect(page.get_by_text("customer_number (required)")).to_be_visible()
    await page.get_by_label("File (CSV or JSON Lines)").set_input_files(
        files=FilePayload(name=f"customers-{tag}.csv", mimeType="text/csv", buffer=csv.encode())
    )
    await page.get_by_role("button", name="Upload and import").click()

    await expect(page.get_by_role("heading", name=f"Import of customers-{tag}.csv")).to_be_visible()
    bar = page.get_by_role("progressbar", name="Import progress")
    await expect(bar).to_have_attribute("aria-valuenow", "100", timeout=60_000)
    await expect(page.get_by_role("status")).to_contain_text("Completed")
    await expect(page.get_by_role("status")).to_contain_text("1 created")
    await expect(page.get_by_role("status")).to_contain_text("1 bad")
    bad = page.get_by_role("table", name="Bad rows").get_by_role("row", name=re.compile(r"^3 "))
    await expect(bad).to_contain_text("emails")
    await screenshot(page, "installed-base-import")

    # The good row is a customer now; the job is in the list.
    await page.get_by_role("link", name="Customers").click()
    await page.get_by_label("Name contains").fill(f"Import Good {tag}")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_role("link", name=f"C-IMP-{tag}-1")).to_be_visible()


async def test_a_serial_items_page_shows_its_marks(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    _, item = await journey.world(admin_api, approval="automatic", allowed=["email"])

    async def marked() -> dict[str, Any] | None:
        body: dict[str, Any] = expect_status(await admin_api.get(f"/api/serial-items/{item['id']}"))
        return body if body["service_types"] else None

    await poll(marked, "the service type's mark on the item")
    page = await open_console("viewer")
    await page.goto("/installed-base/serial-items")
    await page.get_by_label("Serial number starts with").fill(item["serial_number"])
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=item["serial_number"]).click()

    marks = page.get_by_role("region", name="Marks")
    await expect(marks.get_by_role("list", name="Service types that apply")).to_contain_text(
        "Annual inspection"
    )
    await expect(marks).to_contain_text("No pending campaign.")
    await expect(page.get_by_role("link", name="Callouts", exact=True)).to_have_attribute(
        "href", f"/callouts/serial-items/{item['id']}"
    )
    # A viewer reads: no edit, owner change or deactivation.
    await expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)
    await screenshot(page, "installed-base-serial-item")
