"""HTTP routes of personal notification preferences.

``/my-notification-preferences`` is the caller's own (the gateway's X-Aftersales-User);
``/notification-preferences/{username}/channels`` is the admin's switch. They are separate
resources so that the gateway's permission per resource suffices: every user at the first,
only admins at the second. The admin routes check the caller's roles too
(``aftersales_kit.identity``, X-Aftersales-Roles): a caller without ``admin`` gets 403, and
so does a request without the roles header (the gateway always sends it).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response

from aftersales_kit.http import ClockDep, UnitOfWorkDep, problem_responses
from aftersales_kit.identity import USER_HEADER
from aftersales_kit.problems import Unprocessable
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag
from notifications.preferences import handlers
from notifications.preferences.schemas import (
    ChannelSwitchesIn,
    ChannelSwitchesOut,
    MyPreferencesIn,
    MyPreferencesOut,
)
from notifications.visibility import AdminDep, require_admin

# Required: these routes are about the caller, whom only the gateway can name.
UserDep = Annotated[str, Header(alias=USER_HEADER, min_length=1, max_length=100)]
Username = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^\S+$")]


mine = APIRouter(prefix="/my-notification-preferences", tags=["notification preferences"])
admin = APIRouter(
    prefix="/notification-preferences",
    tags=["notification preferences"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(403, s403="not an admin"),
)


@mine.get("")
async def get_my_preferences(
    uow: UnitOfWorkDep, user: UserDep, response: Response
) -> MyPreferencesOut:
    """The caller's own settings (the defaults, version 0, before the first save)."""
    out = await handlers.get_my_preferences(uow, user)
    set_etag(response, out.version)
    return out


@mine.put("")
async def put_my_preferences(
    body: MyPreferencesIn,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    user: UserDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> MyPreferencesOut:
    """Replace the caller's settings; If-Match with the ETag read is required (428
    without it, 412 when someone, e.g. an admin, changed them since)."""
    expected = expected_version(if_match, required=True)
    out = await handlers.put_my_preferences(uow, user, body, expected, now=clock.now())
    set_etag(response, out.version)
    return out


@admin.get("/{username}/channels")
async def get_channel_switches(
    username: Username, uow: UnitOfWorkDep, response: Response
) -> ChannelSwitchesOut:
    """A user's e-mail and SMS switches; 404 for a user who never saved preferences."""
    out = await handlers.get_channel_switches(uow, username)
    set_etag(response, out.version)
    return out


@admin.patch("/{username}/channels")
async def switch_channels(
    username: Username,
    body: ChannelSwitchesIn,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    response: Response,
    caller: AdminDep,
    if_match: IfMatchHeader = None,
) -> ChannelSwitchesOut:
    """Turn a user's e-mail and/or SMS on or off (If-Match optional); the user's choice
    of events and addresses cannot be changed here."""
    if caller.username is not None and len(caller.username) > 100:
        raise Unprocessable("at most 100 characters", field=USER_HEADER)
    expected = expected_version(if_match, required=False)
    out = await handlers.switch_channels(
        uow, username, body, expected, admin=caller.username, now=clock.now()
    )
    set_etag(response, out.version)
    return out


routers = [mine, admin]
