"""The gateway's HTTP routes: ``/auth`` (sign in and out), ``/auth/users`` (user
administration, admins only), ``/api/openapi.json`` (the public API's document) and
``/api`` (checked, then forwarded)."""

from __future__ import annotations

import functools
import json
import uuid
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import OAuth2PasswordBearer
from pydantic import ValidationError
from starlette.types import Message

from aftersales_kit.http import (
    ClockDep,
    CursorQuery,
    LimitQuery,
    RuntimeDep,
    UnitOfWorkDep,
    problem_responses,
    settings_of,
)
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.problems import (
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
    UnsupportedMediaType,
)
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag
from gateway import domain, handlers
from gateway.handlers import Principal, Unauthorized
from gateway.passwords import PasswordWork
from gateway.proxy import Upstreams
from gateway.schemas import (
    Credentials,
    MePatch,
    PasswordIn,
    SessionOut,
    TokenOut,
    UserAdminOut,
    UserIn,
    UserOut,
    UserPatch,
)
from gateway.settings import Settings

TOKEN_URL = "/auth/token"
# auto_error=False: a missing token is answered below as problem+json, like any other error.
bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_upstreams(request: Request) -> Upstreams:
    upstreams: Upstreams = request.app.state.upstreams
    return upstreams


async def get_passwords(request: Request) -> PasswordWork:
    passwords: PasswordWork = request.app.state.passwords
    return passwords


SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]
UpstreamsDep = Annotated[Upstreams, Depends(get_upstreams)]
PasswordsDep = Annotated[PasswordWork, Depends(get_passwords)]


# The console's sign-in (decision 86): the token in a cookie script cannot read
# (HttpOnly), sent to this origin only (SameSite=Strict). A change made with the cookie
# must also carry the header the console sends: a cross-site form cannot set it.
SESSION_COOKIE = "aftersales_session"
CONSOLE_HEADER = "X-Requested-With"
CONSOLE_HEADER_VALUE = "aftersales-console"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_principal(
    request: Request,
    token: Annotated[str | None, Depends(bearer)],
    runtime: RuntimeDep,
    clock: ClockDep,
) -> Principal:
    if not token:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            raise Unauthorized("a bearer token or the console's session is required")
        if (
            request.method not in SAFE_METHODS
            and request.headers.get(CONSOLE_HEADER) != CONSOLE_HEADER_VALUE
        ):
            raise Forbidden(
                f"a change made with the session cookie needs {CONSOLE_HEADER}: "
                f"{CONSOLE_HEADER_VALUE}"
            )
    async with runtime.uow() as uow:
        return await handlers.authenticate(token, uow, now=clock.now())


PrincipalDep = Annotated[Principal, Depends(current_principal)]

auth = APIRouter(prefix="/auth", tags=["auth"])

_CREDENTIALS_SCHEMA = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["password"]},
        "username": {"type": "string"},
        "password": {"type": "string", "format": "password"},
    },
}


async def _replayable(request: Request, limit: int) -> Request:
    """The request with its body read, at most ``limit`` bytes (413 beyond, before the
    rest is read): the kit's guard limits JSON bodies only, and a form would otherwise be
    parsed whole, however large."""
    refused = PayloadTooLarge(f"a sign-in body may have at most {limit} bytes", field="body")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise refused
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise refused
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return Request(request.scope, replay)


async def _read_credentials(request: Request, settings: Settings) -> Credentials:
    """The password grant from an OAuth2 form (RFC 6749 §4.3, as OAuth2PasswordRequestForm
    reads it) or from JSON. FastAPI binds a body to one media type only, hence by hand."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: Any
    if media_type == "application/json":
        try:
            data = json.loads(await request.body())
        except ValueError as error:
            raise Unprocessable("the body is not valid JSON", field="body") from error
    elif media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await (await _replayable(request, settings.max_json_body_bytes)).form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
        if data.get("grant_type", "password") != "password":
            raise Unprocessable("only the password grant is supported", field="grant_type")
    else:
        raise UnsupportedMediaType(
            "send the credentials as application/x-www-form-urlencoded or application/json",
            field="Content-Type",
        )
    try:
        return Credentials.model_validate(data)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from error


_SIGN_IN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": _CREDENTIALS_SCHEMA},
            "application/json": {"schema": _CREDENTIALS_SCHEMA},
        },
    }
}
_SIGN_IN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Wrong username or password"},
    413: {"description": "A body over 64 KiB, refused before the rest is read"},
    415: {"description": "Neither a form nor JSON"},
    422: {"description": "A missing field, invalid JSON or another grant type"},
    429: {"description": "Too many failed sign-ins for the username or the client address"},
    503: {"description": "Too many sign-ins at once, or the gateway's database is away"},
}


async def _sign_in(
    request: Request,
    runtime: RuntimeDep,
    passwords: PasswordWork,
    clock: ClockDep,
    settings: Settings,
) -> TokenOut:
    credentials = await _read_credentials(request, settings)
    username_policy, address_policy = settings.signin_policies()
    limits = handlers.SignInLimits(
        username_policy=username_policy,
        address_policy=address_policy,
        ttl_minutes=settings.token_ttl_minutes,
        max_live_tokens=settings.max_live_tokens_per_user,
    )
    address = domain.client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        settings.trusted_proxies,
    )
    return await handlers.issue_token(
        credentials, runtime.uow, passwords, address=address, limits=limits, now=clock.now()
    )


@auth.post("/token", openapi_extra=_SIGN_IN_BODY, responses=_SIGN_IN_RESPONSES)
async def issue_token(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    passwords: PasswordsDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> TokenOut:
    token = await _sign_in(request, runtime, passwords, clock, settings)
    # RFC 6749 §5.1: a token response must not be cached.
    response.headers["Cache-Control"] = "no-store"
    return token


@auth.post(
    "/session",
    openapi_extra=_SIGN_IN_BODY,
    responses={**_SIGN_IN_RESPONSES, 200: {"description": "Signed in: the session cookie is set"}},
)
async def open_session(
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    passwords: PasswordsDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> SessionOut:
    """The console's sign-in: the same check and throttling as /auth/token, the token in
    an HttpOnly, SameSite=Strict cookie instead of the body."""
    token = await _sign_in(request, runtime, passwords, clock, settings)
    async with runtime.uow() as uow:
        principal = await handlers.authenticate(token.access_token, uow, now=clock.now())
    response.set_cookie(
        SESSION_COOKIE,
        token.access_token,
        max_age=token.expires_in,
        path="/",
        secure=settings.cookie_secure(),
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    return SessionOut(user=principal.to_out(), expires_in=token.expires_in)


@auth.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: PrincipalDep,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    response: Response,
    settings: SettingsDep,
) -> None:
    """Revokes the token (bearer or the console's session) and clears the cookie."""
    await handlers.revoke_token(principal.token_id, uow, now=clock.now())
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.cookie_secure(), httponly=True, samesite="strict"
    )


@auth.get("/me")
async def me(principal: PrincipalDep) -> UserOut:
    return principal.to_out()


@auth.patch("/me")
async def update_me(
    body: MePatch, principal: PrincipalDep, uow: UnitOfWorkDep, clock: ClockDep
) -> UserOut:
    """One's own e-mail address and mobile number (E.164); ``null`` removes one."""
    return await handlers.update_me(principal, body, uow, now=clock.now())


# The public API's one document, generated by `make openapi` from the services' own and
# shipped in the package. Open, like the services' documents (decision 85): it lists what
# a caller could try anyway, never data. Left out of the gateway's own document, whose
# every other /api operation needs a token.
PUBLIC_OPENAPI = "public_openapi.json"
public_docs = APIRouter(prefix="/api", include_in_schema=False)


@functools.cache
def public_openapi_document() -> bytes:
    return (resources.files("gateway") / PUBLIC_OPENAPI).read_bytes()


@public_docs.get("/openapi.json")
async def public_openapi() -> Response:
    return Response(public_openapi_document(), media_type="application/json")


api = APIRouter(prefix="/api", tags=["api"])


# What a forwarded request may answer: the gateway's own refusals and whatever the service
# behind answers (its statuses are in its own OpenAPI, every one a problem on error).
FORWARDED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The service's answer"},
    201: {"description": "Created (the service's answer; Location under /api)"},
    202: {"description": "Accepted (the service's answer)"},
    204: {"description": "No content (the service's answer)"},
    **problem_responses(
        400,
        403,
        404,
        405,
        409,
        412,
        413,
        415,
        428,
        429,
        504,
        s400="Malformed (the service's answer), or the body ended early",
        s403="The user's roles do not allow this resource, or the service refused it",
        s404="No public resource at this path, or the service has no such thing",
        s405="The resource has no such method (Allow lists those it has)",
    ),
}


@api.api_route("/{path:path}", methods=list(domain.METHOD_ACCESS), responses=FORWARDED_RESPONSES)
async def forward(
    path: str, request: Request, principal: PrincipalDep, upstreams: UpstreamsDep
) -> Response:
    """Every public resource: authenticated above, permission checked here, then forwarded."""
    public_path: str = request.scope["path"]
    try:
        route = domain.resolve_route(public_path)
    except domain.NoRoute:
        raise NotFound(f"there is no API at {public_path}") from None
    access = domain.access_for(request.method, route.path)
    if not domain.is_allowed(principal.roles, route.resource, access):
        raise Forbidden(f"{principal.username} may not {access} {route.resource}")
    return await upstreams.forward(
        route,
        request,
        username=principal.username,
        roles=principal.roles,
        org_units=principal.org_units,
        request_id=request.state.request_id,
    )


async def user_admin(request: Request, principal: PrincipalDep) -> Principal:
    """The caller, when it may administer users (admins only): 403 otherwise."""
    access = domain.access_for(request.method, request.url.path)
    if not domain.is_allowed(principal.roles, domain.USERS, access):
        raise Forbidden(f"{principal.username} may not {access} users")
    return principal


AdminDep = Annotated[Principal, Depends(user_admin)]

users = APIRouter(
    prefix="/auth/users",
    tags=["users"],
    responses=problem_responses(
        403, s403="not an admin, or beyond the restricted admin's own org units"
    ),
)
# A username taken, or an admin removing its own admin role or deactivating itself.
_REFUSED = problem_responses(
    409, s409="the username is taken, or an admin would lock itself out (roles, active)"
)


def _tagged(response: Response, out: UserAdminOut) -> UserAdminOut:
    set_etag(response, out.version)
    return out


@users.get("")
async def list_users(
    admin: AdminDep,
    uow: UnitOfWorkDep,
    active: bool | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[UserAdminOut]:
    return await handlers.list_users(uow, acting=admin, active=active, cursor=cursor, limit=limit)


@users.post("", status_code=status.HTTP_201_CREATED, responses=_REFUSED)
async def create_user(
    body: UserIn,
    admin: AdminDep,
    uow: UnitOfWorkDep,
    passwords: PasswordsDep,
    clock: ClockDep,
    response: Response,
) -> UserAdminOut:
    out = await handlers.create_user(body, uow, passwords, acting=admin, now=clock.now())
    response.headers["Location"] = f"{users.prefix}/{out.id}"
    return _tagged(response, out)


@users.get("/{user_id}")
async def get_user(
    user_id: uuid.UUID, admin: AdminDep, uow: UnitOfWorkDep, response: Response
) -> UserAdminOut:
    return _tagged(response, await handlers.get_user(uow, user_id, acting=admin))


@users.patch("/{user_id}", responses=_REFUSED)
async def update_user(
    user_id: uuid.UUID,
    body: UserPatch,
    admin: AdminDep,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> UserAdminOut:
    expected = expected_version(if_match, required=True)
    out = await handlers.update_user(user_id, body, expected, uow, acting=admin, now=clock.now())
    return _tagged(response, out)


@users.post("/{user_id}/password")
async def reset_password(
    user_id: uuid.UUID,
    body: PasswordIn,
    admin: AdminDep,
    uow: UnitOfWorkDep,
    passwords: PasswordsDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> UserAdminOut:
    expected = expected_version(if_match, required=False)
    out = await handlers.reset_password(
        user_id, body, expected, uow, passwords, acting=admin, now=clock.now()
    )
    return _tagged(response, out)


@users.post("/{user_id}/deactivate", responses=_REFUSED)
async def deactivate_user(
    user_id: uuid.UUID,
    admin: AdminDep,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> UserAdminOut:
    expected = expected_version(if_match, required=False)
    out = await handlers.deactivate_user(user_id, expected, uow, acting=admin, now=clock.now())
    return _tagged(response, out)


# Before the catch-all: /api/openapi.json is not a forwarded resource.
routers = [auth, users, public_docs, api]
