"""Every main screen checked by axe-core (WCAG 2 A and AA rules) in Chromium: no critical
or serious violation. axe runs in the page through the DevTools protocol; the console's
Content-Security-Policy is bypassed for that only."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status

from .conftest import REPO, sign_in_through_the_form

AXE = REPO / "services" / "console" / "node_modules" / "axe-core" / "axe.min.js"
# The screens a desk user opens, and the technician's day (on a phone).
DESK_SCREENS = (
    "/callouts",
    "/installed-base",
    "/service-types",
    "/fieldwork/board",
    "/fieldwork/planning",
    "/fieldwork/map",
    "/campaigns",
    "/admin",
)
BLOCKING = {"critical", "serious"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail("axe-core is missing: npm ci in services/console")
    return AXE.read_text()


async def violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    await page.evaluate(axe_source)
    result: dict[str, Any] = await page.evaluate(
        """async () => await axe.run(document, {
             runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
           })"""
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def described(found: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "where": [n["target"] for n in v["nodes"][:3]],
            }
            for v in found
        ],
        indent=1,
    )


async def _signed_in(
    browser: Browser,
    gateway_url: str,
    admin_api: httpx.AsyncClient,
    role: str,
    viewport: tuple[int, int],
) -> Page:
    username, password = unique("a11y-"), secrets.token_urlsafe(16)
    expect_status(
        await admin_api.post(
            "/auth/users", json={"username": username, "password": password, "roles": [role]}
        ),
        201,
    )
    context = await browser.new_context(
        base_url=gateway_url,
        bypass_csp=True,
        viewport={"width": viewport[0], "height": viewport[1]},
    )
    page = await context.new_page()
    await sign_in_through_the_form(page, username, password)
    return page


async def test_the_sign_in_form_has_no_serious_violation(
    browser: Browser, gateway_url: str, axe_source: str
) -> None:
    page = await (await browser.new_context(base_url=gateway_url, bypass_csp=True)).new_page()
    await page.goto("/")
    await expect(page.get_by_label("Username")).to_be_visible()
    found = [v for v in await violations(page, axe_source) if v["impact"] in BLOCKING]
    assert not found, described(found)


async def test_the_desk_screens_have_no_serious_violation(
    browser: Browser, gateway_url: str, admin_api: httpx.AsyncClient, axe_source: str
) -> None:
    page = await _signed_in(browser, gateway_url, admin_api, "admin", (1440, 900))
    failures = {}
    for path in DESK_SCREENS:
        await page.goto(path)
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await page.wait_for_load_state("networkidle")
        found = [v for v in await violations(page, axe_source) if v["impact"] in BLOCKING]
        if found:
            failures[path] = described(found)
    assert not failures, "\n".join(f"{path}: {text}" for path, text in failures.items())


async def test_the_technicians_day_on_a_phone_has_no_serious_violation(
    browser: Browser, gateway_url: str, admin_api: httpx.AsyncClient, axe_source: str
) -> None:
    page = await _signed_in(browser, gateway_url, admin_api, "technician", (390, 844))
    await page.goto("/fieldwork/my-day")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await page.wait_for_load_state("networkidle")
    found = [v for v in await violations(page, axe_source) if v["impact"] in BLOCKING]
    assert not found, described(found)
