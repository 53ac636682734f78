"""The console in headless Chromium (Debian's, driven by Playwright) against the e2e
stack: the gateway serves the built console (``make console``) at its root."""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Sequence
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status
from aftersales_testing.journey import login

REPO = Path(__file__).resolve().parents[2]
CONSOLE_BUILD = (
    Path(os.environ.get("AFTERSALES_CONSOLE_DIR") or REPO / "services" / "console" / "dist")
    / "index.html"
)
# Screenshots of the main screens, kept as the run's artefacts (README shows a few).
SCREENSHOTS = Path(os.environ.get("AFTERSALES_SCREENSHOT_DIR", REPO / "var" / "screenshots"))


def chromium_path() -> str:
    return os.environ.get("AFTERSALES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium() -> str:
    if not CONSOLE_BUILD.is_file():
        pytest.fail("the console is not built: run `make console`")
    executable = chromium_path()
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: apt-get install chromium chromium-driver")
    return executable


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def admin_api(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The seeded admin (``dev``) over the API: sets up what a browser test starts from."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        await login(client, "dev", "dev")
        yield client


OpenConsole = Callable[..., Awaitable[Page]]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keeps each phase's report on the test, so a fixture's teardown knows it failed."""
    report: pytest.TestReport = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


class PageWitness:
    """What a page showed and said while a test ran: its console messages, uncaught
    errors and answers of 400 and above, printed with a screenshot when the test fails,
    so a failure in a full run can be read afterwards rather than guessed at."""

    def __init__(self) -> None:
        self.pages: list[Page] = []
        self.events: list[str] = []

    def watch(self, page: Page) -> None:
        self.pages.append(page)
        page.on("console", lambda m: self.events.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.events.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: (
                self.events.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 400
                else None
            ),
        )
        page.on(
            "requestfailed",
            lambda r: self.events.append(f"failed {r.method} {r.url}: {r.failure}"),
        )

    async def evidence(self, test_name: str) -> str:
        lines = []
        for number, page in enumerate(self.pages, start=1):
            try:
                path = await screenshot(page, f"failed-{test_name}-{number}")
                text = (await page.locator("body").inner_text(timeout=2000))[:2000]
            except Exception as error:  # the page or its browser may be gone already
                lines.append(f"page {number}: no evidence ({error})")
                continue
            lines.append(f"page {number} at {page.url}, screenshot {path}:\n{text}")
        lines.append("\n".join(self.events[-50:]) or "no console messages, errors or 4xx/5xx")
        return "\n".join(lines)


@pytest.fixture
async def open_console(
    request: pytest.FixtureRequest,
    browser: Browser,
    gateway_url: str,
    admin_api: httpx.AsyncClient,
) -> AsyncIterator[OpenConsole]:
    """``await open_console("operator", org_units=("N-1",))``: a new user with those roles,
    signed in through the console's form in a browser context of its own. A failing test
    prints what its pages showed (``PageWitness``)."""
    witness = PageWitness()

    async def open_(
        *roles: str,
        org_units: Sequence[str] = (),
        viewport: tuple[int, int] = (1440, 900),
        locale: str = "en-GB",
    ) -> Page:
        username, password = unique("ui-"), secrets.token_urlsafe(16)
        user = {"username": username, "password": password, "roles": list(roles)}
        expect_status(
            await admin_api.post("/auth/users", json=user | {"org_units": list(org_units)}), 201
        )
        context = await browser.new_context(
            base_url=gateway_url,
            viewport={"width": viewport[0], "height": viewport[1]},
            locale=locale,
        )
        page = await context.new_page()
        witness.watch(page)
        await sign_in_through_the_form(page, username, password)
        return page

    yield open_
    reports = request.node.stash.get(PHASE_REPORTS, {})
    if "call" in reports and reports["call"].failed:
        # Added to the failed report: pytest prints its sections in the failure summary.
        reports["call"].sections.append(
            ("what the console showed", await witness.evidence(request.node.name))
        )


async def sign_in_through_the_form(page: Page, username: str, password: str) -> None:
    await page.goto("/")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"


async def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG of what the user sees now, kept under ``SCREENSHOTS``."""
    path = screenshot_path(name)
    await page.screenshot(path=str(path), full_page=True)
    return path
