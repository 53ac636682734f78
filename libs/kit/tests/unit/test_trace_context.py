"""Where no span is exported, a request still runs in a trace: the caller's or a new one."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from aftersales_kit.telemetry import TraceContext, current_trace_id

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


async def trace_id(request: Request) -> PlainTextResponse:
    return PlainTextResponse(current_trace_id() or "none")


def client() -> httpx.AsyncClient:
    app = TraceContext(Starlette(routes=[Route("/", trace_id)]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_request_continues_the_callers_trace() -> None:
    async with client() as c:
        answer = await c.get("/", headers={"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"})
    assert answer.text == CALLER_TRACE


async def test_a_request_without_a_trace_gets_a_new_one_of_its_own() -> None:
    async with client() as c:
        first = (await c.get("/")).text
        second = (await c.get("/", headers={"traceparent": "not a traceparent"})).text
    assert len(first) == 32
    assert int(first, 16) != 0
    assert len(second) == 32
    assert second != first
    assert current_trace_id() is None  # the request's context did not leak out
