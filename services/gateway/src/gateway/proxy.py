"""Forwarding to the internal services over one shared, traced ``httpx.AsyncClient``.

Bodies stream both ways, chunk by chunk: an upload of hundreds of MB (a bulk import) or
a large export never sits in the gateway's memory.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from urllib.parse import quote

import anyio
import httpx
from fastapi import Request, Response
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from aftersales_kit.identity import ORG_UNITS_HEADER, ROLES_HEADER, USER_HEADER, format_list
from aftersales_kit.internal_auth import keyring_of
from aftersales_kit.problems import REQUEST_ID_HEADER, BadRequest, Problem, ServiceUnavailable
from aftersales_kit.signed_identity import IDENTITY_HEADER, Caller, sign
from gateway.domain import Route
from gateway.settings import Settings

# Only these client headers go upstream: never Authorization (the services trust the
# gateway, not the caller's token) and never a caller's own identity headers
# (X-Aftersales-User, -Roles, -Org-Units, -Identity): those the gateway sets from the user,
# and signs (X-Aftersales-Identity), which is all a service with a secret believes.
FORWARDED_REQUEST_HEADERS = (
    "content-type",
    "accept",
    "if-match",
    "if-none-match",
    "idempotency-key",
    # An upload's file name (a protocol's photo), as the client named it.
    "content-disposition",
)
RETURNED_RESPONSE_HEADERS = (
    "content-type",
    "content-disposition",  # an export's file name
    "etag",
    "location",
    "retry-after",  # a 503 (the service's database or broker away), a 429
    "link",  # the next page of a list
    "allow",  # a 405 names the methods the resource has (RFC 9110 §15.5.6)
    "x-content-type-options",  # a downloaded attachment: nosniff
    "x-print-job-ids",  # a print batch names the jobs in it, to mark them printed
)
# A Link header's targets that are paths on the upstream (``</callouts?cursor=x>``).
_LINK_TARGET = re.compile(r"<(/[^>]*)>")
# The characters left unescaped when the checked (decoded) path is sent upstream.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class UpstreamUnavailable(ServiceUnavailable):
    """The service could not be reached (down, or the gateway's pool is exhausted);
    answered with the kit's ``Retry-After``, like a service's own 503."""


class UpstreamTimeout(Problem):
    # Only a gateway answers 504, so the kit has no class for it.
    status = 504
    title = "Gateway timeout"


class IncompleteRequest(BadRequest):
    title = "Incomplete request"


class UpstreamResponse(StreamingResponse):
    """The upstream's body, passed on as it arrives; the upstream response (and so its
    pooled connection) is closed however sending ends: done, failed or client gone."""

    def __init__(
        self, upstream: httpx.Response, *, status_code: int, headers: Mapping[str, str]
    ) -> None:
        # aiter_bytes: decoded, because the gateway's own Accept-Encoding (httpx's default)
        # is not the caller's; Content-Encoding is not passed back.
        super().__init__(upstream.aiter_bytes(), status_code=status_code, headers=headers)
        self._upstream = upstream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: when the caller disconnects this task is being cancelled, and an
            # unfinished close would leave a half-read connection behind.
            with anyio.CancelScope(shield=True):
                await self._upstream.aclose()


@asynccontextmanager
async def upstream_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The process's one client: pooled connections, bounded waits, W3C trace context out."""
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.upstream_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        ),
        limits=httpx.Limits(max_connections=settings.upstream_max_connections),
        # The upstream URLs are local services: no HTTP(S)_PROXY from the environment.
        trust_env=False,
        follow_redirects=False,
    )
    HTTPXClientInstrumentor().instrument_client(client)
    try:
        yield client
    finally:
        await client.aclose()


class Upstreams:
    def __init__(self, client: httpx.AsyncClient, base_urls: Mapping[str, str]) -> None:
        self._client = client
        self._base_urls = {name: url.rstrip("/") for name, url in base_urls.items()}

    def url_for(self, route: Route, query_string: bytes) -> httpx.URL:
        # The decoded path was checked (domain.resolve_route); exactly that path is sent.
        url = self._base_urls[route.service] + quote(route.path, safe=_PATH_SAFE)
        if query_string:
            url += "?" + query_string.decode("latin-1")
        return httpx.URL(url)

    async def forward(
        self,
        route: Route,
        request: Request,
        *,
        username: str,
        roles: Sequence[str],
        org_units: Sequence[str],
        request_id: str,
    ) -> Response:
        """Forward ``request`` for the user ``username``. ``org_units`` empty: the user
        sees every org unit, and no org-units header is sent (absent means unrestricted)."""
        headers = {
            name: value
            for name in FORWARDED_REQUEST_HEADERS
            if (value := request.headers.get(name)) is not None
        }
        headers[REQUEST_ID_HEADER] = request_id
        headers[USER_HEADER] = username
        headers[ROLES_HEADER] = format_list(roles)
        if org_units:
            headers[ORG_UNITS_HEADER] = format_list(org_units)
        if (keyring := keyring_of(request)) is not None:
            caller = Caller(
                username=username,
                roles=frozenset(roles),
                org_units=frozenset(org_units) if org_units else None,
            )
            settings = request.app.state.runtime.settings
            # Signed per request with a short life: a token seen on the internal network is
            # worth a minute, and a role taken away counts from the next request.
            headers[IDENTITY_HEADER] = sign(
                caller, keyring, now=time.time(), ttl_seconds=settings.internal_identity_ttl_seconds
            )
        content: AsyncIterator[bytes] | None = None
        if _has_body(request):
            # Streamed as it arrives. With the caller's Content-Length the upstream gets
            # that length (httpx then sends no Transfer-Encoding); without it, chunked.
            content = _chunks(request)
            if (length := request.headers.get("content-length")) is not None:
                headers["Content-Length"] = length
        upstream_request = self._client.build_request(
            request.method,
            self.url_for(route, request.scope.get("query_string", b"")),
            headers=headers,
            content=content,
        )
        try:
            # stream=True: answer as soon as the upstream's headers are in.
            upstream = await self._client.send(upstream_request, stream=True)
        except ClientDisconnect as error:
            # The caller went away mid-upload; nobody will read this answer.
            raise IncompleteRequest(
                "the client closed the connection before the request body was complete"
            ) from error
        except (httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # Never connected: the service is down or the gateway is saturated.
            raise self._unavailable(route) from error
        except httpx.TimeoutException as error:
            raise UpstreamTimeout(
                f"{route.service} did not answer in time", service=route.service
            ) from error
        except httpx.TransportError as error:
            raise self._unavailable(route) from error
        returned = {
            name: value
            for name in RETURNED_RESPONSE_HEADERS
            if (value := upstream.headers.get(name)) is not None
        }
        # Paths the upstream names go back into the public URL space.
        if returned.get("location", "").startswith("/"):
            returned["location"] = self._public(route, returned["location"])
        if "link" in returned:
            returned["link"] = _LINK_TARGET.sub(
                lambda m: f"<{self._public(route, m.group(1))}>", returned["link"]
            )
        length = upstream.headers.get("content-length")
        if length is not None and "content-encoding" not in upstream.headers:
            # Only an unencoded body is sent back with the length the upstream gave.
            returned["content-length"] = length
        return UpstreamResponse(upstream, status_code=upstream.status_code, headers=returned)

    def _public(self, route: Route, path: str) -> str:
        """An upstream path as the public one: without the service's base path, under /api."""
        base_path = httpx.URL(self._base_urls[route.service]).path.rstrip("/")
        if base_path and path.startswith(base_path + "/"):
            path = path[len(base_path) :]
        return "/api" + path

    @staticmethod
    def _unavailable(route: Route) -> UpstreamUnavailable:
        return UpstreamUnavailable(f"{route.service} is unavailable", service=route.service)


def _has_body(request: Request) -> bool:
    # RFC 9112 §6.3: a request has a body only when it says so by one of these headers.
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length != "0")


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    async for chunk in request.stream():
        if chunk:  # Starlette ends the stream with b""; nothing to send for it.
            yield chunk
