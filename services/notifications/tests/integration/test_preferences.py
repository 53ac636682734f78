"""Personal notification preferences over HTTP: one's own (with ETags), the admin's
channel switches, and who is notified of an event, against the real database."""

from __future__ import annotations

from typing import Any

import httpx

from aftersales_contracts.notifications import Channel
from aftersales_kit.runtime import ServiceRuntime
from aftersales_testing.builders import unique
from notifications.preferences import handlers as preference_handlers
from notifications.preferences.domain import NotificationEvent, Notify

MINE = "/my-notification-preferences"


def user() -> str:
    return f"user-{unique()}"


def as_user(username: str, **headers: str) -> dict[str, str]:
    return {"X-Aftersales-User": username} | headers


def choices(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "events": ["booked", "order_assigned"],
        "email_enabled": True,
        "sms_enabled": True,
        "email": "tech@example.com",
        "mobile": "+46701234567",
    }
    return body | overrides


async def save(client: httpx.AsyncClient, username: str, body: dict[str, Any]) -> httpx.Response:
    etag = (await client.get(MINE, headers=as_user(username))).headers["ETag"]
    return await client.put(MINE, json=body, headers=as_user(username, **{"If-Match": etag}))


async def test_a_user_reads_and_saves_their_own_preferences(client: httpx.AsyncClient) -> None:
    username = user()
    fresh = await client.get(MINE, headers=as_user(username))
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == '"0"'
    assert fresh.json() | {"updated_at": None} == {
        "username": username,
        "events": [],
        "email_enabled": False,
        "sms_enabled": False,
        "email": None,
        "mobile": None,
        "version": 0,
        "updated_at": None,
        "channels_changed_by": None,
        "channels_changed_at": None,
    }

    saved = await client.put(MINE, json=choices(), headers=as_user(username, **{"If-Match": '"0"'}))
    assert saved.status_code == 200, saved.text
    assert saved.headers["ETag"] == '"1"'
    # Stored in the seed's order, whatever order they came in.
    assert saved.json()["events"] == ["order_assigned", "booked"]
    assert (await client.get(MINE, headers=as_user(username))).json() == saved.json()

    # The gateway's usernames are case-insensitive: "Dev" is "dev".
    again = await client.put(
        MINE,
        json=choices(events=["service_reminder"], sms_enabled=False, mobile=None),
        headers=as_user(username.upper(), **{"If-Match": 'W/"1"'}),
    )
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2
    assert again.json()["events"] == ["service_reminder"]
    assert again.json()["mobile"] is None


async def test_saving_needs_the_current_etag(client: httpx.AsyncClient) -> None:
    username = user()
    without = await client.put(MINE, json=choices(), headers=as_user(username))
    assert without.status_code == 428
    assert without.json()["field"] == "If-Match"
    garbage = await client.put(MINE, json=choices(), headers=as_user(username, **{"If-Match": "x"}))
    assert garbage.status_code == 400
    assert garbage.json()["field"] == "If-Match"
    assert (await save(client, username, choices())).status_code == 200
    stale = await client.put(MINE, json=choices(), headers=as_user(username, **{"If-Match": '"0"'}))
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1


async def test_bad_preferences_are_refused_naming_the_field(client: httpx.AsyncClient) -> None:
    username = user()
    headers = as_user(username, **{"If-Match": '"0"'})
    cases: list[tuple[dict[str, Any], str]] = [
        (choices(events=["booked", "lunch"]), "events.1"),
        (choices(events="booked"), "events"),
        (choices(email="not-an-address"), "email"),
        (choices(mobile="0701234567"), "mobile"),
        (choices(mobile="+046701234567"), "mobile"),
        (choices(mobile="+46 70 123 45 67"), "mobile"),
        (choices(email_enabled="sometimes"), "email_enabled"),
        (choices(sms_enabled=1), "sms_enabled"),
        # A channel switched on needs an address for it.
        (choices(email=None), "email"),
        (choices(mobile=None), "mobile"),
        (choices(colour="red"), "colour"),
    ]
    for body, field in cases:
        response = await client.put(MINE, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    # Nothing was stored by any of them.
    assert (await client.get(MINE, headers=as_user(username))).json()["version"] == 0
    # Without the gateway's user header there is no "my".
    anonymous = await client.get(MINE)
    assert anonymous.status_code == 422
    assert anonymous.json()["field"].lower() == "header.x-aftersales-user"
    anonymous_put = await client.put(MINE, json=choices(), headers={"If-Match": '"0"'})
    assert anonymous_put.status_code == 422


async def test_an_admin_switches_a_users_channels_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    username = user()
    assert (await save(client, username, choices())).status_code == 200
    path = f"/notification-preferences/{username}/channels"

    shown = await client.get(path)
    assert shown.status_code == 200
    assert shown.headers["ETag"] == '"1"'
    assert shown.json() == {
        "username": username,
        "email_enabled": True,
        "sms_enabled": True,
        "has_email": True,
        "has_mobile": True,
        "version": 1,
        "channels_changed_by": None,
        "channels_changed_at": None,
    }

    off = await client.patch(
        path, json={"sms_enabled": False}, headers=as_user("admin", **{"If-Match": '"1"'})
    )
    assert off.status_code == 200, off.text
    assert off.headers["ETag"] == '"2"'
    assert (off.json()["email_enabled"], off.json()["sms_enabled"]) == (True, False)
    assert off.json()["channels_changed_by"] == "admin"
    assert off.json()["channels_changed_at"] is not None

    # The user's own settings: the switch moved, the events and addresses did not.
    mine = (await client.get(MINE, headers=as_user(username))).json()
    assert mine["sms_enabled"] is False
    assert mine["events"] == ["order_assigned", "booked"]
    assert (mine["email"], mine["mobile"]) == ("tech@example.com", "+46701234567")
    assert mine["channels_changed_by"] == "admin"
    # The user's edit based on what they read before the admin's switch is stale.
    stale = await client.put(MINE, json=choices(), headers=as_user(username, **{"If-Match": '"1"'}))
    assert stale.status_code == 412

    # If-Match is optional for the admin, but a stale one is refused.
    on = await client.patch(path.replace(username, username.upper()), json={"sms_enabled": True})
    assert on.status_code == 200, on.text
    assert on.json()["version"] == 3
    stale_admin = await client.patch(path, json={"sms_enabled": False}, headers={"If-Match": '"2"'})
    assert stale_admin.status_code == 412


async def test_bad_channel_switches_are_refused(client: httpx.AsyncClient) -> None:
    username = user()
    body = choices(sms_enabled=False, mobile=None)
    assert (await save(client, username, body)).status_code == 200
    path = f"/notification-preferences/{username}/channels"
    cases: list[tuple[dict[str, Any], int, str]] = [
        # An admin never chooses the events, nor the addresses.
        ({"events": ["booked"]}, 422, "events"),
        ({"email_enabled": False, "email": "x@example.com"}, 422, "email"),
        ({}, 422, "body"),
        ({"email_enabled": None}, 422, "body"),
        ({"email_enabled": "off"}, 422, "email_enabled"),
        # The user gave no mobile number: SMS cannot be switched on for them.
        ({"sms_enabled": True}, 422, "sms_enabled"),
    ]
    for patch, status, field in cases:
        response = await client.patch(path, json=patch)
        assert response.status_code == status, (patch, response.text)
        assert response.json()["field"] == field, (patch, response.json())
    garbage = await client.patch(path, json={"email_enabled": False}, headers={"If-Match": "v1"})
    assert (garbage.status_code, garbage.json()["field"]) == (400, "If-Match")
    # Unchanged by all of them.
    assert (await client.get(path)).json()["version"] == 1

    unknown = f"/notification-preferences/nobody-{unique()}/channels"
    for response in (
        await client.get(unknown),
        await client.patch(unknown, json={"email_enabled": False}),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["field"] == "username"
    spaced = await client.get("/notification-preferences/a%20b/channels")
    assert (spaced.status_code, spaced.json()["field"]) == (422, "path.username")


async def test_who_is_notified_comes_from_the_stored_preferences(
    client: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    technician, planner, other = user(), user(), user()
    await save(client, technician, choices(events=["order_assigned"]))
    await save(client, planner, choices(events=["order_assigned", "booked"], sms_enabled=False))
    await save(client, other, choices(events=["service_reminder"]))
    await client.patch(
        f"/notification-preferences/{planner}/channels", json={"email_enabled": False}
    )
    among = [technician, planner, other]
    async with runtime.uow() as uow:
        assigned = await preference_handlers.who_to_notify(
            uow, NotificationEvent.ORDER_ASSIGNED, among
        )
        booked = await preference_handlers.who_to_notify(uow, NotificationEvent.BOOKED, among)
    assert assigned == [
        Notify(technician, Channel.EMAIL, "tech@example.com"),
        Notify(technician, Channel.SMS, "+46701234567"),
    ]
    # The planner chose "booked", but the admin switched their e-mail off and SMS is off.
    assert booked == []


async def test_a_caller_the_gateway_says_is_no_admin_is_refused(
    client: httpx.AsyncClient,
) -> None:
    username = user()
    assert (await save(client, username, choices())).status_code == 200
    path = f"/notification-preferences/{username}/channels"
    for roles in ("operator", "viewer,operator", ""):
        headers = {"X-Aftersales-Roles": roles}
        read = await client.get(path, headers=headers)
        assert (read.status_code, read.json()["field"]) == (403, "X-Aftersales-Roles")
        switch = await client.patch(path, json={"email_enabled": False}, headers=headers)
        assert switch.status_code == 403
    allowed = await client.patch(
        path, json={"email_enabled": False}, headers={"X-Aftersales-Roles": "operator,admin"}
    )
    assert allowed.status_code == 200, allowed.text
    # One's own preferences need no role.
    mine = await client.get(MINE, headers=as_user(username, **{"X-Aftersales-Roles": "viewer"}))
    assert mine.status_code == 200
