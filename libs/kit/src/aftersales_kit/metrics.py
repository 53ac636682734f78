"""Prometheus metrics every service process exposes at ``/metrics``.

One registry per process. Labels stay few and bounded: the service, the route template
(never the raw path), the queue, the message type and an outcome from a fixed set.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
BATCH_MESSAGES = Histogram(
    "aftersales_batch_messages",
    "Messages a batched consumer applied together in one transaction (a batch applied"
    " one at a time after a failure is not counted): how much a batch saves depends on"
    " it.",
    ["queue"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
    registry=REGISTRY,
)
GROUPED_REQUESTS = Histogram(
    "aftersales_grouped_requests",
    "HTTP requests an API committed together as one group (a group commit, such as"
    " notifications' POST /messages); a group applied one request at a time after a"
    " failure is not counted.",
    ["group"],
    buckets=(1, 2, 4, 8, 16, 32, 64),
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


class HttpMetrics:
    """ASGI middleware: count and time each request by its route template and status
    (plain ASGI for the reason given in ``aftersales_kit.http.RequestId``)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an error no handler answered: the server error middleware's 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            HTTP_SECONDS.labels(self.service, method, template).observe(
                time.perf_counter() - started
            )
            HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()


def instrument_http(app: FastAPI, service: str) -> None:
    """Count and time every request by its route template; serve ``/metrics``."""

    app.add_middleware(HttpMetrics, service=service)

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
