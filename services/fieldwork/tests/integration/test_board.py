"""GET /board: the four columns with exact counts, capped cards, a column's next page, the
filters and who sees what."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.conftest import NOW
from tests.integration.rows import add_booking, add_kind, add_order, add_technician
from tests.integration.seed import World, as_user, seed_world

TUESDAY = date(2026, 12, 1)


async def board(client: httpx.AsyncClient, query: str, **kw: Any) -> dict[str, Any]:
    answer = await client.get("/board?" + query, **kw)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def column(body: dict[str, Any], stage: str) -> dict[str, Any]:
    (found,) = [c for c in body["columns"] if c["stage"] == stage]
    return dict(found)


class Filled:
    """Four new orders (one urgent), three planned, two completed, one cancelled."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.new: list[str] = []
        self.planned: list[str] = []
        self.completed: list[str] = []
        self.cancelled: list[str] = []
        self.tech = uuid.UUID(int=0)
        self.kind = uuid.UUID(int=0)


async def fill(client: httpx.AsyncClient) -> Filled:
    world = await seed_world(client)
    filled = Filled(world)
    filled.tech = await add_technician(client, world.org_unit_id)
    filled.kind = await add_kind(client, world.org_unit_id)
    for n in range(4):
        _, number = await add_order(
            client,
            world,
            created_at=NOW - timedelta(hours=n),
            priority="urgent" if n == 0 else "normal",
        )
        filled.new.append(number)  # newest first
    for n in range(3):
        order_id, number = await add_order(client, world, kind_id=filled.kind)
        await add_booking(
            client, order_id, filled.tech, TUESDAY + timedelta(days=n), "09:00", "10:00"
        )
        filled.planned.append(number)  # by booked time
    for n in range(2):
        _, number = await add_order(
            client, world, stage="completed", status="done", completed_at=NOW - timedelta(days=n)
        )
        filled.completed.append(number)  # most recently completed first
    _, number = await add_order(
        client, world, stage="cancelled", status="cancelled", cancelled_at=NOW
    )
    filled.cancelled.append(number)
    return filled


def numbers(col: dict[str, Any]) -> list[str]:
    return [c["number"] for c in col["cards"]]


async def test_the_columns_in_order_with_counts_and_cards(client: httpx.AsyncClient) -> None:
    filled = await fill(client)
    body = await board(client, f"org_unit_id={filled.world.org_unit_id}")
    assert [c["stage"] for c in body["columns"]] == ["new", "planned", "completed", "cancelled"]
    assert [c["count"] for c in body["columns"]] == [4, 3, 2, 1]
    assert numbers(column(body, "new")) == filled.new
    assert numbers(column(body, "planned")) == filled.planned
    assert numbers(column(body, "completed")) == filled.completed
    assert numbers(column(body, "cancelled")) == filled.cancelled
    assert all(c["next_cursor"] is None for c in body["columns"])
    card = column(body, "planned")["cards"][0]
    assert card["technician"]["id"] == str(filled.tech)
    assert card["kind"]["code"] == "repair"
    assert card["customer"]["name"] == "Bageriet AB"
    assert card["location"]["latitude"] == 59.3326
    assert card["booked_from"] == "2026-12-01T08:00:00Z"
    assert card["priority"] == "normal"


async def test_cards_are_capped_counts_stay_exact_and_a_column_pages_on(
    client: httpx.AsyncClient,
) -> None:
    filled = await fill(client)
    unit = f"org_unit_id={filled.world.org_unit_id}"
    body = await board(client, f"{unit}&limit=3")
    new = column(body, "new")
    assert new["count"] == 4
    assert numbers(new) == filled.new[:3]
    assert new["next_cursor"] is not None
    assert column(body, "planned")["next_cursor"] is None  # exactly three
    assert numbers(column(body, "planned")) == filled.planned

    rest = await board(client, f"{unit}&limit=3&column=new&cursor={new['next_cursor']}")
    (only,) = rest["columns"]
    assert only["stage"] == "new"
    assert only["count"] == 4
    assert numbers(only) == filled.new[3:]
    assert only["next_cursor"] is None

    # One column at a time, one card a page, to the end.
    seen: list[str] = []
    cursor = ""
    while True:
        page = await board(client, f"{unit}&limit=1&column=planned{cursor}")
        (col,) = page["columns"]
        seen += numbers(col)
        if col["next_cursor"] is None:
            break
        cursor = f"&cursor={col['next_cursor']}"
    assert seen == filled.planned


async def test_bad_board_input_is_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    filled = await fill(client)
    unit = f"org_unit_id={filled.world.org_unit_id}"
    new_cursor = column(await board(client, f"{unit}&limit=1"), "new")["next_cursor"]
    cases = {
        f"cursor={new_cursor}": "query.column",
        f"column=planned&cursor={new_cursor}": "query.cursor",
        "column=done": "query.column",
        "limit=0": "query.limit",
        "limit=501": "query.limit",
        "booked_from=2026-12-05&booked_to=2026-12-01": "query.booked_from",
        "priority=soon": "query.priority.0",
    }
    for query, field in cases.items():
        answer = await client.get(f"/board?{unit}&{query}")
        assert answer.status_code == 422, (query, answer.text)
        assert answer.json()["field"] == field, (query, answer.json())


async def test_filters_narrow_counts_and_cards(client: httpx.AsyncClient) -> None:
    filled = await fill(client)
    unit = f"org_unit_id={filled.world.org_unit_id}"

    async def counts(query: str) -> list[int]:
        return [c["count"] for c in (await board(client, f"{unit}&{query}"))["columns"]]

    assert await counts("priority=urgent") == [1, 0, 0, 0]
    assert await counts(f"technician_id={filled.tech}") == [0, 3, 0, 0]
    assert await counts(f"kind_id={filled.kind}") == [0, 3, 0, 0]
    assert await counts(f"booked_from={TUESDAY}&booked_to={TUESDAY + timedelta(days=1)}") == [
        0,
        2,
        0,
        0,
    ]
    assert await counts(f"customer_id={filled.world.customer_id}") == [4, 3, 2, 1]
    assert await counts(f"customer_id={uuid.uuid4()}") == [0, 0, 0, 0]
    body = await board(client, f"{unit}&priority=urgent")
    assert numbers(column(body, "new")) == filled.new[:1]


async def test_a_technician_sees_only_their_cards_and_a_restricted_caller_its_units(
    client: httpx.AsyncClient,
) -> None:
    filled = await fill(client)
    username = "tech-" + uuid.uuid4().hex[:8]
    me = await add_technician(client, filled.world.org_unit_id, "Me", username=username)
    order_id, mine = await add_order(client, filled.world)
    await add_booking(client, order_id, me, TUESDAY, "11:00", "12:00")

    own = await board(client, "", headers=as_user(username, "technician"))
    assert [c["count"] for c in own["columns"]] == [0, 1, 0, 0]
    assert numbers(column(own, "planned")) == [mine]

    restricted = await board(
        client, "", headers=as_user("rita", "viewer", org_units=[filled.world.org_unit_code])
    )
    assert [c["count"] for c in restricted["columns"]] == [4, 4, 2, 1]
    nobody = await board(client, "", headers=as_user("rita", "viewer", org_units=["no-such"]))
    assert [c["count"] for c in nobody["columns"]] == [0, 0, 0, 0]


async def test_cards_without_a_column_time_come_last_and_page_on(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    tech = await add_technician(client, world.org_unit_id)
    booked: list[str] = []
    for n in (2, 1):
        order_id, number = await add_order(client, world)
        await add_booking(client, order_id, tech, TUESDAY, f"{8 + n:02d}:00", f"{8 + n:02d}:30")
        booked.insert(0, number)
    # Planned and completed without their time (rows the write side would not leave, but
    # the board must not lose them): last, by id.
    unbooked = [await add_order(client, world, stage="planned", status="working") for _ in range(3)]
    completed = [
        await add_order(client, world, stage="completed", status="done", completed_at=NOW),
        await add_order(client, world, stage="completed", status="done"),
    ]
    unit = f"org_unit_id={world.org_unit_id}"
    for stage, expected in (
        ("planned", booked + [n for _, n in sorted(unbooked)]),
        ("completed", [n for _, n in completed]),
    ):
        seen: list[str] = []
        cursor = ""
        while True:
            (col,) = (await board(client, f"{unit}&limit=1&column={stage}{cursor}"))["columns"]
            assert col["count"] == len(expected)
            seen += numbers(col)
            if col["next_cursor"] is None:
                break
            cursor = f"&cursor={col['next_cursor']}"
        assert seen == expected, stage
        first = await board(client, f"{unit}&limit=10&column={stage}")
        assert numbers(first["columns"][0]) == expected
