"""Signing in and out of the console, in Chromium through the gateway."""

from __future__ import annotations

import re
import secrets

import httpx
from playwright.async_api import Browser, expect

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status

from .conftest import OpenConsole, screenshot, sign_in_through_the_form


async def test_a_wrong_password_is_refused_on_the_form(browser: Browser, gateway_url: str) -> None:
    page = await (await browser.new_context(base_url=gateway_url)).new_page()
    await page.goto("/")
    await page.get_by_label("Username").fill(unique("nobody-"))
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("Unauthorized")
    await screenshot(page, "sign-in-refused")


async def test_the_session_survives_a_reload_and_ends_on_sign_out(
    open_console: OpenConsole,
) -> None:
    page = await open_console("operator")
    await expect(page).to_have_url(re.compile(r"/callouts(\?.*)?$"))
    # The token is in an HttpOnly cookie: script on the page cannot read it.
    assert "aftersales_session" not in await page.evaluate("document.cookie")
    cookies = await page.context.cookies()
    session = next(c for c in cookies if c["name"] == "aftersales_session")
    assert session["httpOnly"]
    assert session["sameSite"] == "Strict"
    await page.reload()
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # The revoked token is worthless, even to a client that kept it.
    async with httpx.AsyncClient(base_url=page.url.split("/callouts")[0]) as client:
        client.cookies.set("aftersales_session", session["value"])
        assert (await client.get("/auth/me")).status_code == 401


async def test_a_technician_lands_on_their_day_and_sees_only_their_menu(
    open_console: OpenConsole,
) -> None:
    page = await open_console("technician")
    await expect(page).to_have_url(re.compile(r"/fieldwork/my-day$"))
    menu = page.get_by_role("navigation", name="Main")
    await expect(menu.get_by_role("link", name="My day")).to_be_visible()
    await expect(menu.get_by_role("link", name="Service callouts")).to_have_count(0)


async def test_the_language_switch_turns_the_console_swedish(
    browser: Browser, gateway_url: str, admin_api: httpx.AsyncClient
) -> None:
    username, password = unique("ui-"), secrets.token_urlsafe(16)
    expect_status(
        await admin_api.post(
            "/auth/users", json={"username": username, "password": password, "roles": ["viewer"]}
        ),
        201,
    )
    page = await (await browser.new_context(base_url=gateway_url)).new_page()
    await sign_in_through_the_form(page, username, password)
    await page.get_by_label("Language").select_option("sv")
    await expect(page.get_by_role("button", name="Logga ut")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "sv")
