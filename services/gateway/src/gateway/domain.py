"""Who may do what: roles, the permission table, the route table and token digests.

Pure and synchronous: no database, no HTTP.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


# The public resources (first path segment after /api) and the service that owns each.
# Nothing outside this table is forwarded: internal APIs are not reachable another way.
ROUTES: Mapping[str, str] = {
    "products": "catalog",
    "customers": "catalog",
    "serial-items": "catalog",
    "org-units": "catalog",
    # Bulk imports of customers and serial items: a job per uploaded file.
    "imports": "catalog",
    "service-types": "servicetypes",
    "callouts": "scheduling",
    "messages": "notifications",
    "message-templates": "notifications",
    "reports": "notifications",
    # The print queue of letter customers' reports, per print tag: the office (operators
    # and admins) lists, downloads and marks them printed.
    "print-queue": "notifications",
    # Per-org-unit SMTP and sender settings: admins only (the password is never returned).
    "sending-settings": "notifications",
    # Each user's own notification choices, and the admin's switches over anyone's.
    "my-notification-preferences": "notifications",
    "notification-preferences": "notifications",
    # Field work: technicians, vehicles and order kinds (set up by admins), service orders
    # and their cases, and the read views over them (board, planning, my day, map).
    "technicians": "fieldwork",
    "vehicles": "fieldwork",
    "order-kinds": "fieldwork",
    "service-orders": "fieldwork",
    "service-cases": "fieldwork",
    "board": "fieldwork",
    "planning": "fieldwork",
    "my-day": "fieldwork",
    "map": "fieldwork",
    # Service protocols filled on site (with their photos), and each org unit's document
    # settings (internal e-mail addresses, the protocol's file name): admins only.
    "protocols": "fieldwork",
    "document-settings": "fieldwork",
    # Campaigns: service campaigns, the case templates they use and the cases they open
    # (parent cases and one customer-nonconformity case per serial item).
    "campaigns": "campaigns",
    "case-templates": "campaigns",
    "cases": "campaigns",
}

# Resources only admins may read: left out of everyone else's blanket read grant.
ADMIN_ONLY = frozenset({"sending-settings", "notification-preferences", "document-settings"})
# Resources for the office alone: operators and admins read and write them, viewers not.
OPERATOR_ONLY = frozenset({"print-queue"})
READABLE = [r for r in ROUTES if r not in ADMIN_ONLY | OPERATOR_ONLY]

# Safe methods read; everything else the gateway forwards changes state.
METHOD_ACCESS: Mapping[str, Access] = {
    "GET": Access.READ,
    "HEAD": Access.READ,
    "POST": Access.WRITE,
    "PUT": Access.WRITE,
    "PATCH": Access.WRITE,
    "DELETE": Access.WRITE,
}


# POSTs that compute an answer and change nothing: they need read access only.
READ_ONLY_POSTS = frozenset({"/service-types/preview"})


def access_for(method: str, path: str) -> Access:
    """What a request needs: by its method, except the read-only POSTs (by upstream path)."""
    if method == "POST" and path.rstrip("/") in READ_ONLY_POSTS:
        return Access.READ
    return METHOD_ACCESS[method]


@dataclass(frozen=True)
class Permission:
    resource: str
    access: Access


def _grants(resources: Iterable[str], *accesses: Access) -> frozenset[Permission]:
    return frozenset(Permission(r, a) for r in resources for a in accesses)


# The gateway's own user administration (/auth/users): not a forwarded resource.
USERS = "users"

# The permission table. admin: everything, users included. operator: runs the daily work
# (the installed base and its bulk imports, callouts, messages) but does not change the
# product list, the service types or the message templates. viewer: reads everything
# forwarded (import jobs too) and changes nothing but their own notification choices.
# Only admins see or change users, sending settings and other users' notification
# switches. Field work: operators (planners) create, change and plan service orders (their
# bookings, actions and confirmations are under /service-orders) and cases; technicians,
# vehicles and order kinds are set up by admins. technician: reads and acts on
# service orders and reads their own day and map — field work itself narrows them to the
# orders assigned to them (another order is 404) and to the status actions (403 for the
# rest); they keep their own notification choices. Campaigns: admins manage campaigns,
# case templates and parent cases; operators read them and write "cases" to close cases
# by hand (campaigns itself refuses them what is admin-only, such as creating a parent
# case); viewers read; technicians see nothing of campaigns (field work shows them the
# open campaign cases of the orders they work on).
ROLE_PERMISSIONS: Mapping[str, frozenset[Permission]] = {
    "admin": _grants((*ROUTES, USERS), Access.READ, Access.WRITE),
    "operator": _grants((*READABLE, *OPERATOR_ONLY), Access.READ)
    | _grants(OPERATOR_ONLY, Access.WRITE)
    | _grants(
        (
            "customers",
            "serial-items",
            "imports",
            "callouts",
            "messages",
            "reports",
            "my-notification-preferences",
            "service-orders",
            "service-cases",
            "protocols",
            "cases",
        ),
        Access.WRITE,
    ),
    "viewer": _grants(READABLE, Access.READ)
    | _grants(("my-notification-preferences",), Access.WRITE),
    "technician": _grants(
        ("service-orders", "protocols", "my-notification-preferences"), Access.READ, Access.WRITE
    )
    # Their own technician record (field work answers only theirs), and the vehicles and
    # order kinds their orders name: read, for the technician's phone.
    | _grants(("my-day", "map", "technicians", "vehicles", "order-kinds"), Access.READ),
}
ROLES = frozenset(ROLE_PERMISSIONS)


class InvalidUserField(ValueError):
    """A user's field breaks a rule; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def is_allowed(roles: Iterable[str], resource: str, access: Access) -> bool:
    """True when any of ``roles`` grants ``access`` to ``resource``; unknown roles grant nothing."""
    wanted = Permission(resource, access)
    return any(wanted in ROLE_PERMISSIONS.get(role, frozenset()) for role in roles)


def check_roles(roles: Iterable[str]) -> list[str]:
    """Deduplicated, sorted roles; raises ``InvalidUserField`` naming the first unknown one."""
    result = sorted(set(roles))
    for role in result:
        if role not in ROLES:
            raise InvalidUserField(
                "roles", f"unknown role {role!r}; known roles: {', '.join(sorted(ROLES))}"
            )
    return result


def normalize_username(username: str) -> str:
    # Usernames are compared case-insensitively: "Dev" and "dev" are one account.
    return username.strip().lower()


ADMIN = "admin"

# Usernames made through the API: ASCII (they travel upstream in a header), starting
# with a letter or digit. (seed-dev-user keeps any non-blank name.)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,149}$")
# Org unit codes travel comma-separated in a header: printable ASCII, no comma, no
# leading or trailing space. Catalog's codes may in theory hold more; such a unit cannot
# be given to a user.
_CODE_CHAR = r"[\x21-\x2b\x2d-\x7e]"  # printable ASCII but the comma
_ORG_UNIT_CODE = re.compile(rf"^{_CODE_CHAR}(?:(?:{_CODE_CHAR}| ){{0,48}}{_CODE_CHAR})?$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


def check_username(username: str) -> str:
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name):
        raise InvalidUserField(
            "username",
            "a username is 1-150 of a-z, 0-9 and . _ @ -, starting with a letter or digit",
        )
    return name


def check_display_name(display_name: str) -> str:
    name = display_name.strip()
    if not name:
        raise InvalidUserField("display_name", "a display name must not be blank")
    return name


def check_password(password: str, username: str) -> None:
    """The strength rule: long enough, not mostly one character, not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUserField(
            "password", f"a password has at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidUserField(
            "password", f"a password has at most {MAX_PASSWORD_LENGTH} characters"
        )
    if len(set(password)) < 5:
        raise InvalidUserField("password", "a password needs at least 5 different characters")
    if username and username in password.lower():
        raise InvalidUserField("password", "a password must not contain the username")


def check_org_units(codes: Iterable[str]) -> list[str]:
    """Deduplicated, sorted org unit codes (empty: every org unit)."""
    result = sorted(set(codes))
    for code in result:
        if not _ORG_UNIT_CODE.fullmatch(code):
            raise InvalidUserField(
                "org_units",
                f"org unit code {code!r} must be 1-50 printable ASCII characters without"
                " a comma or surrounding spaces",
            )
    return result


class SelfChangeRefused(ValueError):
    """An admin's change to their own account that could lock everyone out; ``field``
    names what they tried to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_self_change(
    *, acting_user: object, target_user: object, roles: Iterable[str], active: bool
) -> None:
    """Refuse an admin removing their own admin role or deactivating themselves: they
    could leave nobody to undo it. Changes to other users are not this rule's business."""
    if acting_user != target_user:
        return
    if ADMIN not in roles:
        raise SelfChangeRefused("roles", "you may not remove your own admin role")
    if not active:
        raise SelfChangeRefused("active", "you may not deactivate yourself")


def in_scope(admin_units: Iterable[str], user_units: Iterable[str]) -> bool:
    """Whether an admin administers a user: an unrestricted admin (no org units) every
    user; an admin restricted to org units only users restricted to some of those same
    units — never an unrestricted user, whose scope is wider than the admin's own. The
    gateway does not know the org unit tree (catalog does), so "some of those" means the
    same codes: a unit below one of the admin's is out of scope, failing closed."""
    admin = set(admin_units)
    if not admin:
        return True
    user = set(user_units)
    return bool(user) and user <= admin


class OutOfScope(ValueError):
    """A restricted admin would give a user more than the admin's own org units."""

    field = "org_units"


def check_granted_scope(admin_units: Iterable[str], granted: Iterable[str]) -> None:
    """Refuse a restricted admin granting org units beyond its own, or none (everything):
    the escalation of a restricted admin lifting its own or another user's restriction."""
    admin = set(admin_units)
    if not admin:
        return
    units = set(granted)
    if not units:
        raise OutOfScope(
            "an admin restricted to org units may not grant every org unit (an empty list)"
        )
    if outside := sorted(units - admin):
        raise OutOfScope(f"org units outside your own may not be granted: {', '.join(outside)}")


@dataclass(frozen=True)
class Route:
    service: str
    resource: str
    path: str  # the upstream path: the public path without "/api"


class NoRoute(LookupError):
    pass


def resolve_route(public_path: str) -> Route:
    """Map ``/api/<resource>[/...]`` to its owning service; raises ``NoRoute`` otherwise.

    ``public_path`` is the percent-decoded path. Dot segments are refused, so that no
    path can be normalised (here or upstream) into one outside its resource.
    """
    if not public_path.startswith("/api/"):
        raise NoRoute(public_path)
    path = public_path[len("/api") :]
    segments = path.split("/")[1:]
    if any(s in (".", "..") for s in segments) or "\\" in path:
        raise NoRoute(public_path)
    resource = segments[0]
    service = ROUTES.get(resource)
    if service is None:
        raise NoRoute(public_path)
    return Route(service=service, resource=resource, path=path)


def new_token() -> str:
    """An opaque bearer token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored instead of the token. A fast hash suffices: the token has 256 bits
    of entropy, so unlike a password it cannot be guessed from a leaked digest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_expiry(now: datetime, ttl_minutes: int) -> datetime:
    return now + timedelta(minutes=ttl_minutes)


def token_is_live(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    return revoked_at is None and now < expires_at


# --- sign-in throttling ------------------------------------------------------------------
#
# Failed sign-ins are counted per key (a username, a client address); a key with too many
# is refused for a while without its password being checked. The rules are here, pure;
# the counts live in the gateway's database (handlers), so every replica sees the same.


class ThrottleScope(StrEnum):
    USERNAME = "username"
    ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    """When a key is locked out: at ``max_failures`` failures in a row (none forgotten)
    for ``first_lockout``, doubling with each further failure up to ``max_lockout``. A
    key's failures are forgotten once it has been quiet for ``window`` (no failure and no
    lockout running)."""

    max_failures: int
    window: timedelta
    first_lockout: timedelta
    max_lockout: timedelta


@dataclass(frozen=True)
class FailureRecord:
    """A key's failed sign-ins: how many, the last one, and the lockout it earned."""

    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None = None


def forget_at(record: FailureRecord, policy: ThrottlePolicy) -> datetime:
    """When the record stops mattering: a window after its last failure or lockout."""
    quiet_from = record.last_failure_at
    if record.blocked_until is not None and record.blocked_until > quiet_from:
        quiet_from = record.blocked_until
    return quiet_from + policy.window


def blocked_for(record: FailureRecord | None, now: datetime) -> timedelta | None:
    """How long the key is still locked out, or ``None`` when it may try."""
    if record is None or record.blocked_until is None or record.blocked_until <= now:
        return None
    return record.blocked_until - now


def lockout(failures: int, policy: ThrottlePolicy) -> timedelta | None:
    """The lockout the ``failures``-th failure in a row earns: none below the limit, then
    ``first_lockout`` doubled per failure beyond it, capped."""
    beyond = failures - policy.max_failures
    if beyond < 0:
        return None
    # Doubling past the cap is pointless and 2**beyond would grow without bound.
    seconds = policy.first_lockout.total_seconds() * 2 ** min(beyond, 40)
    return min(timedelta(seconds=seconds), policy.max_lockout)


def after_failure(
    record: FailureRecord | None, now: datetime, policy: ThrottlePolicy
) -> FailureRecord:
    """The key's record once one more failure is counted at ``now``."""
    failures = 1
    if record is not None and now < forget_at(record, policy):
        failures = record.failures + 1
    locked = lockout(failures, policy)
    return FailureRecord(
        failures=failures,
        last_failure_at=now,
        blocked_until=None if locked is None else now + locked,
    )


def retry_after_seconds(wait: timedelta) -> int:
    """Whole seconds for ``Retry-After``, rounded up (never 0: the key is still locked)."""
    whole = int(wait.total_seconds())
    return max(1, whole + (whole < wait.total_seconds()))


def client_address(
    peer: str | None,
    forwarded_for: Iterable[str],
    trusted_proxies: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> str:
    """The address a sign-in is counted against.

    The peer, unless it is a trusted proxy: then ``X-Forwarded-For`` is read from the
    right (each proxy appends the address it was called from) and the first address that
    is not a trusted proxy is the client's. Anything left of it was written by the client
    and can say anything, so it is never read. A malformed entry stands for nobody: the
    proxy that passed it on is counted instead. An IPv6 client is counted by its /64 (one
    subscriber's network: a client has the whole of it to rotate through)."""
    trusted = list(trusted_proxies)
    current = _ip(peer)
    if current is None:
        return "unknown"
    if _is_trusted(current, trusted):
        entries = [e.strip() for header in forwarded_for for e in header.split(",")]
        for entry in reversed([e for e in entries if e]):
            hop = _ip(entry)
            if hop is None:
                break
            current = hop
            if not _is_trusted(hop, trusted):
                break
    return address_key(current)


def address_key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address, also as ``1.2.3.4:port`` or ``[2001:db8::1]:port``; ``None`` if not one."""
    if not text:
        return None
    candidates = [text]
    if text.startswith("["):
        candidates.append(text[1:].split("]", 1)[0])
    elif text.count(":") == 1:
        candidates.append(text.split(":", 1)[0])
    for candidate in candidates:
        try:
            return ipaddress.ip_address(candidate)
        except ValueError:
            continue
    return None


def _is_trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> bool:
    return any(address.version == net.version and address in net for net in trusted)
