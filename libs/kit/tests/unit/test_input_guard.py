"""The input guard: NUL and control characters, 32-bit integers and the JSON size limit,
each refused with the status and the field a client can act on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from aftersales_kit.input_guard import (
    INT_MAX,
    INT_MIN,
    InputGuard,
    json_refusal,
    query_refusal,
    skip_prefixes,
    text_refusal,
)


def test_text_with_a_nul_or_control_character_is_refused_naming_the_field() -> None:
    refused = text_refusal("Ada\x00", "name")
    assert refused is not None
    assert (refused.status, refused.field) == (422, "name")
    assert "U+0000" in refused.detail
    assert text_refusal("bell\x07", "x") is not None
    assert text_refusal("c1\x85", "x") is not None
    assert text_refusal("del\x7f", "x") is not None


def test_tabs_line_breaks_and_any_printable_text_pass() -> None:
    assert text_refusal("line one\nline two\r\n\tindented", "body") is None
    assert text_refusal("Müller & Söhne ☃ 😀", "name") is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"customer": {"emails": ["a@b.c", "x\x00@b.c"]}}, "customer.emails.1"),
        ({"business_object": {"version": INT_MAX + 1}}, "business_object.version"),
        ({"n": INT_MIN - 1}, "n"),
        ({"attributes": {"bad\x00key": "v"}}, "attributes.bad\x00key"),
        ([{"ok": 1}, {"text": "\x1b[31m"}], "1.text"),
        ("\x00", "body"),
    ],
)
def test_the_first_bad_value_in_a_document_is_named_by_its_path(document: Any, field: str) -> None:
    refused = json_refusal(document)
    assert refused is not None
    assert (refused.status, refused.field) == (422, field)


def test_in_range_numbers_booleans_floats_and_nulls_pass() -> None:
    document = {"a": INT_MAX, "b": INT_MIN, "c": True, "d": 1e12, "e": None, "f": [0, -1]}
    assert json_refusal(document) is None


def test_query_parameters_are_named_with_their_origin() -> None:
    refused = query_refusal(b"state=sent&serial_number=SN%00")
    assert refused is not None
    assert refused.field == "query.serial_number"
    assert query_refusal(b"serial_number=SN-1&customer_name=M%C3%BCller") is None


class Body(BaseModel):
    name: str
    version: int


def _app(max_json_bytes: int = 1000) -> FastAPI:
    app = FastAPI()

    @app.post("/things")
    async def create(body: Body) -> dict[str, Any]:
        return body.model_dump()

    @app.get("/things")
    async def search(name: str = "") -> dict[str, str]:
        return {"name": name}

    @app.post("/upload")
    async def upload(body: bytes = b"") -> dict[str, int]:
        return {"size": 0}

    @app.post("/proxy/{rest:path}")
    async def proxied(rest: str) -> dict[str, str]:
        return {"rest": rest}

    app.add_middleware(InputGuard, max_json_bytes=max_json_bytes, skip=skip_prefixes(["/proxy/"]))
    return app


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_good_request_reaches_the_route_with_its_body_intact() -> None:
    async with await _client(_app()) as client:
        response = await client.post("/things", json={"name": "Ada\ttab", "version": 3})
    assert response.status_code == 200
    assert response.json() == {"name": "Ada\ttab", "version": 3}


async def test_a_nul_in_the_body_is_a_422_problem_naming_the_field() -> None:
    async with await _client(_app()) as client:
        response = await client.post("/things", json={"name": "a\u0000", "version": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "name"


async def test_an_integer_past_32_bits_is_a_422_naming_the_field() -> None:
    async with await _client(_app()) as client:
        response = await client.post("/things", json={"name": "a", "version": 2147483648})
    assert response.status_code == 422
    assert response.json()["field"] == "version"


async def test_a_nul_in_the_query_is_a_422_naming_the_parameter() -> None:
    async with await _client(_app()) as client:
        response = await client.get("/things", params={"name": "a\x00"})
    assert response.status_code == 422
    assert response.json()["field"] == "query.name"


async def test_a_json_body_over_the_limit_is_a_413_before_it_is_read() -> None:
    async with await _client(_app(max_json_bytes=100)) as client:
        declared = await client.post("/things", json={"name": "x" * 200, "version": 1})

        async def stream() -> Any:
            yield b'{"name": "'
            yield b"x" * 200
            yield b'", "version": 1}'

        streamed = await client.post(
            "/things", content=stream(), headers={"content-type": "application/json"}
        )
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert declared.json()["field"] == "body"


async def test_other_bodies_and_skipped_paths_pass_untouched() -> None:
    async with await _client(_app(max_json_bytes=10)) as client:
        upload = await client.post(
            "/upload", content=b"a,b\n\x00,1\n" * 10, headers={"content-type": "text/csv"}
        )
        proxied = await client.post("/proxy/x", json={"name": "\u0000" * 50})
    assert upload.status_code == 200
    assert proxied.status_code == 200


async def test_malformed_json_is_left_to_the_route_to_refuse() -> None:
    async with await _client(_app()) as client:
        response = await client.post(
            "/things", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 422
