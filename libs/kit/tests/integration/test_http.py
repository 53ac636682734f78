"""The app factory: readiness against real dependencies, and errors as problem details."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from aftersales_kit.http import create_app
from aftersales_kit.problems import PROBLEM_JSON, Problem
from aftersales_kit.telemetry import current_trace_id

from ..conftest import RuntimeFactory

router = APIRouter()


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug, not bad input")


@router.get("/taken")
async def taken() -> None:
    raise Problem("That name is taken.", status=409, title="Conflict", field="name")


@router.get("/items")
async def items(limit: int) -> dict[str, int]:
    return {"limit": limit}


@router.get("/trace")
async def current_trace() -> dict[str, str | None]:
    return {"trace_id": current_trace_id()}


@pytest.fixture
async def client(make_runtime: RuntimeFactory) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_runtime(), title="kit-test", routers=[router])
    # Starlette re-raises an unhandled exception after its 500 handler has answered, for
    # the server to log; the transport must not turn that into a test failure.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://kit") as client,
    ):
        yield client


async def test_ready_with_database_and_broker_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] is True
    assert body["checks"]["broker"] is True
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_an_unhandled_error_is_a_500_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom", headers={"X-Request-ID": "req-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 500
    assert body["instance"] == "/boom"
    # The request id ties the answer to the server's log of the failure.
    assert body["request_id"] == "req-1"
    assert response.headers["X-Request-ID"] == "req-1"
    # Internals stay internal.
    assert "a bug" not in response.text


async def test_a_problem_keeps_its_status_and_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/taken", headers={"X-Request-ID": "req-2"})
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.headers["X-Request-ID"] == "req-2"
    body = response.json()
    assert body["field"] == "name"
    assert body["detail"] == "That name is taken."
    assert body["title"] == "Conflict"
    assert body["request_id"] == "req-2"


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_bad_input_is_a_422_naming_the_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/items", params={"limit": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == "query.limit"
    assert (await client.get("/items", params={"limit": "3"})).json() == {"limit": 3}


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    for limit in (1, 2, 3):
        assert (await client.get("/items", params={"limit": limit})).status_code == 200
    assert (await client.get("/items")).status_code == 422
    assert (await client.get("/no/such/route")).status_code == 404
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    items = 'aftersales_http_requests_total{method="GET",route="/items",service="kit-test",'
    assert samples[items + 'status="200"}'] >= 3
    assert samples[items + 'status="422"}'] >= 1
    # A path no route matched is one label value, not one per path.
    assert not any("/no/such/route" in name for name in samples)
    assert any('route="unmatched"' in name for name in samples)


def _samples(text: str) -> dict[str, float]:
    lines = (line.rsplit(" ", 1) for line in text.splitlines() if not line.startswith("#"))
    return {name: float(value) for name, value in lines}


async def test_every_app_refuses_control_characters_and_huge_numbers_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    nul = await client.get("/items", params={"limit": "1", "filter": "a\x00b"})
    assert nul.status_code == 422
    assert nul.json()["field"] == "query.filter"
    # The guard's answer carries the request id like any other.
    assert nul.headers["x-request-id"]


async def test_a_clients_request_id_is_kept_only_when_it_looks_like_one(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/healthz", headers={"X-Request-ID": "abc-123.x"})
    assert kept.headers["x-request-id"] == "abc-123.x"
    replaced = await client.get("/healthz", headers={"X-Request-ID": "x" * 5000})
    assert replaced.headers["x-request-id"] != "x" * 5000
    assert len(replaced.headers["x-request-id"]) == 32


@pytest.fixture
def spans(client: httpx.AsyncClient) -> Iterator[InMemorySpanExporter]:
    """The spans ended during the test (the process's tracer provider, set by the runtime;
    a processor cannot be removed from it, so the exporter stops keeping them after)."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


async def test_a_request_is_one_server_span_in_its_callers_trace(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    caller_trace, caller_span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    response = await client.get(
        "/trace", headers={"traceparent": f"00-{caller_trace}-{caller_span}-01"}
    )
    # The span is current while the route runs: log lines and outbox headers carry it.
    assert response.json() == {"trace_id": caller_trace}
    [span] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert span.name == "GET /trace"
    assert span.context is not None
    assert span.parent is not None
    assert format(span.context.trace_id, "032x") == caller_trace
    assert format(span.parent.span_id, "016x") == caller_span
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/trace"
    assert span.attributes["http.response.status_code"] == 200
    # One span a request: not one for each dependency, the endpoint and serialization.
    assert len(spans.get_finished_spans()) == 1


async def test_a_failed_request_is_an_error_span_and_probes_are_not_traced(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    for probe in ("/healthz", "/readyz", "/metrics"):
        assert (await client.get(probe)).status_code == 200
    assert spans.get_finished_spans() == ()
    assert (await client.get("/boom")).status_code == 500
    [span] = spans.get_finished_spans()
    assert span.name == "GET /boom"
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "RuntimeError"
