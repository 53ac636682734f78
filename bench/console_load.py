"""The console's load budget: the first screen from the local gateway, and the callout
list rendering 100 rows, in headless Chromium (Debian's, driven by Playwright).

Starts the whole system as processes (as ``make run`` does, on its own databases, queue
names and ports; the gateway serves the built console: run ``make console`` first),
creates 120 callouts through the public API (one customer, 120 serial items, a one-step
service type), then measures, each a number of times in a fresh browser context (an
empty cache, as a first visit):

- the raw ceilings of this machine in the same run: fetching the console's files over
  HTTP without a browser, and Chromium loading a page with no script from the gateway;
- the first screen: navigation start → the sign-in form visible (and First Contentful
  Paint, bytes transferred), cold and with a warm cache;
- the callout list: navigation → the first row, → 100 rows; with the main thread's long
  tasks (over 50 ms, the browser's own definition of jank) and the total blocking time
  while it renders, then the longest frame while scrolling the 100 rows.

Usage: uv run python bench/console_load.py [RUNS]   (default 10)
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright

from aftersales_testing import infrastructure
from aftersales_testing.journey import expect, login, poll
from aftersales_testing.smtp_sink import free_port
from aftersales_testing.stack import (
    SERVICES,
    Stack,
    StackConfig,
    drop_databases,
    environment,
    prepare_databases,
)

POSTGRES = os.environ.get(
    "AFTERSALES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP = os.environ.get("AFTERSALES_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
CONSOLE = Path(__file__).resolve().parents[1] / "services" / "console" / "dist"
ITEMS = 120
ROWS = 100

# Recorded in the page before any of its scripts run: every long task (the Long Tasks API
# reports main-thread tasks over 50 ms) and, on demand, frame intervals.
OBSERVE = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""
FRAMES = """
async () => {
  const table = document.querySelector("main table");
  const frames = [];
  let last = performance.now();
  let running = true;
  const tick = (now) => {
    frames.push(now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const steps = 30;
  for (let i = 1; i <= steps; i++) {
    window.scrollTo(0, (document.body.scrollHeight * i) / steps);
    await new Promise((r) => requestAnimationFrame(r));
  }
  running = false;
  const rows = table ? table.querySelectorAll("tbody tr").length : 0;
  return { frames: frames.length, longest: Math.max(...frames), rows };
}
"""


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered):7.1f}  p95 {p95:7.1f}  max {ordered[-1]:7.1f}"


async def seed_callouts(gateway: str) -> None:
    """One customer, ``ITEMS`` serial items starting today and a one-step service type
    for their product, all through the public API; returns once the callouts exist."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
        await login(client, "dev", "dev")
        customer = expect(
            await client.post(
                "/api/customers",
                json={
                    "customer_number": f"C-{tag}",
                    "name": f"Bench Customer {tag}",
                    "emails": [f"bench.{tag}@example.com"],
                    "allowed_methods": ["email"],
                },
            ),
            201,
        )
        product = expect(
            await client.post(
                "/api/products", json={"product_number": f"P-{tag}", "name": "Heat pump"}
            ),
            201,
        )
        today = datetime.now(UTC).date().isoformat()
        for n in range(ITEMS):
            expect(
                await client.post(
                    "/api/serial-items",
                    json={
                        "serial_number": f"SN-{tag}-{n:04d}",
                        "product_id": product["id"],
                        "owner_customer_id": customer["id"],
                        "startup_date": today,
                    },
                ),
                201,
            )
        expect(
            await client.post(
                "/api/service-types",
                json={
                    "display_name": "Annual inspection",
                    "system_name": f"annual_{tag}",
                    "approval_method": "manual",
                    "steps": [
                        {
                            "description": "1st reminder",
                            "schedule": {"kind": "after", "span": 0, "period": "days"},
                            "initial": {
                                "email_subject": "Service due for {{ serial_number }}",
                                "email_body": "Dear {{ customer_name }}, your service is due.",
                            },
                        }
                    ],
                    "links": [{"main_product_id": product["id"], "apply_to_main_product": True}],
                },
            ),
            201,
        )

        async def planned() -> bool | None:
            page = expect(
                await client.get(
                    "/api/callouts", params={"customer_id": customer["id"], "limit": ITEMS}
                )
            )
            return True if len(page["items"]) >= ITEMS else None

        await poll(planned, f"{ITEMS} callouts planned", timeout=180)


def raw_http(gateway: str, runs: int) -> list[float]:
    """The console's files over loopback HTTP, no browser: the server's and network's share."""
    index = httpx.get(f"{gateway}/").text
    assets = [
        part.split('"')[0]
        for part in index.split('="/assets/')[1:]
        if part.split('"')[0].endswith((".js", ".css"))
    ]
    times = []
    with httpx.Client(base_url=gateway) as client:
        for _ in range(runs):
            started = time.perf_counter()
            client.get("/")
            for asset in assets:
                client.get(f"/assets/{asset}")
            times.append((time.perf_counter() - started) * 1000)
    return times


async def timing(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(
        """() => {
          const nav = performance.getEntriesByType("navigation")[0];
          const paint = performance.getEntriesByName("first-contentful-paint")[0];
          const bytes = performance.getEntriesByType("resource")
            .reduce((n, r) => n + (r.transferSize || 0), nav.transferSize || 0);
          return { now: performance.now(), fcp: paint ? paint.startTime : -1, bytes,
                   longTasks: (window.__longTasks || []) };
        }"""
    )
    return result


async def first_screen(browser: Browser, gateway: str, runs: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"cold": [], "fcp": [], "warm": [], "kib": []}
    for _ in range(runs):
        context = await browser.new_context(base_url=gateway)
        page = await context.new_page()
        await page.goto("/")
        await page.get_by_label("Username").wait_for()
        measured = await timing(page)
        found["cold"].append(measured["now"])
        found["fcp"].append(measured["fcp"])
        found["kib"].append(measured["bytes"] / 1024)
        await page.reload()
        await page.get_by_label("Username").wait_for()
        found["warm"].append((await timing(page))["now"])
        await context.close()
    return found


async def static_page(browser: Browser, gateway: str, runs: int) -> list[float]:
    """Chromium loading a page without script from the gateway: the floor of any page."""
    times = []
    for _ in range(runs):
        context = await browser.new_context(base_url=gateway)
        page = await context.new_page()
        await page.goto("/healthz")
        times.append(await page.evaluate("performance.now()"))
        await context.close()
    return times


async def callout_list(browser: Browser, gateway: str, runs: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {
        "first_row": [],
        "rows": [],
        "long_tasks": [],
        "longest_task": [],
        "blocking": [],
        "longest_frame": [],
    }
    for _ in range(runs):
        context = await browser.new_context(
            base_url=gateway, viewport={"width": 1440, "height": 900}
        )
        await context.add_init_script(OBSERVE)
        page = await context.new_page()
        await page.goto("/")
        await page.get_by_label("Username").fill("dev")
        await page.get_by_label("Password").fill("dev")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_test_id("signed-in-as").wait_for()
        await page.goto("/callouts")
        rows = page.locator("main table tbody tr")
        await rows.first.wait_for()
        found["first_row"].append((await timing(page))["now"])
        await page.wait_for_function(
            "rows => document.querySelectorAll('main table tbody tr').length >= rows",
            arg=ROWS,
            timeout=30_000,
        )
        measured = await timing(page)
        found["rows"].append(measured["now"])
        tasks: list[float] = measured["longTasks"]
        found["long_tasks"].append(float(len(tasks)))
        found["longest_task"].append(max(tasks, default=0.0))
        found["blocking"].append(sum(max(0.0, t - 50) for t in tasks))
        frames: dict[str, Any] = await page.evaluate(FRAMES)
        found["longest_frame"].append(float(frames["longest"]))
        await context.close()
    return found


async def measure(gateway: str, runs: int) -> None:
    chromium = (
        os.environ.get("AFTERSALES_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            version = browser.version
            http = raw_http(gateway, runs)
            floor = await static_page(browser, gateway, runs)
            first = await first_screen(browser, gateway, runs)
            listing = await callout_list(browser, gateway, runs)
        finally:
            await browser.close()
    print(
        f"\nChromium {version}, headless; {runs} runs each, every run a fresh context (empty cache)"
    )
    print("\nraw ceilings (ms)")
    print(f"  console files over HTTP, no browser    {summary(http)}")
    print(f"  Chromium, a page without script         {summary(floor)}")
    print("\nfirst screen (ms from navigation start)")
    print(f"  sign-in form visible, cold cache        {summary(first['cold'])}")
    print(f"  first contentful paint, cold            {summary(first['fcp'])}")
    print(f"  sign-in form visible, warm cache        {summary(first['warm'])}")
    print(f"  transferred, cold (KiB)                 {summary(first['kib'])}")
    print(f"\ncallout list, {ROWS} rows (ms from navigation start)")
    print(f"  first row visible                       {summary(listing['first_row'])}")
    print(f"  {ROWS} rows in the table                   {summary(listing['rows'])}")
    print(f"  long tasks (>50 ms) while loading       {summary(listing['long_tasks'])}")
    print(f"  longest main-thread task                {summary(listing['longest_task'])}")
    print(f"  total blocking time                     {summary(listing['blocking'])}")
    print(f"  longest frame scrolling {ROWS} rows        {summary(listing['longest_frame'])}")


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    if not (CONSOLE / "index.html").is_file():
        print("the console is not built: run `make console` first")
        return 1
    run_id = infrastructure.new_run_id()
    base = Path(tempfile.mkdtemp(prefix="aftersales-console-"))
    config = StackConfig(
        postgres_url=POSTGRES,
        amqp_url=AMQP,
        database_prefix=f"bench_console_{run_id}_",
        broker_prefix=f"bench-console-{run_id}.",
        port_offset=21000,
        smtp_port=free_port(),
        mail_dir=base / "mail",
        log_dir=base / "logs",
    )
    prepare_databases(config)
    gateway = next(s for s in SERVICES if s.name == "gateway")
    subprocess.run(
        ["gateway", "seed-dev-user"],
        env=os.environ | environment(config, gateway),
        check=True,
        capture_output=True,
    )
    print(f"console load budget ({machine()}); logs in {base}/logs")
    try:
        with Stack(config).running(timeout=120):
            url = config.url("gateway")
            asyncio.run(seed_callouts(url))
            asyncio.run(measure(url, runs))
    finally:
        drop_databases(config)
        asyncio.run(infrastructure.delete_topology(AMQP, config.broker_prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
