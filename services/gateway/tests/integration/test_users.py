"""User administration (/auth/users, admins only), against the real database."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from ..conftest import TokenFactory, UserFactory

PROBLEM = "application/problem+json"
USERS = "/auth/users"


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _name() -> str:
    return f"u-{secrets.token_hex(5)}"


def _password() -> str:
    return secrets.token_urlsafe(16)


async def _create(client: httpx.AsyncClient, admin: str, **fields: Any) -> dict[str, Any]:
    body = {"username": _name(), "password": _password(), "roles": ["viewer"]} | fields
    response = await client.post(USERS, json=body, headers=_bearer(admin))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/token", data={"username": username, "password": password})


async def _token(client: httpx.AsyncClient, username: str, password: str) -> str:
    response = await _login(client, username, password)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if field is not None:
        assert response.json()["field"] == field, response.text


async def test_an_admin_creates_and_reads_a_user_who_then_signs_in(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    username, password = _name(), _password()
    response = await client.post(
        USERS,
        json={
            "username": username.upper(),
            "display_name": "  Ada Lovelace ",
            "password": password,
            "roles": ["operator", "viewer", "operator"],
            "org_units": ["OU-S", "OU-N", "OU-S"],
        },
        headers=_bearer(admin),
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"{USERS}/{user['id']}"
    assert {k: user[k] for k in ("username", "display_name", "roles", "org_units", "active")} == {
        "username": username,
        "display_name": "Ada Lovelace",
        "roles": ["operator", "viewer"],
        "org_units": ["OU-N", "OU-S"],
        "active": True,
    }
    assert user["version"] == 1
    assert not {"password", "password_hash"} & set(user)
    assert password not in response.text

    got = await client.get(f"{USERS}/{user['id']}", headers=_bearer(admin))
    assert got.status_code == 200, got.text
    assert got.json() == user
    assert got.headers["etag"] == '"1"'

    token = await _token(client, username, password)
    me = (await client.get("/auth/me", headers=_bearer(token))).json()
    assert (me["id"], me["roles"], me["org_units"]) == (
        user["id"],
        ["operator", "viewer"],
        ["OU-N", "OU-S"],
    )


async def test_a_display_name_defaults_to_the_username(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    user = await _create(client, await token_for("admin"))
    assert user["display_name"] == user["username"]
    assert user["org_units"] == []


async def test_the_list_pages_by_username_and_filters_by_active(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    prefix = f"p{secrets.token_hex(4)}"
    made = [await _create(client, admin, username=f"{prefix}-{i}") for i in (3, 1, 2)]
    off = await client.post(f"{USERS}/{made[0]['id']}/deactivate", headers=_bearer(admin))
    assert off.status_code == 200, off.text

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(1000):
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = await client.get(USERS, params=params, headers=_bearer(admin))
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [u["username"] for u in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(set(seen))  # in order, none twice
    assert [s for s in seen if s.startswith(prefix)] == [f"{prefix}-{i}" for i in (1, 2, 3)]

    inactive = await client.get(USERS, params={"active": "false"}, headers=_bearer(admin))
    names = [u["username"] for u in inactive.json()["items"]]
    assert f"{prefix}-3" in names
    assert all(not u["active"] for u in inactive.json()["items"])
    assert "password_hash" not in inactive.text

    bad = await client.get(USERS, params={"cursor": "%%%"}, headers=_bearer(admin))
    _assert_problem(bad, 422, "query.cursor")
    too_many = await client.get(USERS, params={"limit": 1000}, headers=_bearer(admin))
    _assert_problem(too_many, 422, "query.limit")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "has space"}, "username"),
        ({"username": "-dash-first"}, "username"),
        ({"username": "x" * 151}, "username"),
        ({"password": "short1A!"}, "password"),
        ({"password": "aaaaaaaaaaaaaaaa"}, "password"),
        ({"username": "ada-lovelace", "password": "my-ada-lovelace-9"}, "password"),
        ({"password": None}, "password"),
        ({"roles": []}, "roles"),
        ({"roles": ["superuser"]}, "roles"),
        ({"roles": "admin"}, "roles"),
        ({"org_units": ["A,B"]}, "org_units"),
        ({"org_units": [" OU-N"]}, "org_units"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"active": False}, "active"),  # not a field of a new user
        ({"password_hash": "x"}, "password_hash"),
    ],
)
async def test_bad_input_on_create_names_the_field(
    client: httpx.AsyncClient, token_for: TokenFactory, change: dict[str, Any], field: str
) -> None:
    body = {"username": _name(), "password": _password(), "roles": ["viewer"]} | change
    response = await client.post(USERS, json=body, headers=_bearer(await token_for("admin")))
    _assert_problem(response, 422, field)


async def test_a_taken_username_is_409_whatever_its_case(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    user = await _create(client, admin)
    again = await client.post(
        USERS,
        json={"username": user["username"].upper(), "password": _password(), "roles": ["admin"]},
        headers=_bearer(admin),
    )
    _assert_problem(again, 409, "username")


async def test_an_update_needs_if_match_and_applies_to_the_users_next_request(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    password = _password()
    user = await _create(client, admin, password=password)
    url = f"{USERS}/{user['id']}"
    token = await _token(client, user["username"], password)
    assert (await client.post("/api/customers", headers=_bearer(token))).status_code == 403

    change = {"display_name": "Bo", "roles": ["operator"], "org_units": ["OU-N"]}
    _assert_problem(await client.patch(url, json=change, headers=_bearer(admin)), 428, "If-Match")
    bad_tag = await client.patch(url, json=change, headers=_bearer(admin, **{"If-Match": "v1"}))
    _assert_problem(bad_tag, 400, "If-Match")
    patched = await client.patch(url, json=change, headers=_bearer(admin, **{"If-Match": '"1"'}))
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == '"2"'
    assert patched.json() | change == patched.json()
    stale = await client.patch(
        url, json={"display_name": "Cy"}, headers=_bearer(admin, **{"If-Match": '"1"'})
    )
    _assert_problem(stale, 412, "If-Match")
    assert stale.json()["current_version"] == 2

    # The user's token stays valid and carries the new roles and org units at once.
    me = (await client.get("/auth/me", headers=_bearer(token))).json()
    assert (me["display_name"], me["roles"], me["org_units"]) == ("Bo", ["operator"], ["OU-N"])

    same = await client.patch(url, json=change, headers=_bearer(admin, **{"If-Match": '"2"'}))
    assert same.status_code == 200
    assert same.json()["version"] == 2  # nothing changed: no new version
    cleared = await client.patch(
        url, json={"org_units": []}, headers=_bearer(admin, **{"If-Match": '"2"'})
    )
    assert cleared.json()["org_units"] == []
    assert cleared.json()["version"] == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": ["superuser"]}, "roles"),
        ({"roles": []}, "roles"),
        ({"roles": None}, "roles"),
        ({"display_name": None}, "display_name"),
        ({"display_name": "   "}, "display_name"),
        ({"active": None}, "active"),
        ({"active": "sometimes"}, "active"),
        ({"org_units": ["a,b"]}, "org_units"),
        ({"username": "renamed"}, "username"),
        ({"password": "a-new-long-password"}, "password"),
    ],
)
async def test_bad_input_on_update_names_the_field(
    client: httpx.AsyncClient, token_for: TokenFactory, change: dict[str, Any], field: str
) -> None:
    admin = await token_for("admin")
    user = await _create(client, admin)
    response = await client.patch(
        f"{USERS}/{user['id']}", json=change, headers=_bearer(admin, **{"If-Match": '"1"'})
    )
    _assert_problem(response, 422, field)
    got = await client.get(f"{USERS}/{user['id']}", headers=_bearer(admin))
    assert got.json() == user  # nothing half-written


async def test_a_password_reset_revokes_the_users_tokens(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    old = _password()
    user = await _create(client, admin, password=old)
    url = f"{USERS}/{user['id']}/password"
    tokens = [await _token(client, user["username"], old) for _ in range(2)]

    weak = await client.post(url, json={"password": "too-short"}, headers=_bearer(admin))
    _assert_problem(weak, 422, "password")
    mine = await client.post(
        url, json={"password": f"{user['username']}-2026!"}, headers=_bearer(admin)
    )
    _assert_problem(mine, 422, "password")
    stale = await client.post(
        url, json={"password": _password()}, headers=_bearer(admin, **{"If-Match": '"7"'})
    )
    _assert_problem(stale, 412, "If-Match")
    for token in tokens:  # the refused resets changed nothing
        assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 200

    new = _password()
    reset = await client.post(url, json={"password": new}, headers=_bearer(admin))
    assert reset.status_code == 200, reset.text
    assert reset.json()["version"] == 2
    assert new not in reset.text
    for token in tokens:
        assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 401
    assert (await _login(client, user["username"], old)).status_code == 401
    await _token(client, user["username"], new)


async def test_deactivating_revokes_tokens_and_reactivating_lets_the_user_back(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    password = _password()
    user = await _create(client, admin, password=password)
    url = f"{USERS}/{user['id']}"
    token = await _token(client, user["username"], password)

    stale = await client.post(f"{url}/deactivate", headers=_bearer(admin, **{"If-Match": '"9"'}))
    _assert_problem(stale, 412, "If-Match")
    done = await client.post(f"{url}/deactivate", headers=_bearer(admin, **{"If-Match": '"1"'}))
    assert done.status_code == 200, done.text
    assert (done.json()["active"], done.json()["version"]) == (False, 2)
    assert done.headers["etag"] == '"2"'
    assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 401
    assert (await _login(client, user["username"], password)).status_code == 401
    again = await client.post(f"{url}/deactivate", headers=_bearer(admin))
    assert again.json()["version"] == 2  # already inactive: no new version

    back = await client.patch(
        url, json={"active": True}, headers=_bearer(admin, **{"If-Match": '"2"'})
    )
    assert back.status_code == 200, back.text
    assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 401
    await _token(client, user["username"], password)

    # Deactivating through an update revokes the tokens just the same.
    token = await _token(client, user["username"], password)
    off = await client.patch(
        url, json={"active": False}, headers=_bearer(admin, **{"If-Match": '"3"'})
    )
    assert off.json()["active"] is False
    assert (await client.get("/auth/me", headers=_bearer(token))).status_code == 401


async def test_an_admin_may_not_demote_or_deactivate_themselves(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("admin")
    admin = await _token(client, username, password)
    me = (await client.get("/auth/me", headers=_bearer(admin))).json()
    url = f"{USERS}/{me['id']}"
    version = (await client.get(url, headers=_bearer(admin))).json()["version"]
    if_match = {"If-Match": f'"{version}"'}

    demote = await client.patch(
        url, json={"roles": ["operator"]}, headers=_bearer(admin, **if_match)
    )
    _assert_problem(demote, 409, "roles")
    assert "own admin role" in demote.json()["detail"]
    off = await client.patch(url, json={"active": False}, headers=_bearer(admin, **if_match))
    _assert_problem(off, 409, "active")
    _assert_problem(await client.post(f"{url}/deactivate", headers=_bearer(admin)), 409, "active")
    assert (await client.get("/auth/me", headers=_bearer(admin))).json()["roles"] == ["admin"]

    # Anything else about their own account they may change.
    renamed = await client.patch(
        url,
        json={"display_name": "Chief", "roles": ["admin", "viewer"]},
        headers=_bearer(admin, **if_match),
    )
    assert renamed.status_code == 200, renamed.text


async def test_an_unknown_user_is_404(client: httpx.AsyncClient, token_for: TokenFactory) -> None:
    admin = await token_for("admin")
    url = f"{USERS}/00000000-0000-4000-8000-000000000000"
    _assert_problem(await client.get(url, headers=_bearer(admin)), 404)
    patched = await client.patch(
        url, json={"display_name": "X"}, headers=_bearer(admin, **{"If-Match": '"1"'})
    )
    _assert_problem(patched, 404)
    _assert_problem(await client.post(f"{url}/deactivate", headers=_bearer(admin)), 404)
    reset = await client.post(
        f"{url}/password", json={"password": _password()}, headers=_bearer(admin)
    )
    _assert_problem(reset, 404)
    _assert_problem(await client.get(f"{USERS}/not-a-uuid", headers=_bearer(admin)), 422)


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_non_admins_get_403_on_every_user_route(
    client: httpx.AsyncClient, token_for: TokenFactory, role: str
) -> None:
    admin = await token_for("admin")
    user = await _create(client, admin)
    url = f"{USERS}/{user['id']}"
    token = await token_for(role)
    me = (await client.get("/auth/me", headers=_bearer(token))).json()
    own = f"{USERS}/{me['id']}"
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", USERS, None),
        ("POST", USERS, {"username": _name(), "password": _password(), "roles": ["admin"]}),
        ("GET", url, None),
        ("PATCH", url, {"roles": ["admin"]}),
        ("PATCH", own, {"roles": ["admin"]}),  # not even to promote themselves
        ("POST", f"{url}/password", {"password": _password()}),
        ("POST", f"{own}/password", {"password": _password()}),
        ("POST", f"{url}/deactivate", None),
    ]
    for method, path, body in calls:
        response = await client.request(
            method, path, json=body, headers=_bearer(token, **{"If-Match": '"1"'})
        )
        _assert_problem(response, 403)
        # Without a token it is 401, as everywhere.
        anonymous = await client.request(method, path, json=body)
        _assert_problem(anonymous, 401)
    assert (await client.get(url, headers=_bearer(admin))).json() == user
    assert (await client.get("/auth/me", headers=_bearer(token))).json()["roles"] == [role]
