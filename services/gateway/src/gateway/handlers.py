"""The gateway's use cases: sign in, resolve a bearer token, sign out, keep users
(``seed-dev-user``) and administer them (``/auth/users``, admins only)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_kit.keyset import after
from aftersales_kit.pagination import Page, decode_cursor, page_of
from aftersales_kit.problems import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
    Unprocessable,
)
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from gateway import domain, tables
from gateway import passwords as passwords_module
from gateway.passwords import PasswordWork, needs_rehash
from gateway.schemas import (
    Credentials,
    MePatch,
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
    email: str | None = None
    mobile: str | None = None

    def to_out(self) -> UserOut:
        return UserOut(
            id=self.user_id,
            username=self.username,
            display_name=self.display_name,
            roles=list(self.roles),
            org_units=list(self.org_units),
            email=self.email,
            mobile=self.mobile,
        )


class SignInThrottled(TooManyRequests):
    """429: too many failed sign-ins for the username or the client address. One answer
    whether or not the account exists, and the password is not checked."""

    def __init__(self, wait: timedelta) -> None:
        seconds = domain.retry_after_seconds(wait)
        super().__init__(
            f"too many failed sign-ins; try again in {seconds} seconds", retry_after=seconds
        )


class PasswordWorkBusy(ServiceUnavailable):
    """Every slot for password hashing stayed taken for the whole wait (a sign-in flood)."""

    def __init__(self) -> None:
        super().__init__("too many sign-ins or password changes at once; try again shortly")


@dataclass(frozen=True)
class SignInLimits:
    """What ``issue_token`` needs beyond the credentials (``Settings`` has the values)."""

    username_policy: domain.ThrottlePolicy
    address_policy: domain.ThrottlePolicy
    ttl_minutes: int
    max_live_tokens: int


@contextlib.asynccontextmanager
async def _password_slot(passwords: PasswordWork) -> AsyncIterator[None]:
    try:
        async with passwords.slot():
            yield
    except passwords_module.PasswordWorkBusy as error:
        raise PasswordWorkBusy() from error


async def _hash(passwords: PasswordWork, password: str) -> str:
    async with _password_slot(passwords):
        return await passwords.hash(password)


_ThrottleKeys = tuple[tuple[domain.ThrottleScope, str], ...]


async def _refuse_if_throttled(uow: UnitOfWork, keys: _ThrottleKeys, now: datetime) -> None:
    """429 when any of the keys is locked out (the longest lockout is the one to wait)."""
    records = await _throttle_records(uow, keys, lock=False)
    waits = [w for r in records.values() if (w := domain.blocked_for(r, now)) is not None]
    if waits:
        raise SignInThrottled(max(waits))


async def _throttle_records(
    uow: UnitOfWork, keys: _ThrottleKeys, *, lock: bool
) -> dict[tuple[str, str], domain.FailureRecord]:
    t = tables.signin_throttle
    query = select(t).where(or_(*(and_(t.c.scope == scope, t.c.key == key) for scope, key in keys)))
    if lock:
        # In key order, so that two replicas counting the same keys cannot deadlock.
        query = query.order_by(t.c.scope, t.c.key).with_for_update()
    rows = (await uow.session.execute(query)).mappings()
    return {
        (r["scope"], r["key"]): domain.FailureRecord(
            failures=r["failures"],
            last_failure_at=r["last_failure_at"],
            blocked_until=r["blocked_until"],
        )
        for r in rows
    }


async def _count_failure(
    uow: UnitOfWork,
    keys: _ThrottleKeys,
    policies: dict[domain.ThrottleScope, domain.ThrottlePolicy],
    now: datetime,
) -> None:
    """One more failure for each key, counted under a row lock so that replicas signing
    in the same username at once each count theirs."""
    t = tables.signin_throttle
    await uow.session.execute(delete(t).where(t.c.forget_at < now))
    # A row to lock for a key seen the first time (no failures: the count starts below).
    await uow.session.execute(
        insert(t)
        .values(
            [
                {
                    "scope": scope,
                    "key": key,
                    "failures": 0,
                    "last_failure_at": now,
                    "forget_at": now,
                }
                for scope, key in keys
            ]
        )
        .on_conflict_do_nothing(index_elements=["scope", "key"])
    )
    records = await _throttle_records(uow, keys, lock=True)
    for scope, key in keys:
        policy = policies[scope]
        record = domain.after_failure(records.get((scope, key)), now, policy)
        await uow.session.execute(
            update(t)
            .where(t.c.scope == scope, t.c.key == key)
            .values(
                failures=record.failures,
                last_failure_at=record.last_failure_at,
                blocked_until=record.blocked_until,
                forget_at=domain.forget_at(record, policy),
            )
        )


async def issue_token(
    cmd: Credentials,
    uows: Callable[[], UnitOfWork],
    passwords: PasswordWork,
    *,
    address: str,
    limits: SignInLimits,
    now: datetime,
) -> TokenOut:
    """Sign in: throttled per username and per client address, the password checked on
    a bounded number of hashing slots, a token issued within the user's cap.

    Each step is its own short transaction: no database connection is held while a
    request waits for a slot or while Argon2 runs."""
    username = domain.normalize_username(cmd.username)
    keys: _ThrottleKeys = (
        (domain.ThrottleScope.USERNAME, username),
        (domain.ThrottleScope.ADDRESS, address),
    )
    # A locked-out key is refused before it waits for a slot or costs a hash.
    async with uows() as uow:
        await _refuse_if_throttled(uow, keys, now)
    async with _password_slot(passwords):
        async with uows() as uow:
            # Again with the slot held: a lockout earned while this request waited counts.
            await _refuse_if_throttled(uow, keys, now)
            user = (
                await uow.session.execute(
                    select(
                        tables.user_account.c.id,
                        tables.user_account.c.password_hash,
                        tables.user_account.c.active,
                    ).where(tables.user_account.c.username == username)
                )
            ).first()
        # An unknown username is verified against a dummy hash: the same cost and time.
        ok = await passwords.verify(user.password_hash if user else None, cmd.password)
        if user is None or not ok or not user.active:
            # Counted before the slot is let go: the next sign-in on it sees this failure.
            async with uows() as uow:
                await _count_failure(
                    uow,
                    keys,
                    {
                        domain.ThrottleScope.USERNAME: limits.username_policy,
                        domain.ThrottleScope.ADDRESS: limits.address_policy,
                    },
                    now,
                )
                await uow.commit()
            raise InvalidCredentials()
    new_hash = None
    if needs_rehash(user.password_hash):
        new_hash = await _hash(passwords, cmd.password)
    async with uows() as uow:
        token = await _issue_for(uow, user.id, user.password_hash, new_hash, limits, now)
        # A success forgets the username's failures, never the address's: one account the
        # client knows must not reset its count for guessing at others.
        await uow.session.execute(
            delete(tables.signin_throttle).where(
                tables.signin_throttle.c.scope == domain.ThrottleScope.USERNAME,
                tables.signin_throttle.c.key == username,
            )
        )
        await uow.commit()
    return TokenOut(access_token=token, expires_in=limits.ttl_minutes * 60)


async def _issue_for(
    uow: UnitOfWork,
    user_id: uuid.UUID,
    verified_hash: str,
    new_hash: str | None,
    limits: SignInLimits,
    now: datetime,
) -> str:
    u, t = tables.user_account, tables.access_token
    # Locked: concurrent sign-ins of one user issue one after the other, so the cap holds.
    current = (
        await uow.session.execute(
            select(u.c.password_hash, u.c.active).where(u.c.id == user_id).with_for_update()
        )
    ).first()
    if current is None or not current.active or current.password_hash != verified_hash:
        raise InvalidCredentials()  # deactivated or reset since the password was checked
    if new_hash is not None:
        await uow.session.execute(update(u).where(u.c.id == user_id).values(password_hash=new_hash))
    await uow.session.execute(
        delete(t).where(t.c.user_id == user_id, t.c.expires_at < now - TOKEN_RETENTION)
    )
    token = domain.new_token()
    token_id = uuid.uuid4()
    await uow.session.execute(
        t.insert().values(
            id=token_id,
            token_hash=domain.token_digest(token),
            user_id=user_id,
            created_at=now,
            expires_at=domain.token_expiry(now, limits.ttl_minutes),
        )
    )
    # At most max_live_tokens live: the new one and the newest others; the rest revoked.
    keep = (
        select(t.c.id)
        .where(
            t.c.user_id == user_id,
            t.c.id != token_id,
            t.c.revoked_at.is_(None),
            t.c.expires_at > now,
        )
        .order_by(t.c.created_at.desc(), t.c.id.desc())
        .offset(limits.max_live_tokens - 1)
    )
    await uow.session.execute(
        update(t).where(t.c.id.in_(keep.scalar_subquery())).values(revoked_at=now)
    )
    return token


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
                u.c.email,
                u.c.mobile,
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
        email=row.email,
        mobile=row.mobile,
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
    passwords: PasswordWork | None = None,
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
        "password_hash": await _hash(passwords or PasswordWork(), password),
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
    cmd: UserIn, uow: UnitOfWork, passwords: PasswordWork, *, acting: Principal, now: datetime
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
        email=str(cmd.email) if cmd.email is not None else None,
        mobile=cmd.mobile,
        active=True,
        version=1,
        created_at=now,
        updated_at=now,
    )
    password_hash = await _hash(passwords, cmd.password)
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


# What ``null`` removes in a change of an account: the addresses, which are optional.
_REMOVABLE = frozenset({"email", "mobile"})


def _addresses(changes: dict[str, Any]) -> dict[str, Any]:
    """The e-mail and mobile of a change (validated by the schema), ``None`` removing one."""
    return {
        name: (str(changes[name]) if changes[name] is not None else None)
        for name in _REMOVABLE
        if name in changes
    }


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
        if value is None and field not in _REMOVABLE:
            raise Unprocessable(f"{field} must not be null", field=field)
    values: dict[str, Any] = _addresses(changes)
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


async def update_me(
    principal: Principal, cmd: MePatch, uow: UnitOfWork, *, now: datetime
) -> UserOut:
    """The caller's own e-mail address and mobile number; a field left out stays."""
    values = _addresses(cmd.model_dump(exclude_unset=True))
    u = tables.user_account
    row = (
        (
            await uow.session.execute(
                select(*_OUT_COLUMNS).where(u.c.id == principal.user_id).with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UserNotFound(principal.user_id)
    user = _user_out(row)
    if values and any(getattr(user, k) != v for k, v in values.items()):
        user = await _save_user(uow, user, values, now=now)
        await uow.commit()
    return replace(principal, email=user.email, mobile=user.mobile).to_out()


async def reset_password(
    user_id: uuid.UUID,
    cmd: PasswordIn,
    expected: int | None,
    uow: UnitOfWork,
    passwords: PasswordWork,
    *,
    acting: Principal,
    now: datetime,
) -> UserAdminOut:
    """Set a new password and revoke every token the user holds: whoever had the old
    password, or a token got with it, is signed out."""
    user = await _locked_user(uow, user_id, expected, acting)
    _checked(domain.check_password, cmd.password, user.username)
    password_hash = await _hash(passwords, cmd.password)
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
