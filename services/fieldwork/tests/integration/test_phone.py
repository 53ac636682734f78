"""The technician's phone (issue 16 item 5): as the ``technician`` role and only for their
own orders — the day with each order's case and protocol, the status actions, the
protocol form, photo upload; another technician's protocol is a 404."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import httpx
import pytest

from tests.integration.seed import as_user
from tests.integration.test_orders_support import add_technician, if_match
from tests.integration.test_protocol_support import (
    JPEG,
    files_under,
    new_protocol,
    protocol_events,
    site,
    tag,
    use_store,
)

pytestmark = pytest.mark.asyncio


async def test_a_technician_fills_and_completes_the_protocol_of_their_order(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path)
    s = await site(client)
    phone = s.phone

    # The day: the order with its case, no protocol yet.
    day = (await client.get("/my-day", params={"date": "2026-11-30"}, headers=phone)).json()
    [booking] = day["bookings"]
    assert booking["order"]["id"] == s.order_id
    assert booking["case"]["id"] == s.case_id
    assert booking["case"]["number"].startswith("SC-")
    assert booking["case"]["name"]
    assert booking["protocol"] is None

    # On the way and on site through the status actions.
    order = (await client.get(f"/service-orders/{s.order_id}", headers=phone)).json()
    for action in ("depart", "arrive", "start_work"):
        moved = await client.post(
            f"/service-orders/{s.order_id}/actions/{action}", headers=phone | if_match(order)
        )
        assert moved.status_code == 200, moved.text
        order = moved.json()
    assert order["status"] == "working"

    protocol = await new_protocol(client, phone, order_id=s.order_id)
    assert protocol["created_by"] == s.username
    url = f"/protocols/{protocol['id']}"
    protocol = (
        await client.patch(
            url,
            json={"fault_description": "No heat", "solution_description": "New element"},
            headers=phone | tag(protocol),
        )
    ).json()
    items = {"items": [{"description": "Heating element", "quantity": 1, "unit": "pcs"}]}
    protocol = (await client.put(f"{url}/items", json=items, headers=phone | tag(protocol))).json()
    works = {"works": [{"description": "Replaced the element", "minutes": 75}]}
    answer = await client.put(f"{url}/works", json=works, headers=phone | tag(protocol))
    assert answer.status_code == 200, answer.text
    protocol = answer.json()
    # The phone's work line is the technician's own.
    assert protocol["works"][0]["technician_id"] == str(s.technician_id)
    assert protocol["works"][0]["technician_name"] == "Tekla Tekniker"

    photo = JPEG * 50
    uploaded = await client.post(
        f"{url}/attachments?kind=photo_after&file_name=after.jpg",
        content=photo,
        headers=phone | {"Content-Type": "image/jpeg"},
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["uploaded_by"] == s.username
    back = await client.get(f"{url}/attachments/{uploaded.json()['id']}", headers=phone)
    assert hashlib.sha256(back.content).hexdigest() == hashlib.sha256(photo).hexdigest()

    day = (await client.get("/my-day", params={"date": "2026-11-30"}, headers=phone)).json()
    assert day["bookings"][0]["protocol"] == {"id": protocol["id"], "status": "draft"}

    current = (await client.get(url, headers=phone)).json()
    done = await client.post(f"{url}/complete", headers=phone | tag(current))
    assert done.status_code == 200, done.text
    assert done.json()["completed_by"] == s.username
    [event] = await protocol_events(client, protocol["id"])
    assert event["works"][0]["technician_id"] == str(s.technician_id)
    day = (await client.get("/my-day", params={"date": "2026-11-30"}, headers=phone)).json()
    assert day["bookings"][0]["protocol"]["status"] == "completed"
    # The technician's own list shows it; the case-wide list too (their orders' only).
    mine = await client.get("/protocols", params={"case_id": s.case_id}, headers=phone)
    assert [p["id"] for p in mine.json()["items"]] == [protocol["id"]]


async def test_another_technicians_protocol_is_not_found(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path)
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    case_wide = await new_protocol(client, case_id=s.case_id)
    photo = await client.post(
        f"/protocols/{protocol['id']}/attachments?kind=photo_before",
        content=JPEG,
        headers={"Content-Type": "image/jpeg"},
    )
    other = "tech-" + uuid.uuid4().hex[:8]
    await add_technician(client, s.world, username=other, name="Tom Tekniker")
    stranger = as_user(other, "technician")
    url = f"/protocols/{protocol['id']}"
    attempts = [
        client.get(url, headers=stranger),
        client.get(f"/protocols/{case_wide['id']}", headers=stranger),
        client.patch(url, json={"fault_description": "x"}, headers=stranger | tag(protocol)),
        client.put(f"{url}/items", json={"items": []}, headers=stranger | tag(protocol)),
        client.put(f"{url}/works", json={"works": []}, headers=stranger | tag(protocol)),
        client.post(f"{url}/complete", headers=stranger | tag(protocol)),
        client.post(
            f"{url}/attachments?kind=photo_after",
            content=JPEG,
            headers=stranger | {"Content-Type": "image/jpeg"},
        ),
        client.get(f"{url}/attachments/{photo.json()['id']}", headers=stranger),
        client.delete(f"{url}/attachments/{photo.json()['id']}", headers=stranger),
    ]
    for attempt in attempts:
        answer = await attempt
        assert answer.status_code == 404, answer.text
    listed = await client.get("/protocols", params={"case_id": s.case_id}, headers=stranger)
    assert listed.json()["items"] == []
    # The order's own technician sees theirs, and not the dispatcher's case-wide one.
    own = await client.get("/protocols", params={"case_id": s.case_id}, headers=s.phone)
    assert [p["id"] for p in own.json()["items"]] == [protocol["id"]]
    assert (await client.get(f"/protocols/{case_wide['id']}", headers=s.phone)).status_code == 404
    assert len(files_under(tmp_path)) == 1


async def test_a_technician_without_a_record_sees_no_protocol(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    nobody = as_user("nobody-" + uuid.uuid4().hex[:6], "technician")
    assert (await client.get(f"/protocols/{protocol['id']}", headers=nobody)).status_code == 404
    created = await client.post("/protocols", json={"order_id": s.order_id}, headers=nobody)
    assert created.status_code == 422


async def test_my_day_of_a_planner_shows_cases_and_protocols_too(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    day = (
        await client.get(
            "/my-day", params={"date": "2026-11-30", "technician_id": str(s.technician_id)}
        )
    ).json()
    [booking] = day["bookings"]
    assert booking["case"]["id"] == s.case_id
    assert booking["protocol"] == {"id": protocol["id"], "status": "draft"}
