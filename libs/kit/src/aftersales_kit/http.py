"""The FastAPI app factory: health, readiness, problem details, request ids, tracing."""

from __future__ import annotations

import gc
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.input_guard import InputGuard, skip_prefixes
from aftersales_kit.internal_auth import InternalAuth, keyring
from aftersales_kit.metrics import instrument_http
from aftersales_kit.pagination import MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from aftersales_kit.problem_handlers import install_problem_handlers
from aftersales_kit.problems import PROBLEM_JSON, REQUEST_ID_HEADER
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import ServiceSettings
from aftersales_kit.telemetry import http_telemetry
from aftersales_kit.transient import describe, transient_cause
from aftersales_kit.uow import UnitOfWork

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def create_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    routers: list[APIRouter] = [],  # noqa: B006 - read only
    version: str = "0.1.0",
    clock: Clock | None = None,
    unchecked_paths: tuple[str, ...] = (),
    verify_identity: bool = True,
    api_clients: bool = False,
) -> FastAPI:
    """The service's app. ``unchecked_paths``: path prefixes the input guard lets through
    unread (the gateway's proxied routes: the service behind checks them).
    ``verify_identity``: answer only requests with the gateway's signed identity
    (``internal_auth``); off for the gateway alone, the public edge that signs it.
    ``api_clients``: also take a registered outside system's API key (``internal_clients``).
    Outside development without ``internal_secret`` this raises ``InternalSecretMissing``."""
    # Checked before anything starts: a service that would believe any caller must not run.
    ring = keyring(runtime.settings)
    if ring is None:
        log.warning(
            "%s is not set: identity headers are believed as they come (development only)",
            runtime.settings.env_name("internal_secret"),
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, version=version, lifespan=lifespan, telemetry=http_telemetry())
    app.state.runtime = runtime
    # "Now" for every route (ClockDep): tests hand in a FixedClock.
    app.state.clock = clock or SystemClock()
    install_problem_handlers(app)
    # Inside the request-id middleware, so its answers carry the request id too.
    app.add_middleware(
        InputGuard,
        max_json_bytes=runtime.settings.max_json_body_bytes,
        skip=skip_prefixes(unchecked_paths),
    )
    # The signer's keyring (the gateway's proxy signs with it); outside the input guard, so
    # a caller without credentials gets 401 before its body is read.
    app.state.internal_keyring = ring
    if ring is not None and verify_identity:
        app.add_middleware(
            InternalAuth,
            keyring=ring,
            clients=runtime.settings.internal_clients if api_clients else None,
        )

    app.add_middleware(RequestId)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "unready", "checks": checks},
            status_code=200 if ready else 503,
        )

    for router in routers:
        app.include_router(router)
    _document_problems_in(app, identity=verify_identity, api_clients=api_clients)
    instrument_http(app, runtime.settings.service_name)
    return app


class RequestId:
    """ASGI middleware: every request gets an id (the client's own when it is a plausible
    one: it goes into every log line and onto the services behind), kept in the request's
    state and answered in ``X-Request-Id``. Plain ASGI, not ``@app.middleware("http")``:
    Starlette's ``BaseHTTPMiddleware`` runs the app in a task of its own and streams the
    response through a memory channel, which cost more than some whole requests
    (bench/README.md, the send path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER)
        rid = given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        await self.app(scope, receive, send_with_id)


# --- the statuses in the OpenAPI document ------------------------------------------------
#
# Every error a service answers is a problem (``problem_handlers``, ``input_guard``,
# ``internal_auth``), so the document says so once, here, instead of in each route: the
# statuses any route can answer are added to every operation, each with the problem
# schema; a route declares only its own (``responses=problem_responses(404, 409)``, or
# FastAPI's ``responses={409: {"description": ...}}``), and gets the schema filled in.

PROBLEM_SCHEMA_NAME = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": PROBLEM_SCHEMA_NAME,
    "description": "RFC 9457 problem details; a status may add members of its own"
    " (current_version, retry hints, skipped ids).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "field": {"type": "string", "description": "the input at fault"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed: a body that is not JSON, an If-Match that is not an ETag given out",
    401: "Not authenticated",
    403: "The caller may not do this (a role, an org unit out of sight)",
    404: "Not found (or out of the caller's sight)",
    405: "Method not allowed",
    409: "The resource's state does not allow it",
    412: "If-Match names a version that is no longer current (current_version)",
    413: "The body is over the size limit; refused before it is read",
    415: "Unsupported media type",
    422: "A field's value is not acceptable (control characters, 32-bit integers,"
    " the field's own rules), naming the field",
    428: "If-Match is required: send the ETag you read",
    429: "Over a limit; Retry-After says when to try again",
    503: "A dependency (database, broker, upstream) is away; Retry-After says when to retry",
    504: "The service behind did not answer in time",
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "string"}}}
_HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def problem_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route's own problem statuses; ``create_app`` adds the problem
    schema. ``descriptions``: ``s409="the code is taken"`` overrides the kit's wording."""
    return {
        status: {"description": descriptions.get(f"s{status}", PROBLEM_DESCRIPTIONS[status])}
        for status in statuses
    }


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"}}}


def _json_body(operation: dict[str, Any]) -> bool:
    content = operation.get("requestBody", {}).get("content", {})
    return any(media == "application/json" or media.endswith("+json") for media in content)


def _parameters(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p.get("in") == where]


def _common_statuses(
    operation: dict[str, Any], *, identity: bool, unauthorized: str
) -> dict[int, str]:
    """The statuses ``operation`` can answer whatever its route does."""
    added = {422: PROBLEM_DESCRIPTIONS[422], 503: PROBLEM_DESCRIPTIONS[503]}
    if identity or operation.get("security"):
        added[401] = unauthorized
    if _json_body(operation):
        added |= {s: PROBLEM_DESCRIPTIONS[s] for s in (400, 413)}
    if _parameters(operation, "path"):
        # A path parameter names something to find; and a value no route matches (a
        # slash, a line feed, a word not in its set) routes nowhere: 404 either way.
        added[404] = PROBLEM_DESCRIPTIONS[404]
    headers = {p.get("name", "").lower() for p in _parameters(operation, "header")}
    if "if-match" in headers:
        added |= {s: PROBLEM_DESCRIPTIONS[s] for s in (400, 412, 428)}
    return added


def _as_problems(responses: dict[str, Any]) -> None:
    """Every error status answers a problem: FastAPI's default 422 (HTTPValidationError as
    application/json) is not what a client gets."""
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        if status == "422" and response.get("description") == "Validation Error":
            response["description"] = PROBLEM_DESCRIPTIONS[422]
        response["content"] = _problem_content()
        if status in ("429", "503"):
            response.setdefault("headers", {}).update(_RETRY_AFTER)


def document_problems(
    document: dict[str, Any], *, identity: bool, api_clients: bool = False
) -> dict[str, Any]:
    """``document`` (an OpenAPI dict, changed in place and returned) with the statuses
    every route can answer and the problem schema on every error status.

    Added where they apply: 401 (``identity``: the gateway's signed identity is checked;
    otherwise where the operation declares a security scheme), 422 (the input guard and
    validation, everywhere), 400 and 413 (a JSON body: not JSON, too large), 404 (a path
    parameter), 400/412/428 (an If-Match header), 503 (the database or
    broker away, everywhere). A status the route declared keeps its description."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components[PROBLEM_SCHEMA_NAME] = PROBLEM_SCHEMA
    if not identity:
        unauthorized = "A valid bearer token is required"
    elif api_clients:
        unauthorized = (
            "No valid identity: call through the gateway (X-Aftersales-Identity) or with a"
            " registered client's API key (Authorization: Bearer)"
        )
    else:
        unauthorized = "No valid identity: call through the gateway (X-Aftersales-Identity)"
    for path, item in document.get("paths", {}).items():
        if path in _HEALTH_PATHS:
            continue
        for method in _METHODS:
            if (operation := item.get(method)) is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            common = _common_statuses(operation, identity=identity, unauthorized=unauthorized)
            for status, description in common.items():
                responses.setdefault(str(status), {"description": description})
            _as_problems(responses)
            operation["responses"] = dict(sorted(responses.items()))
    _local_times(document)
    # FastAPI's validation error schemas, once nothing refers to them.
    for unused in ("HTTPValidationError", "ValidationError"):
        others = {name: schema for name, schema in components.items() if name != unused}
        if unused in components and f"/{unused}'" not in repr((document["paths"], others)):
            del components[unused]
    return document


# A ``datetime.time`` field is a wall-clock time without an offset ("08:00:00": working
# hours, a booking's local start); pydantic documents it as ``format: time``, which JSON
# Schema defines as RFC 3339 full-time, offset required, so a validating client refuses
# every value we send. RFC 3339 calls the offset-less form partial-time.
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"


def _local_times(node: Any) -> None:
    """Every ``{"type": "string", "format": "time"}`` in ``node`` (changed in place) made a
    partial-time with its pattern."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            node["format"] = "partial-time"
            node.setdefault("pattern", LOCAL_TIME_PATTERN)
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def _document_problems_in(app: FastAPI, *, identity: bool, api_clients: bool = False) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(
                generate(), identity=identity, api_clients=api_clients
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# The dependencies are ``async def`` though they do no I/O: FastAPI runs a plain ``def``
# dependency in a worker thread, and the hand-overs to and from the thread pool (with the
# GIL contention they bring) were a sixth of a list request's CPU (bench/README.md).


def runtime_of(request: Request) -> ServiceRuntime:
    """The service runtime the app was made with (``create_app``)."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> ServiceRuntime:
    return runtime_of(request)


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    uow = runtime_of(request).uow()
    await uow.__aenter__()
    try:
        yield uow
    except BaseException as error:
        await uow.__aexit__(type(error), error, error.__traceback__)
        raise
    try:
        await uow.__aexit__(None, None, None)
    except Exception as error:
        # FastAPI closes this dependency after the answer is sent; all that is left is
        # the rollback of what a read-only route left open. A database that went away
        # meanwhile took that transaction with it; raised here, the error would only
        # make the server log a traceback and drop the client's keep-alive connection.
        if transient_cause(error) is None:
            raise
        log.info("database lost after the answer was sent (%s)", describe(error))


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


S = TypeVar("S", bound=ServiceSettings)


def settings_of(cls: type[S]) -> Callable[[Request], Coroutine[Any, Any, S]]:
    """A dependency answering the process's settings as the service's own class:
    ``SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]``."""

    async def get_settings(request: Request) -> S:
        settings = runtime_of(request).settings
        if not isinstance(settings, cls):
            raise TypeError(f"the runtime's settings are not {cls.__name__}")
        return settings

    return get_settings


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_uow)]
ClockDep = Annotated[Clock, Depends(get_clock)]

# The query parameters of every keyset list (aftersales_kit.pagination).
CursorQuery = Annotated[
    str | None, Query(max_length=MAX_CURSOR_LENGTH, description="next_cursor of the page before")
]
LimitQuery = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="rows per page")]


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run one service process; logging is configured by the caller's settings."""
    import uvicorn

    freeze_what_lives_on()
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def freeze_what_lives_on() -> None:
    """Keep what the process built before serving (modules, models, routes, tables:
    hundreds of thousands of objects that live as long as it does) out of the cycle
    collector's full collections, which walked all of it again and again under load:
    a list request's p99 was ~60 ms with them, ~25 ms without (bench/README.md). Called
    once per process, just before it serves; tests, which build many apps in one
    process, never call it."""
    gc.collect()
    gc.freeze()
