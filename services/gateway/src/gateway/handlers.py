"""The gateway's use cases: sign in, resolve a bearer token, sign out, keep users
(``seed-dev-user``) and administer them (``/auth/users``, admins only)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.keyset import after
from aftersales_kit.pagination import Page, decode_cursor, page_of
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from gateway import domain, tables
from gateway.passwords import hash_password, needs_rehash, verify_password
from gateway.schemas import (
    Credentials,
    PasswordIn,
    TokenOut,
    UserAdminOut,
    UserIn,
    UserOut,
    UserPatch,
)

# Expired or revoked tokens are kept a while (for audit), then swept at the next sign-in.
TOKEN_RETENTION = timedelta(days=7)


class Unauthorized(Problem):
    """401: the caller is not known. RFC 9110 §11.6.1 wants a challenge with every 401;
    the kit has no class for it because only the gateway authenticates."""

    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        # RFC 6750 §3: no error code when the request carried no credentials at all.
        challenge = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class InvalidCredentials(Unauthorized):
    """Unknown user, wrong password or inactive account: deliberately one answer."""

    def __init__(self) -> None:
        super().__init__("wrong username or password")


class InvalidToken(Unauthorized):
    """Unknown, expired or revoked token, or its user is inactive."""

    def __init__(self) -> None:
        super().__init__("the bearer token is unknown, expired or revoked", invalid_token=True)


class InvalidUser(Unprocessable):
    """A user's field breaks a rule of ``domain``; ``field`` names it."""

    def __init__(self, error: domain.InvalidUserField) -> None:
        super().__init__(str(error), field=error.field)


class UserNotFound(NotFound):
    def __init__(self, user_id: uuid.UUID) -> None:
        super().__init__(f"no user with id {user_id}")


class UsernameTaken(Conflict):
    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is taken", field="username")


class ScopeWidened(Forbidden):
    """A restricted admin granting more than its own org units (``domain.check_granted_scope``)."""

    def __init__(self, error: domain.OutOfScope) -> None:
        super().__init__(str(error), field=error.field)


class SelfChangeRefused(Conflict):
    """An admin may not demote or deactivate themselves (``domain.check_self_change``)."""

    def __init__(self, error: domain.SelfChangeRefused) -> None:
        super().__init__(str(error), field=error.field)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    user_id: uuid.UUID
    username: str
    display_name: str
    roles: tuple[str, ...]
    token_id: uuid.UUID
    # The org unit codes the user may see; empty: every org unit (not restricted).
    org_units: tuple[str, ...] = ()

    def to_out(self) -> UserOut:
        return UserOut(
            id=self.user_id,
            username=self.username,
            display_name=self.display_name,
            roles=list(self.roles),
            org_units=list(self.org_units),
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
        raise InvalidCredentials()
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
                u.c.org_units,
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
        raise InvalidToken()
    return Principal(
        user_id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        roles=tuple(row.roles),
        token_id=row.token_id,
        org_units=tuple(row.org_units),
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
    org_units: Iterable[str] = (),
) -> uuid.UUID:
    """Create the user, or reset its password, roles and name: idempotent. For
    ``seed-dev-user``: any non-blank name, any non-empty password (the API's
    ``create_user`` applies the full rules)."""
    name = domain.normalize_username(username)
    if not name:
        raise Unprocessable("a username must not be blank", field="username")
    if not password:
        raise Unprocessable("a password must not be empty", field="password")
    checked_roles = _checked(domain.check_roles, roles)
    checked_org_units = _checked(domain.check_org_units, org_units)
    values: dict[str, Any] = {
        "display_name": display_name or name,
        "password_hash": await asyncio.to_thread(hash_password, password),
        "roles": checked_roles,
        "org_units": checked_org_units,
        "active": active,
    }
    u = tables.user_account
    statement = insert(u).values(id=uuid.uuid4(), username=name, **values)
    changed = values | {"version": u.c.version + 1, "updated_at": func.now()}
    user_id: uuid.UUID = (
        await uow.session.execute(
            statement.on_conflict_do_update(index_elements=["username"], set_=changed).returning(
                u.c.id
            )
        )
    ).scalar_one()
    await uow.commit()
    return user_id


# --- user administration ----------------------------------------------------------------

_OUT_COLUMNS = [tables.user_account.c[name] for name in UserAdminOut.model_fields]

T = TypeVar("T")


def _checked(check: Callable[..., T], *args: Any) -> T:
    """``check(*args)``, its rule broken as a 422 naming the field."""
    try:
        return check(*args)
    except domain.InvalidUserField as error:
        raise InvalidUser(error) from error


def _user_out(row: Any) -> UserAdminOut:
    return UserAdminOut.model_validate(dict(row))


def _granted(acting: Principal, org_units: list[str]) -> list[str]:
    try:
        domain.check_granted_scope(acting.org_units, org_units)
    except domain.OutOfScope as error:
        raise ScopeWidened(error) from error
    return org_units


def _visible(acting: Principal, user: UserAdminOut) -> UserAdminOut:
    """The user, when the acting admin administers it; else as if it did not exist (a
    hidden user is 404, like a serial item of another org unit)."""
    if not domain.in_scope(acting.org_units, user.org_units):
        raise UserNotFound(user.id)
    return user


async def list_users(
    uow: UnitOfWork, *, acting: Principal, active: bool | None, cursor: str | None, limit: int
) -> Page[UserAdminOut]:
    """One page in username order (keyset: no OFFSET, stable under inserts) of the users
    the acting admin administers. Usernames are unique, so the username alone is the key."""
    u = tables.user_account
    query = select(*_OUT_COLUMNS).order_by(u.c.username).limit(limit + 1)
    if acting.org_units:
        # domain.in_scope in SQL: restricted, and only to some of the admin's units.
        query = query.where(
            func.cardinality(u.c.org_units) > 0,
            u.c.org_units.contained_by(list(acting.org_units)),
        )
    if active is not None:
        query = query.where(u.c.active == active)
    if cursor is not None:
        query = query.where(after([u.c.username], decode_cursor(cursor, (str,))))
    rows = [_user_out(r) for r in (await uow.session.execute(query)).mappings()]
    items, next_cursor = page_of(rows, limit, lambda user: (user.username,))
    return Page[UserAdminOut](items=items, next_cursor=next_cursor)


async def get_user(uow: UnitOfWork, user_id: uuid.UUID, *, acting: Principal) -> UserAdminOut:
    row = (
        (
            await uow.session.execute(
                select(*_OUT_COLUMNS).where(tables.user_account.c.id == user_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UserNotFound(user_id)
    return _visible(acting, _user_out(row))


async def create_user(
    cmd: UserIn, uow: UnitOfWork, *, acting: Principal, now: datetime
) -> UserAdminOut:
    username = _checked(domain.check_username, cmd.username)
    _checked(domain.check_password, cmd.password, username)
    roles = _checked(domain.check_roles, cmd.roles)
    org_units = _granted(acting, _checked(domain.check_org_units, cmd.org_units))
    display_name = username
    if cmd.display_name is not None:
        display_name = _checked(domain.check_display_name, cmd.display_name)
    out = UserAdminOut(
        id=uuid.uuid4(),
        username=username,
        display_name=display_name,
        roles=roles,
        org_units=org_units,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
    )
    password_hash = await asyncio.to_thread(hash_password, cmd.password)
    inserted = await uow.session.scalar(
        insert(tables.user_account)
        .values(**out.model_dump(), password_hash=password_hash)
        .on_conflict_do_nothing(index_elements=["username"])
        .returning(tables.user_account.c.id)
    )
    if inserted is None:
        raise UsernameTaken(username)
    await uow.commit()
    return out


async def _locked_user(
    uow: UnitOfWork, user_id: uuid.UUID, expected: int | None, acting: Principal
) -> UserAdminOut:
    row = (
        (
            await uow.session.execute(
                select(*_OUT_COLUMNS).where(tables.user_account.c.id == user_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UserNotFound(user_id)
    user = _visible(acting, _user_out(row))
    check_version(user.version, expected)
    return user


async def _save_user(
    uow: UnitOfWork, user: UserAdminOut, values: dict[str, Any], *, now: datetime
) -> UserAdminOut:
    values = values | {"version": user.version + 1, "updated_at": now}
    await uow.session.execute(
        update(tables.user_account).where(tables.user_account.c.id == user.id).values(values)
    )
    return user.model_copy(update={k: v for k, v in values.items() if k != "password_hash"})


async def _revoke_all_tokens(uow: UnitOfWork, user_id: uuid.UUID, *, now: datetime) -> None:
    await uow.session.execute(
        update(tables.access_token)
        .where(tables.access_token.c.user_id == user_id, tables.access_token.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def _refuse_self_change(
    acting: Principal, user: UserAdminOut, roles: list[str], active: bool
) -> None:
    try:
        domain.check_self_change(
            acting_user=acting.user_id, target_user=user.id, roles=roles, active=active
        )
    except domain.SelfChangeRefused as error:
        raise SelfChangeRefused(error) from error


async def update_user(
    user_id: uuid.UUID,
    cmd: UserPatch,
    expected: int | None,
    uow: UnitOfWork,
    *,
    acting: Principal,
    now: datetime,
) -> UserAdminOut:
    """Change a user's name, roles, org units or active flag. Role and org unit changes
    apply to the user's next request (tokens are resolved per request); deactivating
    revokes the user's tokens."""
    changes = cmd.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise Unprocessable(f"{field} must not be null", field=field)
    values: dict[str, Any] = {}
    if "display_name" in changes:
        values["display_name"] = _checked(domain.check_display_name, changes["display_name"])
    if "roles" in changes:
        values["roles"] = _checked(domain.check_roles, changes["roles"])
    if "org_units" in changes:
        values["org_units"] = _granted(
            acting, _checked(domain.check_org_units, changes["org_units"])
        )
    if "active" in changes:
        values["active"] = changes["active"]
    user = await _locked_user(uow, user_id, expected, acting)
    _refuse_self_change(
        acting, user, values.get("roles", user.roles), values.get("active", user.active)
    )
    if all(getattr(user, k) == v for k, v in values.items()):
        return user  # nothing changes: no new version
    out = await _save_user(uow, user, values, now=now)
    if user.active and not out.active:
        await _revoke_all_tokens(uow, user.id, now=now)
    await uow.commit()
    return out


async def reset_password(
    user_id: uuid.UUID,
    cmd: PasswordIn,
    expected: int | None,
    uow: UnitOfWork,
    *,
    acting: Principal,
    now: datetime,
) -> UserAdminOut:
    """Set a new password and revoke every token the user holds: whoever had the old
    password, or a token got with it, is signed out."""
    user = await _locked_user(uow, user_id, expected, acting)
    _checked(domain.check_password, cmd.password, user.username)
    password_hash = await asyncio.to_thread(hash_password, cmd.password)
    out = await _save_user(uow, user, {"password_hash": password_hash}, now=now)
    await _revoke_all_tokens(uow, user.id, now=now)
    await uow.commit()
    return out


async def deactivate_user(
    user_id: uuid.UUID, expected: int | None, uow: UnitOfWork, *, acting: Principal, now: datetime
) -> UserAdminOut:
    """Mark the user inactive (it can no longer sign in) and revoke its tokens."""
    user = await _locked_user(uow, user_id, expected, acting)
    _refuse_self_change(acting, user, user.roles, False)
    if not user.active:
        return user  # already done: no new version
    out = await _save_user(uow, user, {"active": False}, now=now)
    await _revoke_all_tokens(uow, user.id, now=now)
    await uow.commit()
    return out
