"""Serial numbers uploaded as CSV: a file of a few thousand lines streamed in pieces, a
header and product column, duplicates counted, and every refusal (size, line count, a bad
line, not UTF-8, not CSV, empty) leaving nothing behind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from campaigns.main import build_app
from campaigns.settings import Settings
from tests.conftest import NOW
from tests.integration.seed import seed_world
from tests.integration.test_campaigns_support import (
    add,
    count_lines,
    new_campaign,
    serial_pages,
)

CSV = {"Content-Type": "text/csv"}


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_few_thousand_lines_streamed(client: httpx.AsyncClient) -> None:
    world = await seed_world(client, items=3)
    campaign = await new_campaign(client)
    cid = campaign["id"]
    lines = [f"{world.serial(i)},P-{world.tag}" for i in range(3)]
    lines += [f"UNKNOWN-{world.tag}-{i}" for i in range(4000)]
    lines.append(world.serial(0) + f",P-{world.tag}")  # the same line again
    data = ("\ufeffserial_number,product_number\r\n" + "\r\n".join(lines) + "\r\n").encode()
    answer = await client.post(
        f"/campaigns/{cid}/serials/upload", content=pieces(data, 4096), headers=CSV
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "added": 4003,
        "duplicates": 1,
        "failing": 4000,
        "cases_opened": 0,
        "cases_pending": 0,
    }
    every = await serial_pages(client, cid)
    assert len(every) == 4003
    assert [line["serial_number"] for line in every[:3]] == [world.serial(i) for i in range(3)]
    assert every[0]["product_number"] == f"P-{world.tag}"
    assert every[0]["problem"] is None
    assert {line["problem"] for line in every[3:]} == {"not_found"}

    # The same file again: nothing new, everything a duplicate.
    again = await client.post(
        f"/campaigns/{cid}/serials/upload", content=pieces(data, 65536), headers=CSV
    )
    assert again.json()["added"] == 0
    assert again.json()["duplicates"] == 4004
    # A list adds to the same lines.
    assert (await add(client, cid, [world.serial(1)]))["added"] == 1


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        (b"A1\nA2,P,x\n", CSV, 422, "body"),
        (b"A1\n\xff\xfe\n", CSV, 422, "body"),
        (b"\n\n", CSV, 422, "body"),
        (b"serial_number\n", CSV, 422, "body"),
        (b"A1\n", {"Content-Type": "application/json"}, 415, "Content-Type"),
        (b"A1\n", {"Content-Type": "multipart/form-data; boundary=x"}, 415, "Content-Type"),
    ],
)
async def test_refusals_leave_nothing(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int, field: str
) -> None:
    campaign = await new_campaign(client)
    answer = await client.post(
        f"/campaigns/{campaign['id']}/serials/upload", content=body, headers=headers
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert await count_lines(client, campaign["id"]) == 0


async def test_bad_line_is_named(client: httpx.AsyncClient) -> None:
    campaign = await new_campaign(client)
    data = b"".join(b"S%d\n" % i for i in range(2500)) + b"S,P,extra\n"
    answer = await client.post(
        f"/campaigns/{campaign['id']}/serials/upload", content=pieces(data, 1000), headers=CSV
    )
    assert answer.status_code == 422
    assert answer.json()["line"] == 2501
    assert answer.json()["detail"].startswith("line 2501: ")
    # The 2,500 good lines before it (two batches already written) are gone too.
    assert await count_lines(client, campaign["id"]) == 0


@pytest.fixture
async def small(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with small limits: 10 serial numbers a campaign, 200-byte files."""
    from aftersales_kit.clock import FixedClock

    app = build_app(
        settings.model_copy(update={"max_serials": 10, "max_upload_bytes": 200}), FixedClock(NOW)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://campaigns",
            headers={"X-Aftersales-User": "admin", "X-Aftersales-Roles": "admin"},
        ) as client,
    ):
        client.app = app  # type: ignore[attr-defined]
        yield client


async def test_limits(small: httpx.AsyncClient) -> None:
    campaign = await new_campaign(small)
    url = f"/campaigns/{campaign['id']}/serials"
    # Too many bytes: declared (refused before reading) or streamed without a length.
    big = b"".join(b"SERIAL-%04d\n" % i for i in range(30))
    declared = await small.post(f"{url}/upload", content=big, headers=CSV)
    assert declared.status_code == 413
    assert declared.json()["field"] == "body"
    streamed = await small.post(f"{url}/upload", content=pieces(big, 50), headers=CSV)
    assert streamed.status_code == 413
    # Too many lines for the campaign: 413 for a file, 422 for a list; nothing added.
    eleven = b"".join(b"S%d\n" % i for i in range(11))
    over = await small.post(f"{url}/upload", content=eleven, headers=CSV)
    assert over.status_code == 413, over.text
    listed = await small.post(url, json={"serial_numbers": [f"S{i}" for i in range(11)]})
    assert listed.status_code == 422
    assert listed.json()["field"] == "serial_numbers"
    assert await count_lines(small, campaign["id"]) == 0
    # Up to the limit is fine, duplicates do not count against it.
    ten = await small.post(
        f"{url}/upload", content=b"".join(b"S%d\n" % i for i in range(10)), headers=CSV
    )
    assert ten.status_code == 200, ten.text
    assert (await small.post(url, json={"serial_numbers": ["S1", "S2"]})).json()["duplicates"] == 2
    one_more = await small.post(url, json={"serial_numbers": ["S10"]})
    assert one_more.status_code == 422


async def test_empty_list_and_bad_items_are_422(client: httpx.AsyncClient) -> None:
    campaign = await new_campaign(client)
    url = f"/campaigns/{campaign['id']}/serials"
    for body, field in (
        ({"serial_numbers": []}, "serial_numbers"),
        ({"serial_numbers": [" "]}, "serial_numbers.0.serial_number"),
        ({"serial_numbers": ["x" * 101]}, "serial_numbers.0.serial_number"),
        ({"serial_numbers": [{"product_number": "P"}]}, "serial_numbers.0.serial_number"),
    ):
        answer = await client.post(url, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field
