"""The admin screen in Chromium: an admin creates a user in the UI, who then sees only
what a viewer sees; anyone keeps their own mobile number and notification settings."""

from __future__ import annotations

import re
import secrets

import httpx
from playwright.async_api import Browser, expect

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status

from .conftest import OpenConsole, screenshot, sign_in_through_the_form


async def test_an_admin_creates_a_viewer_who_sees_only_what_a_viewer_sees(
    open_console: OpenConsole, browser: Browser, gateway_url: str
) -> None:
    page = await open_console("admin")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    await (
        page.get_by_role("navigation", name="Admin areas")
        .get_by_role("link", name="Users and roles")
        .click()
    )
    await expect(page).to_have_url(re.compile(r"/admin/users$"))

    # The list is in username order, 50 a page: a name starting with "0" is on the first
    # page however many users other tests made.
    username, password = unique("0-viewer-"), secrets.token_urlsafe(16)
    await page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog", name="New user")
    await dialog.get_by_label("Username").fill(username)
    await dialog.get_by_label("Display name").fill("Vera Viewer")
    # The gateway's strength rule answers under the field first.
    await dialog.get_by_label("Password", exact=True).fill("short")
    await dialog.get_by_role("checkbox", name="Viewer").check()
    await dialog.get_by_role("button", name="Create user").click()
    new_password = dialog.get_by_label("Password", exact=True)
    await expect(new_password).to_have_attribute("aria-invalid", "true")
    await expect(new_password).to_have_accessible_description(
        re.compile("a password has at least 12 characters")
    )
    await dialog.get_by_label("Password", exact=True).fill(password)
    await dialog.get_by_role("button", name="Create user").click()
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_role("status").first).to_contain_text(f"User {username} created.")
    row = page.get_by_role("row").filter(has_text=username)
    await expect(row).to_contain_text("Vera Viewer")
    await expect(row).to_contain_text("Viewer")
    await screenshot(page, "admin-users")

    # The new user signs in in a browser of their own.
    context = await browser.new_context(
        base_url=gateway_url, viewport={"width": 1440, "height": 900}
    )
    viewer = await context.new_page()
    await sign_in_through_the_form(viewer, username, password)
    await expect(viewer).to_have_url(re.compile(r"/callouts(\?.*)?$"))
    menu = viewer.get_by_role("navigation", name="Main")
    await expect(menu.get_by_role("link", name="Service callouts")).to_be_visible()
    await expect(menu.get_by_role("link", name="My day")).to_have_count(0)
    await menu.get_by_role("link", name="Admin").click()
    areas = viewer.get_by_role("navigation", name="Admin areas")
    await expect(areas.get_by_role("link")).to_have_count(1)
    await expect(areas.get_by_role("link", name="My settings")).to_be_visible()
    await expect(viewer.get_by_role("heading", name="My account")).to_be_visible()
    account = viewer.get_by_role("form", name="My account")
    await expect(account.get_by_text("Vera Viewer", exact=True)).to_be_visible()
    await expect(account.get_by_text("Viewer", exact=True)).to_be_visible()
    # An admin's area, opened by its address, is refused with nothing to click.
    await viewer.goto("/admin/users")
    await expect(viewer.get_by_role("alert")).to_contain_text("You may not do this.")
    await expect(viewer.get_by_role("button", name="New user")).to_have_count(0)
    await context.close()


async def test_a_user_keeps_their_mobile_and_notification_settings(
    open_console: OpenConsole,
) -> None:
    page = await open_console("technician")
    await page.goto("/admin")
    await expect(page).to_have_url(re.compile(r"/admin/me$"))
    account = page.get_by_role("form", name="My account")
    mobile = account.get_by_label("Mobile")

    await mobile.fill("0701234567")
    await account.get_by_role("button", name="Save my contact details").click()
    await expect(mobile).to_have_attribute("aria-invalid", "true")
    # The gateway's E.164 message, under the field and read with it.
    await expect(mobile).to_have_accessible_description(
        re.compile("Not a mobile number in international form")
    )

    await mobile.fill("+46701234567")
    await account.get_by_role("button", name="Save my contact details").click()
    await expect(account.get_by_role("status")).to_have_text("Saved.")
    await expect(mobile).not_to_have_attribute("aria-invalid", "true")

    notifications = page.get_by_role("form", name="My notifications")
    reminders = notifications.get_by_role("checkbox", name="Service reminders")
    await expect(reminders).not_to_be_checked()
    await reminders.check()
    await notifications.get_by_role("checkbox", name="I am assigned to an order").check()
    await notifications.get_by_role("button", name="Save my notification settings").click()
    await expect(notifications.get_by_role("status")).to_have_text("Saved.")
    await screenshot(page, "my-settings")

    await page.reload()
    account = page.get_by_role("form", name="My account")
    await expect(account.get_by_label("Mobile")).to_have_value("+46701234567")
    notifications = page.get_by_role("form", name="My notifications")
    await expect(notifications.get_by_role("checkbox", name="Service reminders")).to_be_checked()
    await expect(
        notifications.get_by_role("checkbox", name="I am assigned to an order")
    ).to_be_checked()
    await expect(
        notifications.get_by_role("checkbox", name="An order is booked")
    ).not_to_be_checked()


async def test_an_admin_writes_a_template_and_sets_an_org_units_sending(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    code = unique("0-N-")
    unit = await admin_api.post(
        "/api/org-units", json={"code": code, "name": "North", "time_zone": "Europe/Stockholm"}
    )
    expect_status(unit, 201)
    page = await open_console("admin")
    await page.goto("/admin/templates")

    # A callout template whose body gets a placeholder from the list, by its button.
    name = unique("Reminder ")
    await page.get_by_role("button", name="New template").click()
    dialog = page.get_by_role("dialog", name="New template")
    await dialog.get_by_label("Name", exact=True).fill(name)
    await dialog.get_by_label("Kind", exact=True).select_option("callout")
    body = dialog.get_by_label("E-mail body")
    await body.fill("<p>Dear </p>")
    await body.evaluate("(area) => area.setSelectionRange(8, 8)")
    await dialog.get_by_role("button", name=re.compile(r"^Insert customer_name ")).click()
    await expect(body).to_have_value("<p>Dear {{ customer_name }}</p>")
    await dialog.get_by_label("E-mail subject").fill("Time for service")
    await dialog.get_by_role("button", name="Save").click()
    await expect(dialog).to_have_count(0)
    row = page.get_by_role("row").filter(has_text=name)
    await expect(row).to_contain_text("Service callout")
    await expect(row).to_contain_text("Time for service")
    stored = await admin_api.get("/api/message-templates", params={"kind": "callout"})
    expect_status(stored, 200)
    assert any(
        t["name"] == name and "{{ customer_name }}" in t["email_body"] for t in stored.json()
    )

    # The org unit's sending window: Friday off, saved, and read back from the API.
    await (
        page.get_by_role("navigation", name="Admin areas")
        .get_by_role("link", name="Sending settings")
        .click()
    )
    await page.get_by_label("Org unit", exact=True).select_option(label=f"{code} — North")
    window = page.get_by_role("region", name="Automatic sending of callouts")
    await window.get_by_role("checkbox", name="Friday").uncheck()
    await window.get_by_label("From").fill("09:00")
    await window.get_by_role("button", name="Save sending window").click()
    await expect(window.get_by_role("status")).to_have_text("Saved.")
    saved = await admin_api.get(f"/api/callouts/sending-windows/{code}")
    expect_status(saved, 200)
    assert saved.json()["configured"] is True
    assert "friday" not in saved.json()["weekdays"]
    assert saved.json()["start"].startswith("09:00")

    # Its own sender, then an SMS sender name the API refuses, under its field.
    sending = page.get_by_role("region", name="E-mail and SMS sending")
    await sending.get_by_label("Sender address").fill("service@north.example")
    await sending.get_by_role("button", name="Save").click()
    await expect(sending.get_by_role("status")).to_have_text("Saved.")
    await sending.get_by_label("SMS sender name").fill("A name far too long for SMS")
    await sending.get_by_role("button", name="Save").click()
    await expect(sending.get_by_label("SMS sender name")).to_have_attribute("aria-invalid", "true")
    await screenshot(page, "admin-sending")
