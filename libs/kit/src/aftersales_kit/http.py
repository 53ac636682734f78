"""The FastAPI app factory: health, readiness, problem details, request ids, tracing."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse

from aftersales_kit.clock import Clock, SystemClock
from aftersales_kit.input_guard import InputGuard, skip_prefixes
from aftersales_kit.internal_auth import InternalAuth, keyring
from aftersales_kit.metrics import instrument_http
from aftersales_kit.pagination import MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from aftersales_kit.problem_handlers import install_problem_handlers
from aftersales_kit.problems import REQUEST_ID_HEADER
from aftersales_kit.runtime import ServiceRuntime
from aftersales_kit.settings import ServiceSettings
from aftersales_kit.telemetry import instrument_app
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

    app = FastAPI(title=title, version=version, lifespan=lifespan)
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

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get(REQUEST_ID_HEADER)
        # A client's id is kept only when it is a plausible id: it goes into every log
        # line and onto the services behind.
        rid = given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.state.request_id = rid
        response = await call_next(request)
        response.headers[REQUEST_ID_HEADER] = rid
        return response

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
    instrument_http(app, runtime.settings.service_name)
    instrument_app(app)
    return app


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    uow = get_runtime(request).uow()
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


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


S = TypeVar("S", bound=ServiceSettings)


def settings_of(cls: type[S]) -> Callable[[Request], S]:
    """A dependency answering the process's settings as the service's own class:
    ``SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]``."""

    def get_settings(request: Request) -> S:
        settings = get_runtime(request).settings
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

    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
