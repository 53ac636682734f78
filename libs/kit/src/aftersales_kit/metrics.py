"""Prometheus metrics every service process exposes at ``/metrics``.

One registry per process. Labels stay few and bounded: the service, the route template
(never the raw path), the queue, the message type and an outcome from a fixed set.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry()

HTTP_REQUESTS = Counter(
    "aftersales_http_requests",
    "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "aftersales_http_request_seconds",
    "Time to answer an HTTP request.",
    ["service", "method", "route"],
    registry=REGISTRY,
)
MESSAGES = Counter(
    "aftersales_messages",
    "Messages a consumer took off its queue, by outcome: handled, duplicate (already in"
    " the inbox), dead_lettered (unparseable, unknown type, invalid envelope or"
    " unsupported schema version: published to the dead-letter queue at once; the reason"
    " is in aftersales_messages_dead_lettered), rejected (the same, where no dead-letter"
    " publisher was attached), requeued (held past the consumer timeout during an outage:"
    " published to the back of its queue), returned (the process stopped while it waited"
    " out an outage: nacked back to the broker) or failed (raised: redelivered up to the"
    " delivery limit).",
    ["queue", "type", "outcome"],
    registry=REGISTRY,
)
MESSAGE_SECONDS = Histogram(
    "aftersales_message_handling_seconds",
    "Time from taking a message to committing its effect.",
    ["queue"],
    registry=REGISTRY,
)
DEAD_LETTERED = Counter(
    "aftersales_messages_dead_lettered",
    "Messages a consumer sent to the dead-letter queue at once, by reason (unparseable,"
    " unknown type, invalid envelope, unsupported schema version).",
    ["queue", "reason"],
    registry=REGISTRY,
)
TRANSIENT_RETRIES = Counter(
    "aftersales_message_transient_retries",
    "Handler runs that failed for a transient infrastructure reason (the database or the"
    " broker away) and were retried in process after a backoff, spending no delivery.",
    ["queue", "dependency"],
    registry=REGISTRY,
)
DATABASE_GATE_CLOSURES = Counter(
    "aftersales_database_gate_closures",
    "Times the consumers of a process paused because the database was unreachable.",
    ["service"],
    registry=REGISTRY,
)
OUTBOX_PUBLISHED = Counter(
    "aftersales_outbox_published",
    "Outbox rows published and confirmed by the broker.",
    ["service"],
    registry=REGISTRY,
)
OUTBOX_FAILURES = Counter(
    "aftersales_outbox_publish_failures",
    "Outbox rows whose publish failed (they are retried).",
    ["service"],
    registry=REGISTRY,
)
LOOP_RESTARTS = Counter(
    "aftersales_background_loop_restarts",
    "Background loops (relay, dispatcher, workers) restarted after a crash.",
    ["service", "loop"],
    registry=REGISTRY,
)


def instrument_http(app: FastAPI, service: str) -> None:
    """Count and time every request by its route template; serve ``/metrics``."""

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        HTTP_SECONDS.labels(service, request.method, template).observe(
            time.perf_counter() - started
        )
        HTTP_REQUESTS.labels(service, request.method, template, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
