"""Technicians, vehicles and order kinds over HTTP: every operation, every refusal (422,
409, 412, 428, 403, 404), the org-unit scope of a restricted caller, a technician-only
caller's own record, and the events in the outbox."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from aftersales_kit.messaging_tables import outbox_message
from aftersales_testing.builders import unique

from .seed import World, as_user, runtime_of, seed_world

TECHNICIAN_CHANGED = "fieldwork.technician.changed"
VEHICLE_CHANGED = "fieldwork.vehicle.changed"
HOME = {
    "street": "Sveavägen 1",
    "postal_code": "111 57",
    "city": "Stockholm",
    "country": "SE",
    "latitude": 59.3326,
    "longitude": 18.0649,
}


async def outbox(client: httpx.AsyncClient, routing_key: str, key: str, value: str) -> list[Any]:
    """The payloads of ``routing_key`` events in the outbox whose ``key`` is ``value``."""
    async with runtime_of(client).sessionmaker() as session:
        bodies = (
            await session.scalars(
                select(outbox_message.c.body)
                .where(outbox_message.c.routing_key == routing_key)
                .order_by(outbox_message.c.id)
            )
        ).all()
    return [b["payload"] for b in bodies if b["payload"][key] == value]


async def created(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], **kwargs: Any
) -> dict[str, Any]:
    answer = await client.post(path, json=body, **kwargs)
    assert answer.status_code == 201, answer.text
    out: dict[str, Any] = answer.json()
    return out


async def technician(client: httpx.AsyncClient, world: World, **extra: Any) -> dict[str, Any]:
    body = {"name": "Tove Lund", "org_unit_id": str(world.org_unit_id)} | extra
    return await created(client, "/technicians", body)


def problem(answer: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body.get("field") == field, body
    return body


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


async def walk(client: httpx.AsyncClient, path: str, **params: Any) -> list[list[str]]:
    """Every page of a list, two rows a page: the ids page by page."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = params | {"limit": 2} | ({"cursor": cursor} if cursor else {})
        answer = await client.get(path, params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


# --- technicians -----------------------------------------------------------------------


async def test_create_a_technician(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    username = unique("Tove.")
    answer = await client.post(
        "/technicians",
        json={
            "name": "Tove Lund",
            "username": f"  {username.upper()} ",
            "org_unit_id": str(world.org_unit_id),
            "home_base": HOME,
            "working_hours": {
                "2": [{"start": "12:00", "end": "16:00"}, {"start": "07:00", "end": "11:30"}]
            },
            "email": "tove@example.com",
            "mobile": "+46701234567",
        },
    )
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert answer.headers["ETag"] == '"1"'
    assert answer.headers["Location"] == f"/technicians/{out['id']}"
    assert out["username"] == username.lower()
    assert out["home_base"] == HOME
    assert out["working_hours"] == {
        "2": [{"start": "07:00", "end": "11:30"}, {"start": "12:00", "end": "16:00"}]
    }
    assert (out["version"], out["active"], out["mobile"]) == (1, True, "+46701234567")

    got = await client.get(answer.headers["Location"])
    assert got.status_code == 200
    assert got.headers["ETag"] == '"1"'
    assert got.json() == out

    [event] = await outbox(client, TECHNICIAN_CHANGED, "technician_id", out["id"])
    assert event == {
        "technician_id": out["id"],
        "version": 1,
        "name": "Tove Lund",
        "username": username.lower(),
        "org_unit_id": str(world.org_unit_id),
        "active": True,
    }


async def test_a_technician_without_hours_works_weekdays_and_may_have_no_sign_in(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    out = await technician(client, world)
    assert out["username"] is None
    assert out["home_base"] is None
    assert out["working_hours"] == {
        day: [{"start": "08:00", "end": "16:00"}] for day in ("1", "2", "3", "4", "5")
    }
    # Many technicians without a sign-in: null usernames never clash.
    await technician(client, world)


async def test_technician_refusals_name_the_field(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    base = {"name": "Tove", "org_unit_id": str(world.org_unit_id)}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"org_unit_id": str(uuid.uuid4())}, "org_unit_id"),
        ({"name": ""}, "name"),
        ({"username": "tove lund"}, "username"),
        ({"home_base": HOME | {"latitude": None}}, "home_base"),
        ({"home_base": HOME | {"latitude": 91}}, "home_base.latitude"),
        ({"home_base": HOME | {"longitude": -180.5}}, "home_base.longitude"),
        ({"working_hours": {"1": [{"start": "16:00", "end": "08:00"}]}}, "working_hours"),
        ({"working_hours": {"9": [{"start": "08:00", "end": "16:00"}]}}, "working_hours"),
        (
            {"working_hours": {"1": [{"start": "08:00", "end": "12:00"}] * 2}},
            "working_hours",
        ),
        ({"working_hours": {"1": [{"start": "8", "end": "16:00"}]}}, "working_hours"),
        ({"working_hours": None}, "working_hours"),
        ({"email": "not-an-address"}, "email"),
        ({"mobile": "0701234567"}, "mobile"),
        ({"colour": "red"}, "colour"),
    ]
    for change, field in cases:
        answer = await client.post("/technicians", json=base | change)
        problem(answer, 422, field)
    bad_hours = await client.post(
        "/technicians", json=base | {"working_hours": {"3": [{"start": "08:00", "end": "07:00"}]}}
    )
    assert "3.0.end" in bad_hours.json()["detail"]
    # Nothing half-written: the org unit has no technicians.
    listed = await client.get("/technicians", params={"org_unit_id": str(world.org_unit_id)})
    assert listed.json()["items"] == []


async def test_a_taken_username_is_a_conflict(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    username = unique("tech-")
    first = await technician(client, world, username=username)
    again = await client.post("/technicians", json={"name": "Other", "username": username.upper()})
    body = problem(again, 409, "username")
    assert username in body["detail"]
    other = await technician(client, world, username=unique("tech-"))
    taken = await client.patch(
        f"/technicians/{other['id']}", json={"username": username}, headers=if_match(1)
    )
    problem(taken, 409, "username")
    # The refused change left the other technician as it was.
    assert (await client.get(f"/technicians/{other['id']}")).json() == other
    assert first["username"] == username


async def test_patch_a_technician(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    out = await technician(client, world, home_base=HOME, mobile="+46701234567")
    url = f"/technicians/{out['id']}"

    problem(await client.patch(url, json={"name": "Tove L"}), 428, "If-Match")
    problem(
        await client.patch(url, json={"name": "Tove L"}, headers={"If-Match": "x"}), 400, "If-Match"
    )
    stale = await client.patch(url, json={"name": "Tove L"}, headers=if_match(7))
    assert problem(stale, 412, "If-Match")["current_version"] == 1

    changed = await client.patch(
        url,
        json={
            "name": "Tove L",
            "home_base": None,
            "working_hours": {"6": [{"start": "09:00", "end": "13:00"}]},
        },
        headers=if_match(1),
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    after = changed.json()
    assert (after["name"], after["home_base"], after["version"]) == ("Tove L", None, 2)
    assert after["working_hours"] == {"6": [{"start": "09:00", "end": "13:00"}]}
    # What the patch did not name stays.
    assert (after["mobile"], after["org_unit_id"]) == (out["mobile"], out["org_unit_id"])

    # Null where a value is required, and a bad value: 422 naming it, nothing written.
    problem(await client.patch(url, json={"name": None}, headers=if_match(2)), 422, "name")
    problem(
        await client.patch(url, json={"working_hours": None}, headers=if_match(2)),
        422,
        "working_hours",
    )
    problem(
        await client.patch(url, json={"org_unit_id": str(uuid.uuid4())}, headers=if_match(2)),
        422,
        "org_unit_id",
    )
    problem(await client.patch(url, json={"active": False}, headers=if_match(2)), 422, "active")

    # A patch that changes nothing makes no new version and no event.
    same = await client.patch(url, json={"name": "Tove L"}, headers=if_match(2))
    assert same.status_code == 200
    assert same.headers["ETag"] == '"2"'
    events = await outbox(client, TECHNICIAN_CHANGED, "technician_id", out["id"])
    assert [e["version"] for e in events] == [1, 2]
    assert events[-1]["name"] == "Tove L"

    problem(
        await client.patch(f"/technicians/{uuid.uuid4()}", json={}, headers=if_match(1)), 404, None
    )
    problem(await client.get(f"/technicians/{uuid.uuid4()}"), 404, None)
    problem(await client.get("/technicians/not-an-id"), 422, "path.technician_id")


async def test_deactivate_and_activate_a_technician(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    out = await technician(client, world)
    url = f"/technicians/{out['id']}"
    problem(await client.post(url + "/deactivate"), 428, "If-Match")
    problem(await client.post(url + "/deactivate", headers=if_match(2)), 412, "If-Match")

    off = await client.post(url + "/deactivate", headers=if_match(1))
    assert off.status_code == 200, off.text
    assert (off.json()["active"], off.headers["ETag"]) == (False, '"2"')
    # Already inactive: answered as it is.
    again = await client.post(url + "/deactivate", headers=if_match(2))
    assert (again.json()["active"], again.headers["ETag"]) == (False, '"2"')

    on = await client.post(url + "/activate", headers=if_match(2))
    assert (on.json()["active"], on.headers["ETag"]) == (True, '"3"')
    problem(await client.post(url + "/activate", headers=if_match(2)), 412, "If-Match")
    problem(
        await client.post(f"/technicians/{uuid.uuid4()}/activate", headers=if_match(1)), 404, None
    )

    events = await outbox(client, TECHNICIAN_CHANGED, "technician_id", out["id"])
    assert [(e["version"], e["active"]) for e in events] == [(1, True), (2, False), (3, True)]


async def test_list_technicians(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    token = unique()
    names = ["Anna", "Bo", "Cecilia", "David", "Erik"]
    made = [
        await technician(client, world, name=f"{name} {token}", username=f"{name.lower()}-{token}")
        for name in names
    ]
    await technician(client, other, name=f"Fredrik {token}")
    off = made[1]
    await client.post(f"/technicians/{off['id']}/deactivate", headers=if_match(1))
    unit = {"org_unit_id": str(world.org_unit_id)}

    pages = await walk(client, "/technicians", **unit)
    assert pages == [
        [made[0]["id"], made[1]["id"]],
        [made[2]["id"], made[3]["id"]],
        [made[4]["id"]],
    ]
    assert await walk(client, "/technicians", **unit, sort="-name") == [
        [made[4]["id"], made[3]["id"]],
        [made[2]["id"], made[1]["id"]],
        [made[0]["id"]],
    ]
    active = await client.get("/technicians", params=unit | {"active": "true"})
    assert off["id"] not in [t["id"] for t in active.json()["items"]]
    inactive = await client.get("/technicians", params=unit | {"active": "false"})
    assert [t["id"] for t in inactive.json()["items"]] == [off["id"]]
    # q: in the name or the username, case-insensitively; % and _ are plain characters.
    by_name = await client.get("/technicians", params={"q": f"CECILIA {token}"})
    assert [t["id"] for t in by_name.json()["items"]] == [made[2]["id"]]
    by_username = await client.get("/technicians", params={"q": f"david-{token}"})
    assert [t["id"] for t in by_username.json()["items"]] == [made[3]["id"]]
    assert (await client.get("/technicians", params={"q": f"%{token}"})).json()["items"] == []
    everywhere = await client.get("/technicians", params={"q": token, "limit": 10})
    assert len(everywhere.json()["items"]) == 6

    problem(await client.get("/technicians", params={"sort": "mobile"}), 422, "query.sort")
    problem(await client.get("/technicians", params={"cursor": "nonsense"}), 422, "query.cursor")
    problem(await client.get("/technicians", params={"limit": 0}), 422, "query.limit")
    problem(await client.get("/technicians", params={"org_unit_id": "x"}), 422, "query.org_unit_id")


async def test_a_restricted_admin_keeps_to_its_org_units(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    mine = await technician(client, world)
    theirs = await technician(client, other)
    loose = await created(client, "/technicians", {"name": "No unit"})
    restricted = as_user("branch-admin", "admin", org_units=[world.org_unit_code])

    assert (await client.get(f"/technicians/{mine['id']}", headers=restricted)).status_code == 200
    for hidden in (theirs, loose):
        url = f"/technicians/{hidden['id']}"
        problem(await client.get(url, headers=restricted), 404, None)
        # Hidden before stale: a wrong version still says 404.
        problem(
            await client.patch(url, json={"name": "x"}, headers=restricted | if_match(9)), 404, None
        )
        problem(await client.post(url + "/deactivate", headers=restricted | if_match(1)), 404, None)
    listed = await client.get("/technicians", headers=restricted, params={"limit": 500})
    ids = {t["id"] for t in listed.json()["items"]}
    assert mine["id"] in ids
    assert not ids & {theirs["id"], loose["id"]}

    # Placing out of sight: into another unit or none is 403 naming org_unit_id.
    into_other = {"name": "x", "org_unit_id": str(other.org_unit_id)}
    problem(
        await client.post("/technicians", json=into_other, headers=restricted), 403, "org_unit_id"
    )
    problem(
        await client.post("/technicians", json={"name": "x"}, headers=restricted),
        403,
        "org_unit_id",
    )
    moved = await client.patch(
        f"/technicians/{mine['id']}",
        json={"org_unit_id": str(other.org_unit_id)},
        headers=restricted | if_match(1),
    )
    problem(moved, 403, "org_unit_id")
    ok = await client.post(
        "/technicians",
        json={"name": "Mine", "org_unit_id": str(world.org_unit_id)},
        headers=restricted,
    )
    assert ok.status_code == 201, ok.text
    # A unit it does not know is still a 422, not a 403.
    unknown = {"name": "x", "org_unit_id": str(uuid.uuid4())}
    problem(await client.post("/technicians", json=unknown, headers=restricted), 422, "org_unit_id")


async def test_a_technician_sees_only_their_own_record(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    username = unique("tech-")
    own = await technician(client, world, username=username)
    colleague = await technician(client, world, username=unique("tech-"))
    caller = as_user(username.upper(), "technician")

    me = await client.get("/technicians/me", headers=caller)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == own["id"]
    assert me.headers["ETag"] == '"1"'
    assert (await client.get(f"/technicians/{own['id']}", headers=caller)).status_code == 200
    problem(await client.get(f"/technicians/{colleague['id']}", headers=caller), 404, None)
    listed = await client.get("/technicians", headers=caller, params={"limit": 500})
    assert [t["id"] for t in listed.json()["items"]] == [own["id"]]

    # A technician changes nothing here, their own record included.
    problem(await client.post("/technicians", json={"name": "x"}, headers=caller), 403, None)
    patched = await client.patch(
        f"/technicians/{own['id']}", json={"name": "x"}, headers=caller | if_match(1)
    )
    problem(patched, 403, None)
    problem(
        await client.post(f"/technicians/{own['id']}/deactivate", headers=caller | if_match(1)),
        403,
        None,
    )

    # A technician-only caller with no technician record sees no technician at all.
    stranger = as_user(unique("nobody-"), "technician")
    problem(await client.get("/technicians/me", headers=stranger), 404, None)
    assert (await client.get("/technicians", headers=stranger)).json()["items"] == []
    problem(await client.get(f"/technicians/{own['id']}", headers=stranger), 404, None)
    # A planner without a technician record: /me is 404 too; planners read everyone.
    planner = as_user(unique("planner-"), "operator")
    problem(await client.get("/technicians/me", headers=planner), 404, None)
    assert (await client.get(f"/technicians/{colleague['id']}", headers=planner)).status_code == 200


async def test_only_admins_write(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    out = await technician(client, world)
    for roles in (("operator",), ("viewer",), ("operator", "technician")):
        headers = as_user("someone", *roles)
        body = {"name": "x", "org_unit_id": str(world.org_unit_id)}
        problem(await client.post("/technicians", json=body, headers=headers), 403, None)
        patched = await client.patch(
            f"/technicians/{out['id']}", json={"name": "x"}, headers=headers | if_match(1)
        )
        problem(patched, 403, None)
        problem(
            await client.post(
                "/vehicles", json={"registration": "X1", "name": "x"}, headers=headers
            ),
            403,
            None,
        )
        problem(
            await client.post("/order-kinds", json={"code": "x", "name": "x"}, headers=headers),
            403,
            None,
        )


# --- vehicles ----------------------------------------------------------------------------


async def test_vehicles(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    plate = unique("abc ").upper()[:12]
    answer = await client.post(
        "/vehicles",
        json={
            "registration": f" {plate.lower()} ",
            "name": "Service van",
            "org_unit_id": str(world.org_unit_id),
        },
    )
    assert answer.status_code == 201, answer.text
    van = answer.json()
    normalized = plate.replace(" ", "")
    assert van["registration"] == normalized
    assert (answer.headers["ETag"], answer.headers["Location"]) == ('"1"', f"/vehicles/{van['id']}")
    got = await client.get(f"/vehicles/{van['id']}")
    assert (got.json(), got.headers["ETag"]) == (van, '"1"')

    # The same plate written otherwise is the same vehicle.
    spaced = " ".join(normalized)
    problem(
        await client.post("/vehicles", json={"registration": spaced, "name": "x"}),
        409,
        "registration",
    )
    for bad, field in (({"registration": "AB/12"}, "registration"), ({"name": ""}, "name")):
        problem(
            await client.post("/vehicles", json={"registration": "OK1", "name": "x"} | bad),
            422,
            field,
        )
    unknown_unit = {"registration": unique("R"), "name": "x", "org_unit_id": str(uuid.uuid4())}
    problem(await client.post("/vehicles", json=unknown_unit), 422, "org_unit_id")

    url = f"/vehicles/{van['id']}"
    problem(await client.patch(url, json={"name": "Van 2"}), 428, "If-Match")
    problem(await client.patch(url, json={"name": "Van 2"}, headers=if_match(3)), 412, "If-Match")
    other = await created(client, "/vehicles", {"registration": unique("R"), "name": "Other"})
    problem(
        await client.patch(
            f"/vehicles/{other['id']}",
            json={"registration": normalized.lower()},
            headers=if_match(1),
        ),
        409,
        "registration",
    )
    new_plate = unique("xyz ")
    changed = await client.patch(
        url, json={"name": "Van 2", "registration": new_plate}, headers=if_match(1)
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["registration"], changed.json()["name"]) == (
        new_plate.replace(" ", "").upper(),
        "Van 2",
    )
    off = await client.post(url + "/deactivate", headers=if_match(2))
    assert (off.json()["active"], off.headers["ETag"]) == (False, '"3"')
    on = await client.post(url + "/activate", headers=if_match(3))
    assert (on.json()["active"], on.headers["ETag"]) == (True, '"4"')
    problem(await client.post(url + "/activate"), 428, "If-Match")

    events = await outbox(client, VEHICLE_CHANGED, "vehicle_id", van["id"])
    assert [(e["version"], e["registration"], e["active"]) for e in events] == [
        (1, normalized, True),
        (2, new_plate.replace(" ", "").upper(), True),
        (3, new_plate.replace(" ", "").upper(), False),
        (4, new_plate.replace(" ", "").upper(), True),
    ]
    problem(await client.get(f"/vehicles/{uuid.uuid4()}"), 404, None)


async def test_list_vehicles_and_their_scope(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    token = unique().upper()
    made = [
        await created(
            client,
            "/vehicles",
            {
                "registration": f"{letter}{token}",
                "name": f"Van {letter}",
                "org_unit_id": str(world.org_unit_id),
            },
        )
        for letter in "ABC"
    ]
    theirs = await created(
        client,
        "/vehicles",
        {"registration": f"D{token}", "name": "Van D", "org_unit_id": str(other.org_unit_id)},
    )
    unit = {"org_unit_id": str(world.org_unit_id)}
    assert await walk(client, "/vehicles", **unit) == [
        [made[0]["id"], made[1]["id"]],
        [made[2]["id"]],
    ]
    by_name = await client.get("/vehicles", params=unit | {"q": "van b"})
    assert [v["id"] for v in by_name.json()["items"]] == [made[1]["id"]]
    problem(await client.get("/vehicles", params={"sort": "colour"}), 422, "query.sort")

    restricted = as_user("branch-admin", "admin", org_units=[world.org_unit_code])
    listed = await client.get("/vehicles", headers=restricted, params={"limit": 500})
    ids = {v["id"] for v in listed.json()["items"]}
    assert {m["id"] for m in made} <= ids
    assert theirs["id"] not in ids
    problem(await client.get(f"/vehicles/{theirs['id']}", headers=restricted), 404, None)
    problem(
        await client.post(
            "/vehicles/" + theirs["id"] + "/deactivate", headers=restricted | if_match(1)
        ),
        404,
        None,
    )
    into_other = {"registration": unique("R"), "name": "x", "org_unit_id": str(other.org_unit_id)}
    problem(await client.post("/vehicles", json=into_other, headers=restricted), 403, "org_unit_id")


# --- order kinds -------------------------------------------------------------------------


async def test_order_kinds(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    code = unique("repair-")
    answer = await client.post(
        "/order-kinds",
        json={"code": code.upper(), "name": "Repair", "org_unit_id": str(world.org_unit_id)},
    )
    assert answer.status_code == 201, answer.text
    kind = answer.json()
    assert (kind["code"], answer.headers["ETag"]) == (code, '"1"')
    assert answer.headers["Location"] == f"/order-kinds/{kind['id']}"
    got = await client.get(answer.headers["Location"])
    assert (got.json(), got.headers["ETag"]) == (kind, '"1"')

    problem(await client.post("/order-kinds", json={"code": "re pair", "name": "x"}), 422, "code")
    problem(await client.post("/order-kinds", json={"code": unique("k"), "name": ""}), 422, "name")
    problem(
        await client.post(
            "/order-kinds",
            json={"code": unique("k"), "name": "x", "org_unit_id": str(uuid.uuid4())},
        ),
        422,
        "org_unit_id",
    )

    url = f"/order-kinds/{kind['id']}"
    problem(await client.patch(url, json={"name": "Repairs"}), 428, "If-Match")
    problem(await client.patch(url, json={"name": "Repairs"}, headers=if_match(2)), 412, "If-Match")
    # The code is fixed: orders and booking-confirmation templates refer to it.
    problem(await client.patch(url, json={"code": "other"}, headers=if_match(1)), 422, "code")
    changed = await client.patch(url, json={"name": "Repairs"}, headers=if_match(1))
    assert (changed.json()["name"], changed.headers["ETag"]) == ("Repairs", '"2"')
    off = await client.post(url + "/deactivate", headers=if_match(2))
    assert (off.json()["active"], off.headers["ETag"]) == (False, '"3"')
    on = await client.post(url + "/activate", headers=if_match(3))
    assert (on.json()["active"], on.headers["ETag"]) == (True, '"4"')
    problem(await client.get(f"/order-kinds/{uuid.uuid4()}"), 404, None)


async def test_an_order_kind_code_names_one_kind_wherever_it_is_offered(
    client: httpx.AsyncClient,
) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    unit, other_unit = str(world.org_unit_id), str(other.org_unit_id)

    code = unique("maint-")
    await created(
        client, "/order-kinds", {"code": code, "name": "Maintenance", "org_unit_id": unit}
    )
    # Same unit: taken. Another unit: its own kind. Everywhere: would clash with both.
    problem(
        await client.post("/order-kinds", json={"code": code, "name": "x", "org_unit_id": unit}),
        409,
        "code",
    )
    await created(
        client, "/order-kinds", {"code": code, "name": "Maintenance", "org_unit_id": other_unit}
    )
    problem(await client.post("/order-kinds", json={"code": code, "name": "x"}), 409, "code")

    everywhere = unique("install-")
    await created(client, "/order-kinds", {"code": everywhere, "name": "Installation"})
    problem(await client.post("/order-kinds", json={"code": everywhere, "name": "x"}), 409, "code")
    taken = await client.post(
        "/order-kinds", json={"code": everywhere, "name": "x", "org_unit_id": unit}
    )
    assert problem(taken, 409, "code")["reason"] == "code_taken"

    # Moving a kind into a unit where its code is taken is refused too.
    mover = await created(
        client, "/order-kinds", {"code": unique("mv-"), "name": "x", "org_unit_id": unit}
    )
    again = await created(
        client, "/order-kinds", {"code": mover["code"], "name": "x", "org_unit_id": other_unit}
    )
    moved = await client.patch(
        f"/order-kinds/{mover['id']}", json={"org_unit_id": other_unit}, headers=if_match(1)
    )
    problem(moved, 409, "code")
    assert again["org_unit_id"] == other_unit


async def test_order_kinds_offered_in_an_org_unit(client: httpx.AsyncClient) -> None:
    world = await seed_world(client)
    other = await seed_world(client)
    token = unique()
    own = await created(
        client,
        "/order-kinds",
        {"code": f"a-{token}", "name": f"Repair {token}", "org_unit_id": str(world.org_unit_id)},
    )
    everywhere = await created(
        client, "/order-kinds", {"code": f"b-{token}", "name": f"Work order {token}"}
    )
    theirs = await created(
        client,
        "/order-kinds",
        {"code": f"c-{token}", "name": f"Install {token}", "org_unit_id": str(other.org_unit_id)},
    )
    offered = await client.get(
        "/order-kinds", params={"org_unit_id": str(world.org_unit_id), "q": token}
    )
    assert [k["id"] for k in offered.json()["items"]] == [own["id"], everywhere["id"]]
    every = await client.get("/order-kinds", params={"q": token})
    assert [k["id"] for k in every.json()["items"]] == [own["id"], everywhere["id"], theirs["id"]]
    await client.post(f"/order-kinds/{everywhere['id']}/deactivate", headers=if_match(1))
    active = await client.get(
        "/order-kinds", params={"org_unit_id": str(world.org_unit_id), "q": token, "active": "true"}
    )
    assert [k["id"] for k in active.json()["items"]] == [own["id"]]

    # A restricted admin sees its unit's kinds and the everywhere kinds, changes only its own.
    restricted = as_user("branch-admin", "admin", org_units=[world.org_unit_code])
    seen = await client.get("/order-kinds", headers=restricted, params={"q": token})
    assert [k["id"] for k in seen.json()["items"]] == [own["id"], everywhere["id"]]
    assert (
        await client.get(f"/order-kinds/{everywhere['id']}", headers=restricted)
    ).status_code == 200
    problem(await client.get(f"/order-kinds/{theirs['id']}", headers=restricted), 404, None)
    shared = await client.patch(
        f"/order-kinds/{everywhere['id']}", json={"name": "x"}, headers=restricted | if_match(2)
    )
    problem(shared, 403, "org_unit_id")
    problem(
        await client.post(
            "/order-kinds", json={"code": unique("k"), "name": "x"}, headers=restricted
        ),
        403,
        "org_unit_id",
    )
    mine = await client.patch(
        f"/order-kinds/{own['id']}", json={"name": "Mine"}, headers=restricted | if_match(1)
    )
    assert mine.status_code == 200, mine.text
    # A technician reads the kinds too (the gateway decides whether they may).
    tech = as_user(unique("tech-"), "technician")
    assert (await client.get(f"/order-kinds/{own['id']}", headers=tech)).status_code == 200
