"""Use cases of personal notification preferences: one's own settings, and an admin's
channel switches."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.problems import NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import PreconditionFailed, check_version
from notifications.preferences import domain as preferences
from notifications.preferences.domain import NotificationEvent, Notify, Preferences
from notifications.preferences.schemas import (
    ChannelSwitchesIn,
    ChannelSwitchesOut,
    MyPreferencesIn,
    MyPreferencesOut,
)
from notifications.tables import notification_preference as pref
from notifications.tables import user_account

# The addresses on a user's account at the gateway (``notifications.user_accounts``).
Addresses = tuple[str | None, str | None]


async def _account_addresses(uow: UnitOfWork, username: str) -> Addresses:
    row = (
        await uow.session.execute(
            select(user_account.c.email, user_account.c.mobile).where(
                user_account.c.username == username
            )
        )
    ).first()
    return (row.email, row.mobile) if row is not None else (None, None)


def _domain(row: Mapping[str, Any], account: Addresses = (None, None)) -> Preferences:
    return Preferences(
        username=row["username"],
        events=frozenset(NotificationEvent(e) for e in row["events"]),
        email_enabled=row["email_enabled"],
        sms_enabled=row["sms_enabled"],
        email=row["email"],
        mobile=row["mobile"],
        version=row["version"],
        account_email=account[0],
        account_mobile=account[1],
    )


def _mine(row: Mapping[str, Any]) -> MyPreferencesOut:
    return MyPreferencesOut(
        username=row["username"],
        # In the order the seed lists them, whatever order they were saved in.
        events=[e for e in NotificationEvent if e.value in row["events"]],
        email_enabled=row["email_enabled"],
        sms_enabled=row["sms_enabled"],
        email=row["email"],
        mobile=row["mobile"],
        version=row["version"],
        updated_at=row["updated_at"],
        channels_changed_by=row["channels_changed_by"],
        channels_changed_at=row["channels_changed_at"],
    )


def _switches(row: Mapping[str, Any], account: Addresses) -> ChannelSwitchesOut:
    return ChannelSwitchesOut(
        username=row["username"],
        email_enabled=row["email_enabled"],
        sms_enabled=row["sms_enabled"],
        has_email=(row["email"] or account[0]) is not None,
        has_mobile=(row["mobile"] or account[1]) is not None,
        version=row["version"],
        channels_changed_by=row["channels_changed_by"],
        channels_changed_at=row["channels_changed_at"],
    )


async def _row(uow: UnitOfWork, username: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(pref).where(pref.c.username == username)
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def get_my_preferences(uow: UnitOfWork, username: str) -> MyPreferencesOut:
    """One's own settings; a user who never saved any gets the defaults at version 0
    (nothing chosen, both channels off), whose ETag a first PUT sends back."""
    username = preferences.normalize_username(username)
    row = await _row(uow, username)
    if row is None:
        return MyPreferencesOut(
            username=username,
            events=[],
            email_enabled=False,
            sms_enabled=False,
            email=None,
            mobile=None,
            version=0,
            updated_at=None,
            channels_changed_by=None,
            channels_changed_at=None,
        )
    return _mine(row)


async def put_my_preferences(
    uow: UnitOfWork, username: str, body: MyPreferencesIn, expected: int | None, *, now: datetime
) -> MyPreferencesOut:
    """Replace one's own settings. ``expected`` is the version read (0 before the first
    save); a stale one is a 412, so an admin's switch is never silently undone."""
    username = preferences.normalize_username(username)
    wanted = Preferences(
        username=username,
        events=frozenset(body.events),
        email_enabled=body.email_enabled,
        sms_enabled=body.sms_enabled,
        email=str(body.email) if body.email is not None else None,
        mobile=body.mobile,
    )
    account_email, account_mobile = await _account_addresses(uow, username)
    try:
        preferences.check(
            replace(wanted, account_email=account_email, account_mobile=account_mobile)
        )
    except preferences.PreferencesInvalid as error:
        raise Unprocessable(str(error), field=error.field) from error
    values = {
        "events": [e.value for e in NotificationEvent if e in wanted.events],
        "email_enabled": wanted.email_enabled,
        "sms_enabled": wanted.sms_enabled,
        "email": wanted.email,
        "mobile": wanted.mobile,
        "updated_at": now,
    }
    current = await _row(uow, username, lock=True)
    if current is None:
        check_version(0, expected)
        inserted = (
            (
                await uow.session.execute(
                    insert(pref)
                    .values(username=username, version=1, created_at=now, **values)
                    .on_conflict_do_nothing(index_elements=[pref.c.username])
                    .returning(*pref.c)
                )
            )
            .mappings()
            .first()
        )
        if inserted is None:
            # Another first save of the same user won the race: ours is stale.
            raise PreconditionFailed(
                "the preferences were saved meanwhile; read them again", field="If-Match"
            )
        row = dict(inserted)
    else:
        check_version(current["version"], expected)
        row = dict(
            (
                await uow.session.execute(
                    update(pref)
                    .where(pref.c.username == username)
                    .values(version=current["version"] + 1, **values)
                    .returning(*pref.c)
                )
            )
            .mappings()
            .one()
        )
    await uow.commit()
    return _mine(row)


async def get_channel_switches(uow: UnitOfWork, username: str) -> ChannelSwitchesOut:
    username = preferences.normalize_username(username)
    row = await _row(uow, username)
    if row is None:
        raise NotFound(f"no notification preferences for user {username!r}", field="username")
    return _switches(row, await _account_addresses(uow, username))


async def switch_channels(
    uow: UnitOfWork,
    username: str,
    body: ChannelSwitchesIn,
    expected: int | None,
    *,
    admin: str | None,
    now: datetime,
) -> ChannelSwitchesOut:
    """An admin turns a user's e-mail and/or SMS on or off; nothing else changes."""
    username = preferences.normalize_username(username)
    current = await _row(uow, username, lock=True)
    if current is None:
        raise NotFound(f"no notification preferences for user {username!r}", field="username")
    check_version(current["version"], expected)
    account = await _account_addresses(uow, username)
    try:
        switched = preferences.switch_channels(
            _domain(current, account),
            email_enabled=body.email_enabled,
            sms_enabled=body.sms_enabled,
        )
    except preferences.PreferencesInvalid as error:
        raise Unprocessable(str(error), field=error.field) from error
    row = dict(
        (
            await uow.session.execute(
                update(pref)
                .where(pref.c.username == username)
                .values(
                    email_enabled=switched.email_enabled,
                    sms_enabled=switched.sms_enabled,
                    version=current["version"] + 1,
                    updated_at=now,
                    channels_changed_by=admin,
                    channels_changed_at=now,
                )
                .returning(*pref.c)
            )
        )
        .mappings()
        .one()
    )
    await uow.commit()
    return _switches(row, account)


async def who_to_notify(
    uow: UnitOfWork, event: NotificationEvent, among: Collection[str] | None = None
) -> list[Notify]:
    """The notifications ``event`` calls for, from the stored preferences and the
    addresses on the users' accounts (field work's events); the rule itself is
    ``preferences.who_to_notify``."""
    query = (
        select(
            pref,
            user_account.c.email.label("account_email"),
            user_account.c.mobile.label("account_mobile"),
        )
        .outerjoin(user_account, user_account.c.username == pref.c.username)
        .where(pref.c.events.contains([event.value]))
    )
    if among is not None:
        query = query.where(pref.c.username.in_([preferences.normalize_username(u) for u in among]))
    rows = (await uow.session.execute(query)).mappings().all()
    return preferences.who_to_notify(
        event,
        [_domain(dict(r), (r["account_email"], r["account_mobile"])) for r in rows],
        among=among,
    )
