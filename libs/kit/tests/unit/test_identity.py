"""The identity headers the gateway sets, read into a ``Caller``."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from aftersales_kit.identity import (
    ORG_UNITS_HEADER,
    ROLES_HEADER,
    USER_HEADER,
    Caller,
    CallerDep,
    caller_from_headers,
    format_list,
    parse_list,
)


def test_lists_are_formatted_sorted_and_parsed_back() -> None:
    assert format_list(["operator", "admin", "admin"]) == "admin,operator"
    assert parse_list("admin, operator,,") == frozenset({"admin", "operator"})
    assert parse_list("") == frozenset()


def test_no_org_units_header_means_unrestricted() -> None:
    caller = caller_from_headers(httpx.Headers({USER_HEADER: "ada", ROLES_HEADER: "viewer"}))
    assert caller == Caller(username="ada", roles=frozenset({"viewer"}), org_units=None)
    assert not caller.restricted
    assert caller.has_role("viewer")
    assert not caller.has_role("admin")


def test_an_org_units_header_restricts_even_when_empty() -> None:
    headers = httpx.Headers({ORG_UNITS_HEADER.lower(): "OU-N, OU-S"})
    assert caller_from_headers(headers).org_units == frozenset({"OU-N", "OU-S"})
    empty = caller_from_headers(httpx.Headers({ORG_UNITS_HEADER: ""}))
    assert empty.restricted
    assert empty.org_units == frozenset()
    assert empty.username is None
    assert empty.roles == frozenset()


async def test_the_dependency_reads_the_request_headers() -> None:
    app = FastAPI()

    @app.get("/who")
    async def who(caller: CallerDep) -> dict[str, object]:
        return {
            "username": caller.username,
            "roles": sorted(caller.roles),
            "org_units": None if caller.org_units is None else sorted(caller.org_units),
        }

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://svc"
    ) as client:
        plain = await client.get("/who")
        restricted = await client.get(
            "/who",
            headers={USER_HEADER: "bo", ROLES_HEADER: "operator", ORG_UNITS_HEADER: "B,A"},
        )
    assert plain.json() == {"username": None, "roles": [], "org_units": None}
    assert restricted.json() == {"username": "bo", "roles": ["operator"], "org_units": ["A", "B"]}
