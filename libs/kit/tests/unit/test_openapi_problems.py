"""The statuses every route can answer, documented once by the kit (``document_problems``):
each error status with the problem schema, the common ones added where they apply."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer
from pydantic import BaseModel

from aftersales_kit.http import (
    LOCAL_TIME_PATTERN,
    PROBLEM_SCHEMA_NAME,
    document_problems,
    problem_responses,
)
from aftersales_kit.problems import PROBLEM_JSON
from aftersales_kit.versioning import IfMatchHeader

PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}


class Thing(BaseModel):
    name: str


def _app() -> FastAPI:
    router = APIRouter(prefix="/things")

    @router.get("")
    async def list_things() -> list[Thing]:
        return []

    @router.post("", status_code=201, responses=problem_responses(409, s409="the name is taken"))
    async def create(body: Thing) -> Thing:
        return body

    @router.put("/{thing_id}")
    async def replace(thing_id: uuid.UUID, body: Thing, if_match: IfMatchHeader = None) -> Thing:
        return body

    bearer = OAuth2PasswordBearer(tokenUrl="/token", auto_error=False)

    @router.get("/mine", dependencies=[Depends(bearer)])
    async def mine() -> list[Thing]:
        return []

    app = FastAPI()
    app.include_router(router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _statuses(document: dict[str, Any], path: str, method: str) -> set[str]:
    return set(document["paths"][path][method]["responses"])


def test_a_service_documents_401_422_and_503_everywhere_and_each_error_as_a_problem() -> None:
    document = document_problems(_app().openapi(), identity=True)
    assert _statuses(document, "/things", "get") == {"200", "401", "422", "503"}
    for path, item in document["paths"].items():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}, (
                        path,
                        status,
                    )
    assert document["components"]["schemas"][PROBLEM_SCHEMA_NAME]["required"] == [
        "type",
        "title",
        "status",
        "detail",
    ]
    # FastAPI's own 422 shape is not what a client gets, so it is gone.
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


def test_statuses_follow_what_an_operation_takes() -> None:
    document = document_problems(_app().openapi(), identity=True)
    # A JSON body: not JSON (400), too large (413); the route's own 409 keeps its words.
    create = document["paths"]["/things"]["post"]["responses"]
    assert set(create) == {"201", "400", "401", "409", "413", "422", "503"}
    assert create["409"]["description"] == "the name is taken"
    # A path parameter (404) and If-Match (400 malformed, 412 stale, 428 missing).
    assert _statuses(document, "/things/{thing_id}", "put") == {
        "200",
        "400",
        "401",
        "404",
        "412",
        "413",
        "422",
        "428",
        "503",
    }
    assert "Retry-After" in document["paths"]["/things"]["get"]["responses"]["503"]["headers"]


def test_the_edge_documents_401_only_where_a_token_is_required() -> None:
    document = document_problems(_app().openapi(), identity=False)
    assert "401" not in _statuses(document, "/things", "get")
    assert "401" in _statuses(document, "/things/mine", "get")


def test_health_is_left_as_it_is() -> None:
    document = document_problems(_app().openapi(), identity=True)
    assert _statuses(document, "/healthz", "get") == {"200"}


class Hours(BaseModel):
    start: dt.time
    end: dt.time | None = None


def test_a_wall_clock_time_is_documented_as_a_partial_time() -> None:
    app = FastAPI()

    @app.get("/hours")
    async def hours() -> Hours:
        return Hours(start=dt.time(8), end=dt.time(16, 30))

    document = document_problems(app.openapi(), identity=True)
    fields = document["components"]["schemas"]["Hours"]["properties"]
    start = fields["start"]
    assert (start["format"], start["pattern"]) == ("partial-time", LOCAL_TIME_PATTERN)
    end = next(s for s in fields["end"]["anyOf"] if s.get("type") == "string")
    assert end["format"] == "partial-time"
    pattern = re.compile(LOCAL_TIME_PATTERN)
    # What pydantic writes for a time passes; a full RFC 3339 time or nonsense does not.
    assert all(pattern.match(v) for v in ("08:00:00", "16:30", "23:59:59.5"))
    assert not any(pattern.match(v) for v in ("24:00:00", "8:00", "08:00:00Z"))
