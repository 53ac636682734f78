"""The service protocol over HTTP: create (of a case, of an order, one per order), read and
list, change with If-Match, items and works replaced whole, completion (its refusals, the
event, the case's status, who the PDF goes to), read-only once completed."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from fieldwork import tables
from tests.integration.seed import as_user, runtime_of, seed_world
from tests.integration.test_orders_support import add_technician, new_order
from tests.integration.test_protocol_support import (
    add_product,
    new_protocol,
    protocol_events,
    site,
    tag,
)

pytestmark = pytest.mark.asyncio

WORK = {"works": [{"description": "Replaced the heating element", "minutes": 90}]}


async def _with_works(client: httpx.AsyncClient, protocol: dict[str, Any]) -> dict[str, Any]:
    answer = await client.put(
        f"/protocols/{protocol['id']}/works", json=WORK, headers=tag(protocol)
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


# --- create ------------------------------------------------------------------------------


async def test_a_protocol_of_an_order_is_a_draft_of_its_case(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    assert protocol["status"] == "draft"
    assert protocol["case_id"] == s.case_id
    assert protocol["order_id"] == s.order_id
    assert protocol["order_number"] == s.order["number"]
    assert protocol["case_number"].startswith("SC-")
    assert protocol["created_by"] == "planner"
    assert protocol["items"] == protocol["works"] == protocol["attachments"] == []
    assert protocol["show_images"] is True
    answer = await client.get(f"/protocols/{protocol['id']}")
    assert answer.status_code == 200
    assert answer.headers["ETag"] == '"1"'
    assert answer.json() == protocol


async def test_one_protocol_per_order_and_several_per_case(client: httpx.AsyncClient) -> None:
    s = await site(client)
    first = await new_protocol(client, order_id=s.order_id, case_id=s.case_id)
    again = await client.post("/protocols", json={"order_id": s.order_id})
    assert again.status_code == 409
    assert again.json()["existing_protocol_id"] == first["id"]
    assert again.json()["field"] == "order_id"
    # The case itself takes more (the dispatcher's own, a second trip's).
    case_wide = await new_protocol(client, case_id=s.case_id)
    assert case_wide["order_id"] is None
    listed = await client.get("/protocols", params={"case_id": s.case_id})
    assert {p["id"] for p in listed.json()["items"]} == {first["id"], case_wide["id"]}
    by_order = await client.get("/protocols", params={"order_id": s.order_id})
    assert [p["id"] for p in by_order.json()["items"]] == [first["id"]]


async def test_create_refusals_name_the_field(client: httpx.AsyncClient) -> None:
    s = await site(client)
    other = await new_order(client, s.world)
    cases = [
        ({}, 422, "case_id"),
        ({"order_id": str(uuid.uuid4())}, 422, "order_id"),
        ({"case_id": str(uuid.uuid4())}, 422, "case_id"),
        ({"order_id": s.order_id, "case_id": other["case_id"]}, 422, "order_id"),
        ({"order_id": s.order_id, "extra": 1}, 422, "extra"),
    ]
    for body, status, field in cases:
        answer = await client.post("/protocols", json=body)
        assert (answer.status_code, answer.json()["field"]) == (status, field), body


async def test_a_cancelled_order_or_a_closed_case_takes_no_protocol(
    client: httpx.AsyncClient,
) -> None:
    s = await site(client)
    order = (await client.get(f"/service-orders/{s.order_id}")).json()
    cancel = await client.post(f"/service-orders/{s.order_id}/actions/cancel", headers=tag(order))
    assert cancel.status_code == 200, cancel.text
    refused = await client.post("/protocols", json={"order_id": s.order_id})
    assert refused.status_code == 409
    other = await new_order(client, s.world)
    async with runtime_of(client).uow() as uow:
        await uow.session.execute(
            update(tables.service_case)
            .where(tables.service_case.c.id == uuid.UUID(other["case_id"]))
            .values(status="completed")
        )
        await uow.commit()
    closed = await client.post("/protocols", json={"case_id": other["case_id"]})
    assert closed.status_code == 409
    assert closed.json()["case_status"] == "completed"


async def test_viewers_read_and_may_not_write(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    viewer = as_user("vera", "viewer")
    assert (await client.get(f"/protocols/{protocol['id']}", headers=viewer)).status_code == 200
    writes = [
        client.post("/protocols", json={"case_id": s.case_id}, headers=viewer),
        client.patch(
            f"/protocols/{protocol['id']}",
            json={"fault_description": "x"},
            headers=tag(protocol, viewer),
        ),
        client.put(f"/protocols/{protocol['id']}/works", json=WORK, headers=tag(protocol, viewer)),
        client.post(f"/protocols/{protocol['id']}/complete", headers=tag(protocol, viewer)),
    ]
    for write in writes:
        assert (await write).status_code == 403


async def test_an_org_unit_out_of_sight_is_not_found(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    elsewhere = as_user("olle", "operator", org_units=[str(uuid.uuid4())])
    answer = await client.get(f"/protocols/{protocol['id']}", headers=elsewhere)
    assert answer.status_code == 404
    listed = await client.get("/protocols", params={"case_id": s.case_id}, headers=elsewhere)
    assert listed.json()["items"] == []
    created = await client.post("/protocols", json={"case_id": s.case_id}, headers=elsewhere)
    assert (created.status_code, created.json()["field"]) == (422, "case_id")


async def test_the_list_pages_by_keyset_and_filters_by_status(client: httpx.AsyncClient) -> None:
    s = await site(client)
    made = [await new_protocol(client, case_id=s.case_id) for _ in range(3)]
    # The clock stands still: one created_at, so the id breaks the tie.
    made.sort(key=lambda p: p["id"])
    first = (await client.get("/protocols", params={"case_id": s.case_id, "limit": 2})).json()
    assert [p["id"] for p in first["items"]] == [p["id"] for p in made[:2]]
    rest = (
        await client.get(
            "/protocols", params={"case_id": s.case_id, "limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [p["id"] for p in rest["items"]] == [made[2]["id"]]
    assert rest["next_cursor"] is None
    drafts = await client.get("/protocols", params={"case_id": s.case_id, "status": "completed"})
    assert drafts.json()["items"] == []
    bad = await client.get("/protocols", params={"cursor": "nonsense"})
    assert bad.status_code == 422


# --- change ------------------------------------------------------------------------------


async def test_texts_change_with_if_match(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    url = f"/protocols/{protocol['id']}"
    body = {"fault_description": "Element burnt", "solution_description": "Replaced it"}
    assert (await client.patch(url, json=body)).status_code == 428
    assert (await client.patch(url, json=body, headers={"If-Match": '"7"'})).status_code == 412
    changed = await client.patch(url, json=body | {"show_images": False}, headers=tag(protocol))
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    view = changed.json()
    assert (view["fault_description"], view["solution_description"]) == (
        "Element burnt",
        "Replaced it",
    )
    assert view["show_images"] is False
    nulled = await client.patch(url, json={"show_images": None}, headers=tag(view))
    assert (nulled.status_code, nulled.json()["field"]) == (422, "show_images")


async def test_a_reported_problem_needs_its_description(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    url = f"/protocols/{protocol['id']}"
    refused = await client.patch(url, json={"problem_reported": True}, headers=tag(protocol))
    assert (refused.status_code, refused.json()["field"]) == (422, "problem_description")
    blank = await client.patch(
        url, json={"problem_reported": True, "problem_description": "  "}, headers=tag(protocol)
    )
    assert (blank.status_code, blank.json()["field"]) == (422, "problem_description")
    ok = await client.patch(
        url,
        json={"problem_reported": True, "problem_description": "Spare part missing"},
        headers=tag(protocol),
    )
    assert ok.status_code == 200
    assert ok.json()["problem_description"] == "Spare part missing"
    # Clearing the description while the problem stands is refused too.
    cleared = await client.patch(url, json={"problem_description": None}, headers=tag(ok.json()))
    assert (cleared.status_code, cleared.json()["field"]) == (422, "problem_description")


async def test_items_are_products_or_free_text_replaced_whole(client: httpx.AsyncClient) -> None:
    s = await site(client)
    product_id = await add_product(client, name="Heating element 2 kW", number="HE-2000")
    protocol = await new_protocol(client, order_id=s.order_id)
    url = f"/protocols/{protocol['id']}/items"
    items = [
        {"product_id": str(product_id), "quantity": 2, "unit": "pcs"},
        {
            "product_id": str(product_id),
            "description": "Element, left",
            "quantity": "1",
            "unit": "pcs",
        },
        {"description": "Cable ties", "quantity": "0.125", "unit": "kg"},
    ]
    answer = await client.put(url, json={"items": items}, headers=tag(protocol))
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert [
        (i["position"], i["description"], i["product_number"], i["unit"]) for i in view["items"]
    ] == [
        (1, "Heating element 2 kW", "HE-2000", "pcs"),
        (2, "Element, left", "HE-2000", "pcs"),
        (3, "Cable ties", None, "kg"),
    ]
    assert [float(i["quantity"]) for i in view["items"]] == [2, 1, 0.125]
    emptied = await client.put(url, json={"items": []}, headers=tag(view))
    assert emptied.status_code == 200
    assert emptied.json()["items"] == []
    assert emptied.json()["version"] == 3


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"product_id": "UNKNOWN", "quantity": 1, "unit": "pcs"}, "items.1.product_id"),
        ({"description": "x", "quantity": 0, "unit": "pcs"}, "items.1.quantity"),
        ({"description": "x", "quantity": -1, "unit": "pcs"}, "items.1.quantity"),
        ({"description": "x", "quantity": "1.2345", "unit": "pcs"}, "items.1.quantity"),
        ({"description": "x", "quantity": "NaN", "unit": "pcs"}, "items.1.quantity"),
        ({"description": "x", "quantity": "1e12", "unit": "pcs"}, "items.1.quantity"),
        ({"quantity": 1, "unit": "pcs"}, "items.1.description"),
        ({"description": "x", "quantity": 1, "unit": ""}, "items.1.unit"),
        ({"description": "x", "quantity": 1, "unit": "u" * 21}, "items.1.unit"),
        ({"description": "x", "quantity": 1}, "items.1.unit"),
    ],
)
async def test_an_item_refused_is_named_and_nothing_changes(
    client: httpx.AsyncClient, line: dict[str, Any], field: str
) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    if line.get("product_id") == "UNKNOWN":
        line = line | {"product_id": str(uuid.uuid4())}
    good = {"description": "Fuse", "quantity": 1, "unit": "pcs"}
    answer = await client.put(
        f"/protocols/{protocol['id']}/items", json={"items": [good, line]}, headers=tag(protocol)
    )
    assert (answer.status_code, answer.json()["field"]) == (422, field), answer.text
    after = (await client.get(f"/protocols/{protocol['id']}")).json()
    assert after["items"] == []
    assert after["version"] == 1


async def test_works_name_known_technicians(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    url = f"/protocols/{protocol['id']}/works"
    works = [
        {
            "description": "Diagnosis",
            "minutes": 30,
            "technician_id": str(s.technician_id),
            "work_date": "2026-11-30",
        },
        {"description": "Repair", "minutes": 0},
    ]
    answer = await client.put(url, json={"works": works}, headers=tag(protocol))
    assert answer.status_code == 200, answer.text
    lines = answer.json()["works"]
    assert [(w["description"], w["minutes"], w["technician_name"]) for w in lines] == [
        ("Diagnosis", 30, "Tekla Tekniker"),
        ("Repair", 0, None),
    ]
    assert lines[0]["work_date"] == "2026-11-30"
    view = answer.json()
    for line, field in [
        ({"description": "x", "minutes": -1}, "works.0.minutes"),
        ({"description": "x", "minutes": 24 * 60 + 1}, "works.0.minutes"),
        ({"description": "", "minutes": 1}, "works.0.description"),
        (
            {"description": "x", "minutes": 1, "technician_id": str(uuid.uuid4())},
            "works.0.technician_id",
        ),
    ]:
        refused = await client.put(url, json={"works": [line]}, headers=tag(view))
        assert (refused.status_code, refused.json()["field"]) == (422, field), line
    assert (await client.put(url, json={"works": works})).status_code == 428


# --- complete ----------------------------------------------------------------------------


async def test_completing_needs_a_work_line(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    url = f"/protocols/{protocol['id']}/complete"
    assert (await client.post(url)).status_code == 428
    refused = await client.post(url, headers=tag(protocol))
    assert (refused.status_code, refused.json()["field"]) == (409, "works")
    assert await protocol_events(client, protocol["id"]) == []


async def test_completion_stamps_publishes_the_lines_and_locks_the_protocol(
    client: httpx.AsyncClient,
) -> None:
    s = await site(client)
    product_id = await add_product(client, number="HE-1")
    protocol = await new_protocol(client, order_id=s.order_id)
    url = f"/protocols/{protocol['id']}"
    items = {"items": [{"product_id": str(product_id), "quantity": "1.500", "unit": "m"}]}
    protocol = (await client.put(f"{url}/items", json=items, headers=tag(protocol))).json()
    works = {
        "works": [{"description": "Fix", "minutes": 45, "technician_id": str(s.technician_id)}]
    }
    protocol = (await client.put(f"{url}/works", json=works, headers=tag(protocol))).json()
    done = await client.post(f"{url}/complete", headers=tag(protocol))
    assert done.status_code == 200, done.text
    view = done.json()
    assert view["status"] == "completed"
    assert view["completed_by"] == "planner"
    assert view["completed_at"] is not None
    assert view["will_send_to"] is None  # the order has no contact
    assert done.headers["ETag"] == f'"{view["version"]}"'
    [event] = await protocol_events(client, protocol["id"])
    assert event["case_id"] == s.case_id
    assert event["order_id"] == s.order_id
    assert event["problem_reported"] is False
    assert event["completed_by"] == "planner"
    assert event["items"] == [
        {
            "product_id": str(product_id),
            "product_number": "HE-1",
            "description": "Heating element 2 kW",
            "quantity": "1.5",
            "unit": "m",
        }
    ]
    assert event["works"] == [
        {
            "description": "Fix",
            "minutes": 45,
            "technician_id": str(s.technician_id),
            "technician_name": "Tekla Tekniker",
        }
    ]
    # Read-only now: every write is 409, a second completion too, and nothing is sent again.
    tagged = tag(view)
    for write in [
        client.patch(url, json={"fault_description": "x"}, headers=tagged),
        client.put(f"{url}/items", json={"items": []}, headers=tagged),
        client.put(f"{url}/works", json=WORK, headers=tagged),
        client.post(f"{url}/complete", headers=tagged),
    ]:
        answer = await write
        assert answer.status_code == 409, answer.text
        assert answer.json()["protocol_status"] == "completed"
    assert len(await protocol_events(client, protocol["id"])) == 1


async def _flag_contact(client: httpx.AsyncClient, customer_id: uuid.UUID, **flags: Any) -> None:
    async with runtime_of(client).uow() as uow:
        stored: list[dict[str, Any]] = (
            await uow.session.scalar(
                select(tables.customer.c.contacts).where(tables.customer.c.id == customer_id)
            )
            or []
        )
        contacts = [{**c, **flags} if c["name"] == "Sven Svensson" else c for c in stored]
        await uow.session.execute(
            update(tables.customer)
            .where(tables.customer.c.id == customer_id)
            .values(contacts=contacts)
        )
        await uow.commit()


async def test_the_answer_says_the_protocol_goes_to_a_flagged_contact(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    await _flag_contact(client, world.customer_id, send_service_protocol=True)
    flagged = await new_order(client, world, contact_id=str(world.contact_id))
    unflagged = await new_order(client, world, contact_id=str(world.other_contact_id))
    answers = []
    for order in (flagged, unflagged):
        protocol = await _with_works(client, await new_protocol(client, order_id=order["id"]))
        done = await client.post(f"/protocols/{protocol['id']}/complete", headers=tag(protocol))
        assert done.status_code == 200, done.text
        answers.append(done.json()["will_send_to"])
    assert answers == [{"name": "Sven Svensson", "email": "sven@example.com"}, None]


async def test_a_flagged_contact_without_an_e_mail_gets_nothing(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    await _flag_contact(client, world.customer_id, send_service_protocol=True, email=None)
    order = await new_order(client, world, contact_id=str(world.contact_id))
    protocol = await _with_works(client, await new_protocol(client, order_id=order["id"]))
    done = await client.post(f"/protocols/{protocol['id']}/complete", headers=tag(protocol))
    assert done.json()["will_send_to"] is None


async def test_a_reported_problem_puts_the_case_in_problem(client: httpx.AsyncClient) -> None:
    s = await site(client)
    protocol = await new_protocol(client, order_id=s.order_id)
    protocol = (
        await client.patch(
            f"/protocols/{protocol['id']}",
            json={"problem_reported": True, "problem_description": "Spare part missing"},
            headers=tag(protocol),
        )
    ).json()
    protocol = await _with_works(client, protocol)
    done = await client.post(f"/protocols/{protocol['id']}/complete", headers=tag(protocol))
    assert done.status_code == 200, done.text
    [event] = await protocol_events(client, protocol["id"])
    assert event["problem_reported"] is True
    async with runtime_of(client).uow() as uow:
        case = (
            (
                await uow.session.execute(
                    select(tables.service_case).where(
                        tables.service_case.c.id == uuid.UUID(s.case_id)
                    )
                )
            )
            .mappings()
            .one()
        )
        changed = await uow.session.scalar(
            select(tables.service_case.c.version).where(tables.service_case.c.id == case["id"])
        )
    assert case["status"] == "problem"
    assert case["problem_reason"] == "Spare part missing"
    assert changed is not None


async def test_technician_only_callers_and_other_technicians(client: httpx.AsyncClient) -> None:
    s = await site(client)
    # A technician may not open a case-wide protocol: the phone fills its order's.
    case_wide = await client.post("/protocols", json={"case_id": s.case_id}, headers=s.phone)
    assert case_wide.status_code == 403
    other_tech = "tech-" + uuid.uuid4().hex[:8]
    await add_technician(client, s.world, username=other_tech)
    stranger = as_user(other_tech, "technician")
    refused = await client.post("/protocols", json={"order_id": s.order_id}, headers=stranger)
    assert (refused.status_code, refused.json()["field"]) == (422, "order_id")


async def test_two_phones_opening_the_orders_protocol_at_once_make_one(
    client: httpx.AsyncClient,
) -> None:
    s = await site(client)
    answers = await asyncio.gather(
        *(client.post("/protocols", json={"order_id": s.order_id}) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    listed = await client.get("/protocols", params={"order_id": s.order_id})
    assert len(listed.json()["items"]) == 1
