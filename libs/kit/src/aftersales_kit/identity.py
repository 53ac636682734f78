"""Who is calling a service: the identity headers the gateway sets on every request it
forwards, and a FastAPI dependency that reads them into a ``Caller``.

The gateway sets them from the authenticated user and never passes on a client's own
copy; it also signs the same identity (``signed_identity``), and with an internal secret
configured a service believes only that (``internal_auth`` verifies it and replaces these
headers by what the token says). Without a secret (development only) they are taken as
they come.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated

from fastapi import Depends, Request

from aftersales_kit.signed_identity import IDENTITY_HEADER, Caller

__all__ = [
    "IDENTITY_HEADER",
    "IDENTITY_HEADERS",
    "ORG_UNITS_HEADER",
    "ROLES_HEADER",
    "USER_HEADER",
    "Caller",
    "CallerDep",
    "caller_from_headers",
    "format_list",
    "get_caller",
    "parse_list",
]

USER_HEADER = "X-Aftersales-User"
# The caller's roles, comma-separated ("admin,operator"): for a service to refine a
# permission the gateway granted (an admin-only switch inside a resource, say).
ROLES_HEADER = "X-Aftersales-Roles"
# The org unit codes the caller may see, comma-separated. Absent: the caller is not
# restricted (sees every org unit). Present: only these units (and their descendants,
# where the service knows the tree); present but empty: none.
ORG_UNITS_HEADER = "X-Aftersales-Org-Units"
IDENTITY_HEADERS = (USER_HEADER, ROLES_HEADER, ORG_UNITS_HEADER)


def format_list(values: Iterable[str]) -> str:
    """A header value from a list: deduplicated, sorted, comma-separated."""
    return ",".join(sorted(set(values)))


def parse_list(value: str) -> frozenset[str]:
    """The items of a comma-separated header value; blanks are dropped."""
    return frozenset(item.strip() for item in value.split(",") if item.strip())


def caller_from_headers(headers: Mapping[str, str]) -> Caller:
    """Read the identity headers (``headers`` looks names up case-insensitively, as
    Starlette's and httpx's header mappings do)."""
    org_units = headers.get(ORG_UNITS_HEADER)
    return Caller(
        username=headers.get(USER_HEADER) or None,
        roles=parse_list(headers.get(ROLES_HEADER, "")),
        org_units=None if org_units is None else parse_list(org_units),
    )


async def get_caller(request: Request) -> Caller:
    """The verified caller where ``internal_auth`` checked the request, else (verification
    off, in development) the identity headers as they came."""
    caller = getattr(request.state, "caller", None)
    if isinstance(caller, Caller):
        return caller
    return caller_from_headers(request.headers)


CallerDep = Annotated[Caller, Depends(get_caller)]
