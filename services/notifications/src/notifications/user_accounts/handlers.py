"""Use cases of the pushed user accounts: store the newest, and read one's addresses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from aftersales_kit.projections import upsert_if_newer
from aftersales_kit.uow import UnitOfWork
from notifications.preferences.domain import normalize_username
from notifications.tables import user_account
from notifications.user_accounts.schemas import UserAccountIn, UserAccountOut


@dataclass(frozen=True)
class Account:
    """A user as the gateway last told us. ``org_units`` None: every org unit."""

    username: str
    email: str | None
    mobile: str | None
    roles: frozenset[str]
    org_units: frozenset[str] | None
    active: bool


async def put_account(
    uow: UnitOfWork, username: str, body: UserAccountIn, *, now: datetime
) -> UserAccountOut:
    """Store the account unless a newer version is stored (pushes may come twice or late)."""
    name = normalize_username(username)
    stored = await upsert_if_newer(
        uow.session,
        user_account,
        {
            "username": name,
            "version": body.version,
            "display_name": body.display_name,
            "email": str(body.email) if body.email is not None else None,
            "mobile": body.mobile,
            "roles": sorted(set(body.roles)),
            "org_units": sorted(set(body.org_units)),
            "active": body.active,
            "updated_at": now,
        },
        key=("username",),
    )
    await uow.commit()
    return UserAccountOut(username=name, version=body.version, applied=stored is not None)


async def accounts(uow: UnitOfWork, usernames: list[str]) -> dict[str, Account]:
    """The accounts of these users that the gateway has pushed, by username."""
    if not usernames:
        return {}
    rows = await uow.session.execute(
        select(user_account).where(user_account.c.username.in_(usernames))
    )
    return {
        row.username: Account(
            username=row.username,
            email=row.email,
            mobile=row.mobile,
            roles=frozenset(row.roles),
            # The gateway's rule (decision 35): no org units means every org unit.
            org_units=frozenset(row.org_units) if row.org_units else None,
            active=row.active,
        )
        for row in rows
    }


async def all_users(uow: UnitOfWork, emails: list[str]) -> bool:
    """True when every address is an active user account's (compared without case): the
    recipient of a ``user_link`` message gets the link instead of the attachments."""
    wanted = {e.strip().lower() for e in emails if e.strip()}
    if not wanted:
        return False
    found = await uow.session.scalars(
        select(func.lower(user_account.c.email)).where(
            func.lower(user_account.c.email).in_(wanted), user_account.c.active.is_(True)
        )
    )
    return wanted <= set(found)
