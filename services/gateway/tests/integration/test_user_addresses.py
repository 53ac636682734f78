"""Users' e-mail address and mobile number: set by admins and by the user themself,
validated, shown; and pushed to notifications until accepted (decision 74)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from aftersales_kit.runtime import ServiceRuntime
from gateway import tables
from gateway.accounts_push import AccountsPush
from gateway.settings import Settings

from ..conftest import TokenFactory, serve_in_thread

USERS = "/auth/users"


def _bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _name() -> str:
    return f"u-{secrets.token_hex(5)}"


def runtime_of(client: httpx.AsyncClient) -> ServiceRuntime:
    runtime: ServiceRuntime = client._transport.app.state.runtime  # type: ignore[attr-defined]
    return runtime


async def _create(client: httpx.AsyncClient, admin: str, **fields: Any) -> httpx.Response:
    body = {"username": _name(), "password": secrets.token_urlsafe(16), "roles": ["viewer"]}
    return await client.post(USERS, json=body | fields, headers=_bearer(admin))


async def test_an_admin_gives_a_user_an_email_and_a_mobile(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    admin = await token_for("admin")
    created = await _create(client, admin, email="ada@example.com", mobile="+46701234567")
    assert created.status_code == 201, created.text
    user = created.json()
    assert (user["email"], user["mobile"]) == ("ada@example.com", "+46701234567")
    got = await client.get(f"{USERS}/{user['id']}", headers=_bearer(admin))
    assert got.json() == user

    changed = await client.patch(
        f"{USERS}/{user['id']}",
        json={"mobile": "+4798765432", "email": None},
        headers=_bearer(admin, **{"If-Match": '"1"'}),
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["mobile"], changed.json()["version"]) == (
        None,
        "+4798765432",
        2,
    )
    # Without addresses is fine too: they are optional.
    plain = await _create(client, admin)
    assert (plain.json()["email"], plain.json()["mobile"]) == (None, None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"mobile": "0701234567"}, "mobile"),
        ({"mobile": "+46 70 123 45 67"}, "mobile"),
        ({"mobile": "+0701234567"}, "mobile"),
    ],
)
async def test_bad_addresses_are_422_naming_the_field(
    client: httpx.AsyncClient, token_for: TokenFactory, fields: dict[str, str], field: str
) -> None:
    admin = await token_for("admin")
    created = await _create(client, admin, **fields)
    assert created.status_code == 422, created.text
    assert created.json()["field"] == field
    user = (await _create(client, admin)).json()
    patched = await client.patch(
        f"{USERS}/{user['id']}", json=fields, headers=_bearer(admin, **{"If-Match": '"1"'})
    )
    assert patched.status_code == 422
    assert patched.json()["field"] == field
    own = await client.patch("/auth/me", json=fields, headers=_bearer(admin))
    assert own.status_code == 422
    assert own.json()["field"] == field


async def test_a_user_changes_their_own_addresses_and_nothing_else(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    token = await token_for("viewer")
    changed = await client.patch(
        "/auth/me",
        json={"email": "me@example.com", "mobile": "+46700000001"},
        headers=_bearer(token),
    )
    assert changed.status_code == 200, changed.text
    me = (await client.get("/auth/me", headers=_bearer(token))).json()
    assert (me["email"], me["mobile"]) == ("me@example.com", "+46700000001")
    # A field left out stays; null removes.
    await client.patch("/auth/me", json={"mobile": None}, headers=_bearer(token))
    me = (await client.get("/auth/me", headers=_bearer(token))).json()
    assert (me["email"], me["mobile"]) == ("me@example.com", None)
    for body, field in (({"roles": ["admin"]}, "roles"), ({"display_name": "X"}, "display_name")):
        refused = await client.patch("/auth/me", json=body, headers=_bearer(token))
        assert refused.status_code == 422
        assert refused.json()["field"] == field
    assert (await client.get("/auth/me", headers=_bearer(token))).json()["roles"] == ["viewer"]
    assert (await client.patch("/auth/me", json={"email": "x@example.com"})).status_code == 401


# --- pushed to notifications ---------------------------------------------------------------


class FakeNotifications:
    """What notifications' ``PUT /user-accounts/{username}`` receives; answers ``status``."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.status = 200

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.put("/user-accounts/{username}")
        async def put(username: str, request: Request) -> Response:
            self.received.append((username, await request.json(), dict(request.headers)))
            return Response('{"applied": true}', self.status, media_type="application/json")

        return app

    def bodies_of(self, username: str) -> list[dict[str, Any]]:
        return [body for name, body, _ in self.received if name == username]


@pytest.fixture(scope="module")
def fake_notifications() -> Iterator[tuple[FakeNotifications, str]]:
    fake = FakeNotifications()
    with serve_in_thread(fake.app(), "notifications") as url:
        yield fake, url


@contextlib.contextmanager
def answering(fake: FakeNotifications, status: int) -> Iterator[None]:
    fake.status = status
    try:
        yield
    finally:
        fake.status = 200


async def _pushed_version(client: httpx.AsyncClient, username: str) -> int | None:
    async with runtime_of(client).uow() as uow:
        value = await uow.session.scalar(
            select(tables.user_account.c.pushed_version).where(
                tables.user_account.c.username == username
            )
        )
    return int(value) if value is not None else None


async def _push_all(push: AccountsPush, http: httpx.AsyncClient) -> None:
    # Other tests keep making accounts: push until none lags.
    while await push.push_pending(http):
        pass


async def test_accounts_are_pushed_to_notifications_until_accepted(
    client: httpx.AsyncClient,
    token_for: TokenFactory,
    settings: Settings,
    fake_notifications: tuple[FakeNotifications, str],
) -> None:
    fake, url = fake_notifications
    push = AccountsPush(
        runtime_of(client).uow, settings.model_copy(update={"notifications_url": url})
    )
    admin = await token_for("admin")
    user = (
        await _create(
            client, admin, email="ada@example.com", mobile="+46701234567", org_units=["OU-S"]
        )
    ).json()
    username = user["username"]
    async with httpx.AsyncClient() as http:
        # Notifications away or failing: nothing is recorded as pushed, so it comes again.
        with answering(fake, 503):
            await push.push_pending(http)
        assert await _pushed_version(client, username) is None
        await _push_all(push, http)
        assert await _pushed_version(client, username) == 1
        assert fake.bodies_of(username)[-1] == {
            "version": 1,
            "display_name": username,
            "email": "ada@example.com",
            "mobile": "+46701234567",
            "roles": ["viewer"],
            "org_units": ["OU-S"],
            "active": True,
        }
        headers = next(h for name, _, h in fake.received if name == username)
        assert headers["x-aftersales-roles"] == "admin"
        count = len(fake.bodies_of(username))
        await _push_all(push, http)
        assert len(fake.bodies_of(username)) == count  # accepted: not pushed again

        # A change (here the user's own) is pushed with the new version.
        token_user = await token_for("operator")
        me = (await client.get("/auth/me", headers=_bearer(token_user))).json()
        await client.patch(
            "/auth/me", json={"email": "op@example.com"}, headers=_bearer(token_user)
        )
        await client.post(
            f"{USERS}/{user['id']}/deactivate", headers=_bearer(admin, **{"If-Match": '"1"'})
        )
        await _push_all(push, http)
    assert fake.bodies_of(username)[-1]["active"] is False
    assert fake.bodies_of(username)[-1]["version"] == 2
    assert fake.bodies_of(me["username"])[-1]["email"] == "op@example.com"
    assert await _pushed_version(client, username) == 2
