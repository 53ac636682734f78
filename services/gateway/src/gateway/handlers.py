"""The gateway's use cases: sign in, resolve a bearer token, sign out, keep users."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.problems import Unprocessable
from aftersales_kit.uow import UnitOfWork
from gateway import domain, tables
from gateway.passwords import hash_password, needs_rehash, verify_password
from gateway.schemas import Credentials, TokenOut, UserOut

# Expired or revoked tokens are kept a while (for audit), then swept at the next sign-in.
TOKEN_RETENTION = timedelta(days=7)


class InvalidCredentials(Exception):
    """Unknown user, wrong password or inactive account: deliberately one answer."""


class InvalidToken(Exception):
    """Unknown, expired or revoked token, or its user is inactive."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: uuid.UUID
    username: str
    display_name: str
    roles: tuple[str, ...]
    token_id: uuid.UUID

    def to_out(self) -> UserOut:
        return UserOut(
            id=self.user_id,
            username=self.username,
            display_name=self.display_name,
            roles=list(self.roles),
        )


async def issue_token(
    cmd: Credentials, uow: UnitOfWork, *, now: datetime, ttl_minutes: int
) -> TokenOut:
    username = domain.normalize_username(cmd.username)
    user = (
        await uow.session.execute(
            select(
                tables.user_account.c.id,
                tables.user_account.c.password_hash,
                tables.user_account.c.active,
            ).where(tables.user_account.c.username == username)
        )
    ).first()
    # Argon2 is deliberately slow: off the event loop.
    ok = await asyncio.to_thread(
        verify_password, user.password_hash if user else None, cmd.password
    )
    if user is None or not ok or not user.active:
        raise InvalidCredentials
    if needs_rehash(user.password_hash):
        await uow.session.execute(
            update(tables.user_account)
            .where(tables.user_account.c.id == user.id)
            .values(password_hash=await asyncio.to_thread(hash_password, cmd.password))
        )
    await uow.session.execute(
        delete(tables.access_token).where(
            tables.access_token.c.user_id == user.id,
            tables.access_token.c.expires_at < now - TOKEN_RETENTION,
        )
    )
    token = domain.new_token()
    await uow.session.execute(
        tables.access_token.insert().values(
            id=uuid.uuid4(),
            token_hash=domain.token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=domain.token_expiry(now, ttl_minutes),
        )
    )
    await uow.commit()
    return TokenOut(access_token=token, expires_in=ttl_minutes * 60)


async def authenticate(token: str, uow: UnitOfWork, *, now: datetime) -> Principal:
    t, u = tables.access_token, tables.user_account
    row = (
        await uow.session.execute(
            select(
                t.c.id.label("token_id"),
                t.c.expires_at,
                t.c.revoked_at,
                u.c.id.label("user_id"),
                u.c.username,
                u.c.display_name,
                u.c.roles,
                u.c.active,
            )
            .join(u, u.c.id == t.c.user_id)
            .where(t.c.token_hash == domain.token_digest(token))
        )
    ).first()
    if (
        row is None
        or not row.active
        or not domain.token_is_live(row.expires_at, row.revoked_at, now)
    ):
        raise InvalidToken
    return Principal(
        user_id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        roles=tuple(row.roles),
        token_id=row.token_id,
    )


async def revoke_token(token_id: uuid.UUID, uow: UnitOfWork, *, now: datetime) -> None:
    await uow.session.execute(
        update(tables.access_token)
        .where(tables.access_token.c.id == token_id, tables.access_token.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    await uow.commit()


async def upsert_user(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    roles: Iterable[str],
    display_name: str | None = None,
    active: bool = True,
) -> uuid.UUID:
    """Create the user, or reset its password, roles and name: idempotent."""
    name = domain.normalize_username(username)
    if not name:
        raise Unprocessable("a username must not be blank", field="username")
    if not password:
        raise Unprocessable("a password must not be empty", field="password")
    try:
        checked_roles = domain.check_roles(roles)
    except domain.UnknownRole as error:
        raise Unprocessable(str(error), field="roles") from error
    values = {
        "display_name": display_name or name,
        "password_hash": await asyncio.to_thread(hash_password, password),
        "roles": checked_roles,
        "active": active,
    }
    statement = insert(tables.user_account).values(id=uuid.uuid4(), username=name, **values)
    user_id: uuid.UUID = (
        await uow.session.execute(
            statement.on_conflict_do_update(index_elements=["username"], set_=values).returning(
                tables.user_account.c.id
            )
        )
    ).scalar_one()
    await uow.commit()
    return user_id
