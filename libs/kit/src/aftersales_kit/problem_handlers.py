"""Rendering problems at the HTTP edge: every exception a route lets out becomes an
RFC 9457 ``application/problem+json`` response.

Three kinds of failure, three answers:

- a ``Problem`` (bad input, a conflict, ...): its own status, not logged;
- the database or the broker being unreachable (refused, reset, restarting, the pool
  exhausted): **503** with ``Retry-After``, logged once at WARNING without a traceback.
  An outage is an operational state, not a bug: a client may retry, and the log must
  not fill with tracebacks for as long as it lasts;
- anything else: **500** without any detail of the cause, logged at ERROR with a
  traceback in which the database driver's messages are left out (PostgreSQL's quote the
  values of a failed statement: ``Key (email)=(...) already exists``).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import aiormq.exceptions
import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aftersales_kit.problems import PROBLEM_JSON, REQUEST_ID_HEADER, RETRY_AFTER_SECONDS, Problem
from aftersales_kit.transient import Dependency, describe, transient_cause

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    415: "Unsupported media type",
}


# The exception families that may mean an outage; the handler for them tells an outage
# (503) from a bug (500). Handled in the app's exception middleware, so they never
# reach the server, which would log each a second time with its raw message.
_INFRASTRUCTURE_ERRORS: tuple[type[Exception], ...] = (
    sqlalchemy.exc.SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,  # ConnectionError, TimeoutError, socket.gaierror; aiormq's connection errors
    aiormq.exceptions.AMQPError,
    aiormq.exceptions.ChannelInvalidStateError,
)


def sanitized_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` and the exceptions behind it (oldest first, as Python
    prints them), each exception line as ``describe`` gives it."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    blocks = [
        "Traceback (most recent call last):\n"
        + "".join(traceback.format_tb(e.__traceback__))
        + describe(e)
        for e in reversed(chain)
    ]
    return "\n\nwhich led to:\n\n".join(blocks)


def problem_response(
    request: Request, status: int, title: str, detail: str, **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update({k: v for k, v in extensions.items() if v is not None})
    response = JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)
    if request_id:
        # An unhandled error is answered outside the request-id middleware, so the
        # header it would have added is set here: a 500 carries it like any response.
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "customer", "email") -> "customer.email"; query and path keep their origin.
    parts = [str(p) for p in location]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        response = problem_response(
            request, exc.status, exc.title, exc.detail, field=exc.field, **exc.extensions
        )
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_path(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(
            request, 422, "Invalid request", detail, errors=errors, field=errors[0]["field"]
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem_response(
            request, exc.status_code, _TITLES.get(exc.status_code, "Error"), str(exc.detail)
        )
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _infrastructure(request: Request, exc: Exception) -> JSONResponse:
        cause = transient_cause(exc)
        dependency = None if cause is None else cause.dependency
        if dependency is None:
            return _unexpected_error(request, exc)
        return _unavailable(request, exc, dependency)

    for family in _INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(family, _infrastructure)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Whatever no handler above took (raised in a middleware, or of no family there);
        # Starlette hands it on to the server after this answer.
        cause = transient_cause(exc)
        dependency = None if cause is None else cause.dependency
        if dependency is not None:
            return _unavailable(request, exc, dependency)
        return _unexpected_error(request, exc)


def _unavailable(request: Request, exc: BaseException, dependency: Dependency) -> JSONResponse:
    log.warning(
        "%s unreachable: %s %s answered 503 (%s)",
        dependency,
        request.method,
        request.url.path,
        describe(exc),
        extra={"dependency": dependency.value, "error_type": type(exc).__name__},
    )
    response = problem_response(
        request,
        503,
        "Service unavailable",
        f"The {dependency} cannot be reached right now; try again later.",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _unexpected_error(request: Request, exc: BaseException) -> JSONResponse:
    # Not log.exception: the standard traceback ends in the raw messages, a database
    # error's with the values it was given.
    log.error(
        "unhandled error: %s %s: %s\n%s",
        request.method,
        request.url.path,
        describe(exc),
        sanitized_traceback(exc),
        extra={"error_type": type(exc).__name__},
    )
    return problem_response(request, 500, "Internal server error", "An unexpected error occurred.")
