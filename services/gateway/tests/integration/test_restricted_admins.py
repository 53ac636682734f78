"""An admin restricted to org units administers only users within those units: it may
neither lift its own restriction nor widen anyone's (found by an attack: PATCH of its
own user with org_units [] answered 200), and users beyond its scope are hidden (404)."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from ..conftest import TokenFactory

USERS = "/auth/users"


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _unit() -> str:
    return f"OU-{secrets.token_hex(3).upper()}"


async def _me(client: httpx.AsyncClient, token: str) -> dict[str, Any]:
    response = await client.get("/auth/me", headers=_bearer(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _create(
    client: httpx.AsyncClient, token: str, org_units: list[str], roles: list[str] | None = None
) -> httpx.Response:
    body = {
        "username": f"u-{secrets.token_hex(5)}",
        "password": secrets.token_urlsafe(16),
        "roles": roles or ["viewer"],
        "org_units": org_units,
    }
    return await client.post(USERS, json=body, headers=_bearer(token))


async def test_a_restricted_admin_cannot_lift_or_widen_its_own_restriction(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    north, south = _unit(), _unit()
    admin = await token_for("admin", org_units=(north,))
    me = await _me(client, admin)
    url = f"{USERS}/{me['id']}"
    current = await client.get(url, headers=_bearer(admin))
    assert current.status_code == 200, current.text
    etag = current.headers["etag"]

    for widened in ([], [north, south], [south]):
        response = await client.patch(
            url, json={"org_units": widened}, headers=_bearer(admin, **{"If-Match": etag})
        )
        assert response.status_code == 403, (widened, response.text)
        assert response.json()["field"] == "org_units"
    assert (await _me(client, admin))["org_units"] == [north]


async def test_a_restricted_admin_creates_users_only_within_its_units(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    north, south = _unit(), _unit()
    admin = await token_for("admin", org_units=(north,))

    unrestricted = await _create(client, admin, [], roles=["admin"])
    elsewhere = await _create(client, admin, [south])
    within = await _create(client, admin, [north])

    assert unrestricted.status_code == 403, unrestricted.text
    assert unrestricted.json()["field"] == "org_units"
    assert elsewhere.status_code == 403, elsewhere.text
    assert within.status_code == 201, within.text


async def test_users_beyond_a_restricted_admins_units_are_hidden(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    north, south = _unit(), _unit()
    head_office = await token_for("admin")
    regional = await token_for("admin", org_units=(north,))
    theirs = (await _create(client, head_office, [north])).json()
    other = (await _create(client, head_office, [south])).json()
    boss = (await _create(client, head_office, [], roles=["admin"])).json()

    for hidden in (other, boss):
        url = f"{USERS}/{hidden['id']}"
        assert (await client.get(url, headers=_bearer(regional))).status_code == 404
        reset = await client.post(
            f"{url}/password",
            json={"password": secrets.token_urlsafe(16)},
            headers=_bearer(regional),
        )
        assert reset.status_code == 404, reset.text
        off = await client.post(f"{url}/deactivate", headers=_bearer(regional))
        assert off.status_code == 404, off.text
    assert (
        await client.get(f"{USERS}/{theirs['id']}", headers=_bearer(regional))
    ).status_code == 200

    listed: set[str] = set()
    cursor: str | None = None
    while True:
        params = {"limit": "500"} | ({"cursor": cursor} if cursor else {})
        page = await client.get(USERS, params=params, headers=_bearer(regional))
        assert page.status_code == 200, page.text
        listed |= {u["id"] for u in page.json()["items"]}
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert theirs["id"] in listed
    assert other["id"] not in listed
    assert boss["id"] not in listed


async def test_an_unrestricted_admin_still_administers_everyone(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    head_office = await token_for("admin")
    restricted = (await _create(client, head_office, [_unit()])).json()
    url = f"{USERS}/{restricted['id']}"
    lifted = await client.patch(
        url, json={"org_units": []}, headers=_bearer(head_office, **{"If-Match": '"1"'})
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["org_units"] == []
