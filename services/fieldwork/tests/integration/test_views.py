"""GET /service-orders: the filtered list of order cards, keyset pages and who sees what."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx

from tests.conftest import NOW
from tests.integration.rows import (
    add_booking,
    add_kind,
    add_order,
    add_org_unit,
    add_technician,
    located,
)
from tests.integration.seed import as_user, seed_world

TUESDAY = date(2026, 12, 1)


async def numbers(client: httpx.AsyncClient, query: str, **kw: object) -> list[str]:
    answer = await client.get("/service-orders?limit=500&" + query, **kw)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    return [item["number"] for item in answer.json()["items"]]


async def test_a_card_carries_kind_customer_location_technician_and_booked_time(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    kind_id = await add_kind(client, world.org_unit_id)
    tech = await add_technician(client, world.org_unit_id, "Tina Tekniker")
    order_id, number = await add_order(
        client, world, kind_id=kind_id, priority="high", description="Door  sticks\n" * 40
    )
    await add_booking(client, order_id, tech, TUESDAY, "09:00", "10:30")

    answer = await client.get(f"/service-orders?org_unit_id={world.org_unit_id}")

    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert item["id"] == str(order_id)
    assert item["number"] == number
    assert item["stage"] == "planned"
    assert item["status"] == "planned"
    assert item["priority"] == "high"
    assert item["kind"] == {"id": str(kind_id), "code": "repair", "name": "Repair"}
    assert item["customer"]["id"] == str(world.customer_id)
    assert item["customer"]["name"] == "Bageriet AB"
    assert item["customer"]["customer_number"].startswith("C-")
    assert item["location"]["latitude"] == 59.3326
    assert item["location"]["longitude"] == 18.0649
    assert item["location"]["street"] == "Storgatan 1"
    assert item["technician"] == {"id": str(tech), "name": "Tina Tekniker"}
    assert item["booked_from"] == "2026-12-01T08:00:00Z"
    assert item["org_unit_id"] == str(world.org_unit_id)
    assert len(item["description"]) <= 140
    assert item["description"].startswith("Door sticks Door sticks")
    assert item["description"].endswith("…")
    assert answer.json()["next_cursor"] is None


async def test_a_card_without_kind_customer_technician_or_location(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    await add_order(client, world, customer_id=None, location={})
    (item,) = (await client.get(f"/service-orders?org_unit_id={world.org_unit_id}")).json()["items"]
    assert item["kind"] is None
    assert item["customer"] is None
    assert item["technician"] is None
    assert item["booked_from"] is None


async def test_each_filter_keeps_its_orders(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    unit = f"org_unit_id={world.org_unit_id}"
    repair = await add_kind(client, world.org_unit_id, "repair")
    install = await add_kind(client, world.org_unit_id, "install")
    tina = await add_technician(client, world.org_unit_id, "Tina")
    tom = await add_technician(client, world.org_unit_id, "Tom")
    other_customer = uuid.uuid4()
    _, new_urgent = await add_order(
        client, world, priority="urgent", kind_id=repair, created_at=NOW - timedelta(days=3)
    )
    planned_id, planned = await add_order(client, world, kind_id=install, priority="low")
    await add_booking(client, planned_id, tina, TUESDAY, "09:00", "10:00")
    later_id, later = await add_order(client, world, kind_id=repair)
    await add_booking(client, later_id, tom, TUESDAY + timedelta(days=3), "09:00", "10:00")
    _, done = await add_order(
        client, world, stage="completed", status="done", completed_at=NOW, customer_id=False
    )
    _, foreign = await add_order(client, world, customer_id=other_customer)

    assert sorted(await numbers(client, unit)) == sorted(
        [new_urgent, planned, later, done, foreign]
    )
    assert sorted(await numbers(client, f"{unit}&stage=new")) == sorted([new_urgent, foreign])
    assert sorted(await numbers(client, f"{unit}&stage=planned&stage=completed")) == sorted(
        [planned, later, done]
    )
    assert await numbers(client, f"{unit}&technician_id={tina}") == [planned]
    assert sorted(await numbers(client, f"{unit}&technician_id={tina}&technician_id={tom}")) == (
        sorted([planned, later])
    )
    assert sorted(await numbers(client, f"{unit}&kind_id={repair}")) == sorted([new_urgent, later])
    assert await numbers(client, f"{unit}&priority=urgent") == [new_urgent]
    assert sorted(await numbers(client, f"{unit}&priority=urgent&priority=low")) == sorted(
        [new_urgent, planned]
    )
    assert await numbers(client, f"{unit}&customer_id={other_customer}") == [foreign]
    assert await numbers(client, f"{unit}&booked_from={TUESDAY}&booked_to={TUESDAY}") == [planned]
    assert sorted(await numbers(client, f"{unit}&booked_from={TUESDAY}")) == sorted(
        [planned, later]
    )
    assert await numbers(client, f"{unit}&booked_to={TUESDAY + timedelta(days=1)}") == [planned]
    three_days_ago = (NOW - timedelta(days=3)).date()
    assert await numbers(client, f"{unit}&created_to={three_days_ago}") == [new_urgent]
    assert await numbers(
        client, f"{unit}&created_from={three_days_ago}&created_to={three_days_ago}"
    ) == [new_urgent]
    assert len(await numbers(client, f"{unit}&created_from={NOW.date()}")) == 4
    assert await numbers(client, f"{unit}&q={later}") == [later]
    assert await numbers(client, f"{unit}&q={later.lower()}") == [later]
    assert await numbers(client, f"{unit}&q=XX-") == []


async def test_booked_days_are_local_days_of_the_orders_org_unit(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    tech = await add_technician(client, world.org_unit_id)
    late_id, late = await add_order(client, world)
    # 23:30 in Stockholm on Tuesday is 22:30 UTC on Tuesday ...
    await add_booking(client, late_id, tech, TUESDAY, "23:30", "23:50")
    early_id, early = await add_order(client, world)
    # ... and 00:30 on Wednesday is 23:30 UTC on Tuesday: a Wednesday order all the same.
    await add_booking(client, early_id, tech, TUESDAY + timedelta(days=1), "00:30", "01:00")
    unit = f"org_unit_id={world.org_unit_id}"
    assert await numbers(client, f"{unit}&booked_from={TUESDAY}&booked_to={TUESDAY}") == [late]
    wednesday = TUESDAY + timedelta(days=1)
    assert await numbers(client, f"{unit}&booked_from={wednesday}&booked_to={wednesday}") == [early]


async def test_keyset_pages_newest_first_and_by_booked_time(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    tech = await add_technician(client, world.org_unit_id)
    # Two orders share each creation time: the id breaks the tie across pages.
    made = [
        await add_order(client, world, created_at=NOW - timedelta(hours=n // 2)) for n in range(7)
    ]
    for n, (order_id, _) in enumerate(made[:5]):
        await add_booking(client, order_id, tech, TUESDAY, f"{15 - n:02d}:00", f"{15 - n:02d}:30")

    async def walk(sort: str) -> list[str]:
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"org_unit_id": str(world.org_unit_id), "limit": "3", "sort": sort}
            if cursor:
                params["cursor"] = cursor
            answer = await client.get("/service-orders", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert len(body["items"]) <= 3
            seen += [i["number"] for i in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                assert "Link" not in answer.headers
                break
            assert 'rel="next"' in answer.headers["Link"]
        assert pages == 3
        return seen

    newest_first = await walk("-created_at")
    assert len(newest_first) == len(set(newest_first)) == 7
    created = {m[0]: NOW - timedelta(hours=n // 2) for n, m in enumerate(made)}
    expected = sorted(made, key=lambda m: (created[m[0]], m[0]), reverse=True)
    assert newest_first == [number for _, number in expected]
    by_booking = await walk("booked_from")
    # Booked ones by start (the fifth order starts first), the unbooked ones last.
    assert by_booking[:5] == [made[n][1] for n in (4, 3, 2, 1, 0)]
    assert sorted(by_booking[5:]) == sorted([made[5][1], made[6][1]])


async def test_bad_list_input_is_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    for _ in range(2):
        await add_order(client, world)
    first = (await client.get(f"/service-orders?org_unit_id={world.org_unit_id}&limit=1")).json()
    cases = {
        "sort=number": "query.sort",
        f"sort=booked_from&cursor={first['next_cursor']}": "query.cursor",
        "cursor=not-a-cursor": "query.cursor",
        "limit=0": "query.limit",
        "limit=501": "query.limit",
        "stage=done": "query.stage.0",
        "priority=extreme": "query.priority.0",
        "technician_id=nope": "query.technician_id.0",
        "booked_from=2026-12-02&booked_to=2026-12-01": "query.booked_from",
        "created_from=2026-12-02&created_to=2026-12-01": "query.created_from",
        "booked_from=yesterday": "query.booked_from",
        "q=" + "x" * 21: "query.q",
    }
    for query, field in cases.items():
        answer = await client.get("/service-orders?" + query)
        assert answer.status_code == 422, (query, answer.text)
        fields = [answer.json().get("field")] + [
            e.get("field") for e in answer.json().get("errors", [])
        ]
        assert field in fields, (query, answer.json())


async def test_a_restricted_caller_sees_its_org_units_and_their_descendants(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    child_id, _ = await add_org_unit(client, parent_id=world.org_unit_id)
    elsewhere_id, elsewhere_code = await add_org_unit(client)
    _, own = await add_order(client, world)
    _, child = await add_order(client, world, org_unit_id=child_id)
    _, foreign = await add_order(client, world, org_unit_id=elsewhere_id)
    _, nowhere = await add_order(client, world, org_unit_id=None)

    restricted = as_user("rita", "viewer", org_units=[world.org_unit_code])
    assert sorted(await numbers(client, "", headers=restricted)) == sorted([own, child])
    other = as_user("olle", "operator", org_units=[elsewhere_code])
    assert await numbers(client, "", headers=other) == [foreign]
    # Asking for another unit's orders finds none.
    assert (await numbers(client, f"org_unit_id={elsewhere_id}", headers=restricted)) == []
    everything = await numbers(client, "")
    assert {own, child, foreign, nowhere} <= set(everything)


async def test_a_technician_sees_only_the_orders_assigned_to_them(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    username = "tech-" + uuid.uuid4().hex[:8]
    mine = await add_technician(client, world.org_unit_id, "Me", username=username)
    theirs = await add_technician(client, world.org_unit_id, "Them")
    _, own = await add_order(client, world, technician_id=mine)
    _, other = await add_order(client, world, technician_id=theirs)
    await add_order(client, world)

    assert await numbers(client, "", headers=as_user(username, "technician")) == [own]
    # Naming another technician finds nothing either.
    assert (
        await numbers(client, f"technician_id={theirs}", headers=as_user(username, "technician"))
        == []
    )
    # A technician without a technician record sees no order at all.
    assert await numbers(client, "", headers=as_user("nobody-" + username, "technician")) == []
    # A planning role lifts the limit.
    assert sorted(
        await numbers(
            client,
            f"org_unit_id={world.org_unit_id}&technician_id={mine}&technician_id={theirs}",
            headers=as_user(username, "technician", "viewer"),
        )
    ) == sorted([own, other])


async def test_an_order_with_no_coordinates_is_listed_with_its_address(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    await add_order(client, world, location=located(None, None, "Okänd väg 3"))
    (item,) = (await client.get(f"/service-orders?org_unit_id={world.org_unit_id}")).json()["items"]
    assert item["location"]["street"] == "Okänd väg 3"
    assert item["location"]["latitude"] is None


async def test_an_order_created_and_booked_through_the_api_shows_in_every_view(
    client: httpx.AsyncClient,
) -> None:
    """The write side's rows, not this file's builder: the views read what it leaves."""
    world = await seed_world(client)
    tech = await add_technician(client, world.org_unit_id, "Tina")
    created = await client.post(
        "/service-orders",
        json={
            "customer_id": str(world.customer_id),
            "serial_item_id": str(world.item_id),
            "description": "Oven does not heat",
            "technician_id": str(tech),
            "booking": {"date": str(TUESDAY), "start": "09:00", "end": "11:00"},
        },
    )
    assert created.status_code == 201, created.text
    order = created.json()
    unit = f"org_unit_id={world.org_unit_id}"

    (card,) = (await client.get(f"/service-orders?{unit}")).json()["items"]
    assert card["id"] == order["id"]
    assert card["number"] == order["number"]
    assert card["stage"] == "planned"
    assert card["technician"] == {"id": str(tech), "name": "Tina"}
    assert card["booked_from"] == "2026-12-01T08:00:00Z"
    assert card["location"]["latitude"] == 59.3326

    columns = (await client.get(f"/board?{unit}")).json()["columns"]
    assert [c["count"] for c in columns] == [0, 1, 0, 0]

    day = (await client.get(f"/planning/day?date={TUESDAY}&{unit}")).json()
    (plan,) = day["technicians"]
    (booking,) = plan["days"][0]["bookings"]
    assert booking["order"]["id"] == order["id"]
    assert (booking["local_start"], booking["local_end"]) == ("09:00:00", "11:00:00")

    geo = (await client.get(f"/map?date={TUESDAY}&{unit}")).json()
    (stop,) = [f for f in geo["features"] if f["geometry"]["type"] == "Point"]
    assert stop["properties"]["order_id"] == order["id"]
    assert stop["geometry"]["coordinates"] == [18.0649, 59.3326]
