"""Service campaigns in the console, in Chromium through the gateway: an admin defines a
campaign for a real serial item and an unknown serial number, validates it, sees the
unknown one in the report with its reason, removes it, releases the campaign and sees
its case in the progress; a viewer sees the same campaign without any action button."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from aftersales_testing.builders import unique
from aftersales_testing.journey import expect as expect_status
from aftersales_testing.journey import poll

from .conftest import OpenConsole, screenshot


async def _serial_item(admin_api: httpx.AsyncClient) -> dict[str, Any]:
    """An active item with its owner, registered in catalog (campaigns learns of it
    through the broker)."""
    tag = unique()
    customer = expect_status(
        await admin_api.post(
            "/api/customers",
            json={
                "customer_number": f"C-{tag}",
                "name": f"Bageriet {tag}",
                "emails": [f"bageriet.{tag}@example.com"],
                "allowed_methods": ["email"],
            },
        ),
        201,
    )
    product = expect_status(
        await admin_api.post(
            "/api/products", json={"product_number": f"P-{tag}", "name": "Deck oven"}
        ),
        201,
    )
    item: dict[str, Any] = expect_status(
        await admin_api.post(
            "/api/serial-items",
            json={
                "serial_number": f"SN-{tag}",
                "product_id": product["id"],
                "owner_customer_id": customer["id"],
                "startup_date": datetime.now(UTC).date().isoformat(),
            },
        ),
        201,
    )
    return item


async def _template(admin_api: httpx.AsyncClient) -> dict[str, Any]:
    template: dict[str, Any] = expect_status(
        await admin_api.post(
            "/api/case-templates",
            json={
                "name": unique("Service campaign "),
                "case_type": "service_campaign",
                "required_fields": ["cause_code"],
            },
        ),
        201,
    )
    return template


async def _validated(page: Page, lines: int, failing: int) -> None:
    """Validate until the installed base has reached campaigns: the result names
    ``failing`` of ``lines`` (catalog's events may still be on their way)."""
    result = page.get_by_role("status").filter(has_text="Serial numbers checked")
    wanted = f"Serial numbers checked: {lines}; failing: {failing}."

    async def once() -> bool:
        await page.get_by_role("button", name="Validate", exact=True).click()
        await expect(result).to_be_visible()
        return (await result.inner_text()).startswith(wanted)

    await poll(once, "the real item validated in campaigns", timeout=60)


# The whole journey in a browser, plus (when it runs first) the stack's start of up to 90 s
# on a machine shared with other runs: more than the default 120 s.
@pytest.mark.timeout(300)
async def test_an_admin_defines_validates_and_releases_a_campaign(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    item = await _serial_item(admin_api)
    template = await _template(admin_api)
    unknown = unique("SN-nowhere-")
    code = unique("GASKET-")

    page = await open_console("admin")
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Campaigns").click()
    await page.get_by_role("link", name="New campaign").click()

    # The definition: code, name and its Swedish name, template, a new parent case, cause.
    await page.get_by_label("Code", exact=True).fill(code)
    await page.get_by_label("Name", exact=True).fill("Burner gasket")
    await page.get_by_role("button", name="Add a translation").click()
    await page.get_by_label("Language 1 (e.g. sv)").fill("sv")
    await page.get_by_label("Name in language 1").fill("Brännarpackning")
    await page.get_by_label("Case template").select_option(label=template["name"])
    await page.get_by_role("button", name="New parent case").click()
    dialog = page.get_by_role("dialog", name="New parent case")
    await dialog.get_by_label("Title").fill(f"Burner gasket recall {code}")
    await dialog.get_by_role("button", name="Create parent case").click()
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_label("Parent case")).not_to_have_value("")
    await page.get_by_label("Cause code", exact=True).fill("RC-7")
    await page.get_by_label("Our reference").fill("Quality desk")
    await screenshot(page, "campaign-create")
    await page.get_by_role("button", name="Create campaign").click()

    # Its serial numbers: the real item and one catalog does not know.
    await expect(page).to_have_url(re.compile(r"/campaigns/[0-9a-f-]+/serials$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{code} — Burner gasket")
    await page.get_by_label("Serial numbers, one a line").fill(
        f"{item['serial_number']}\n{unknown}\n"
    )
    await page.get_by_role("button", name="Add 2 serial numbers").click()
    await expect(page.get_by_role("status").filter(has_text="Added: 2")).to_be_visible()
    lines = page.get_by_role("table", name=f"Serial numbers of {code}")
    await expect(lines.get_by_role("row")).to_have_count(3)  # header and two lines

    # Validation: the unknown serial number listed with its reason; release disabled.
    await page.get_by_role("link", name="Validation and release").click()
    await _validated(page, lines=2, failing=1)
    report = page.get_by_role("table", name=f"Failing serial numbers of {code}")
    failing_row = report.get_by_role("row").filter(has_text=unknown)
    await expect(failing_row).to_contain_text("Not found: no serial item has this number")
    await expect(report.get_by_role("row").filter(has_text=item["serial_number"])).to_have_count(0)
    release = page.get_by_role("button", name="Release campaign")
    await expect(release).to_be_disabled()
    await expect(
        page.get_by_text("Release is not possible while 1 serial number fails")
    ).to_be_visible()
    await expect(page.get_by_text("Loading…")).to_have_count(0)
    await screenshot(page, "campaign-validation")

    # Removed, the campaign releases: one case opened.
    await failing_row.get_by_role("button", name=f"Remove {unknown}").click()
    await expect(report).to_contain_text("No serial number fails.")
    await expect(release).to_be_enabled()
    await release.click()
    await expect(
        page.get_by_role("status").filter(has_text="Released: 1 case opened.")
    ).to_be_visible()
    await expect(page.get_by_test_id("campaign-state")).to_have_text("Released")

    # Progress: one case open, for the real item.
    await page.get_by_role("link", name="Progress and cases").click()
    await expect(page.get_by_test_id("campaign-progress-total")).to_have_text(
        "Cases open: 1 · closed: 0 · serial numbers: 1"
    )
    per_unit = page.get_by_role("table", name="Cases per org unit")
    await expect(per_unit.get_by_role("row").nth(1)).to_contain_text("No org unit")
    cases = page.get_by_role("table", name=f"Cases of {code}")
    await expect(cases.get_by_role("row").filter(has_text=item["serial_number"])).to_contain_text(
        "Open"
    )
    await expect(page.get_by_text("Loading…")).to_have_count(0)
    await screenshot(page, "campaign-progress")

    # What the browser did is what the API holds.
    found = expect_status(await admin_api.get("/api/campaigns", params={"q": code}))
    (campaign,) = found["items"]
    assert (campaign["state"], campaign["translations"], campaign["cause_code"]) == (
        "released",
        {"sv": "Brännarpackning"},
        "RC-7",
    )
    opened = expect_status(
        await admin_api.get("/api/cases", params={"campaign_id": campaign["id"]})
    )
    assert [(c["serial_number"], c["status"]) for c in opened["items"]] == [
        (item["serial_number"], "open")
    ]


async def test_a_viewer_reads_a_campaign_without_action_buttons(
    open_console: OpenConsole, admin_api: httpx.AsyncClient
) -> None:
    template = await _template(admin_api)
    parent = expect_status(await admin_api.post("/api/cases", json={"title": "Recall"}), 201)
    code = unique("VIEW-")
    campaign = expect_status(
        await admin_api.post(
            "/api/campaigns",
            json={
                "code": code,
                "name": "Firmware update",
                "template_id": template["id"],
                "parent_case_id": parent["id"],
                "cause_code": "FW-2",
            },
        ),
        201,
    )
    unknown = unique("SN-nowhere-")
    expect_status(
        await admin_api.post(
            f"/api/campaigns/{campaign['id']}/serials", json={"serial_numbers": [unknown]}
        )
    )

    page = await open_console("viewer")
    await page.goto("/campaigns")
    await page.get_by_label("Code or name").fill(code)
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name=code).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"{code} — Firmware update")
    main = page.get_by_role("main")
    await expect(main.get_by_role("button", name="Edit campaign")).to_have_count(0)
    await page.get_by_role("link", name="Validation and release").click()
    report = page.get_by_role("table", name=f"Failing serial numbers of {code}")
    await expect(report.get_by_role("row").filter(has_text=unknown)).to_contain_text("Not found")
    for name in ("Validate", "Release campaign", f"Remove {unknown}"):
        await expect(main.get_by_role("button", name=name)).to_have_count(0)
    await page.get_by_role("link", name="Serial numbers", exact=True).click()
    await expect(main.get_by_role("button", name=re.compile("^Add "))).to_have_count(0)
    await expect(main.get_by_role("button", name="Upload file")).to_have_count(0)
