"""Who may do what: roles, the permission table, the route table and token digests.

Pure and synchronous: no database, no HTTP.
"""

from __future__ import annotations

import hashlib
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
}

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


# The permission table. admin: everything. operator: runs the daily work (the installed
# base and its bulk imports, callouts, messages) but does not change the product list or
# the service types. viewer: reads everything (import jobs too), changes nothing.
ROLE_PERMISSIONS: Mapping[str, frozenset[Permission]] = {
    "admin": _grants(ROUTES, Access.READ, Access.WRITE),
    "operator": _grants(ROUTES, Access.READ)
    | _grants(("customers", "serial-items", "imports", "callouts", "messages"), Access.WRITE),
    "viewer": _grants(ROUTES, Access.READ),
}
ROLES = frozenset(ROLE_PERMISSIONS)


class UnknownRole(ValueError):
    pass


def is_allowed(roles: Iterable[str], resource: str, access: Access) -> bool:
    """True when any of ``roles`` grants ``access`` to ``resource``; unknown roles grant nothing."""
    wanted = Permission(resource, access)
    return any(wanted in ROLE_PERMISSIONS.get(role, frozenset()) for role in roles)


def check_roles(roles: Iterable[str]) -> list[str]:
    """Deduplicated, sorted roles; raises ``UnknownRole`` naming the first unknown one."""
    result = sorted(set(roles))
    for role in result:
        if role not in ROLES:
            raise UnknownRole(f"unknown role {role!r}; known roles: {', '.join(sorted(ROLES))}")
    return result


def normalize_username(username: str) -> str:
    # Usernames are compared case-insensitively: "Dev" and "dev" are one account.
    return username.strip().lower()


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
