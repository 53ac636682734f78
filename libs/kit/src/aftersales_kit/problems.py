"""RFC 9457 problem details: the errors every service answers with, in one shape.

Pure: use cases and domain-facing helpers raise these without importing FastAPI; the
HTTP app renders them (``aftersales_kit.problem_handlers``). Each status a client may
see has one class here, so a 403 or a 413 reads the same in every service.
"""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
# What a 503 tells a client to wait before it tries again (RFC 9110 §10.2.3): long
# enough for a database or broker restart, short enough that a caller is not idle.
RETRY_AFTER_SECONDS = 5


class Problem(Exception):
    """Raised by use cases and routes; rendered as ``application/problem+json``.

    ``field`` names the input at fault (``body`` paths as ``customer.email``, query
    parameters as ``query.limit``, headers by their name, ``If-Match``)."""

    status: int = 400
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        self.field = field
        # Response headers the problem needs (``Retry-After``, ``Allow``, ...).
        self.headers = headers or {}
        self.extensions = extensions


class BadRequest(Problem):
    """Malformed syntax: a header that is not what the service gave out, say."""

    status = 400
    title = "Bad request"


class Forbidden(Problem):
    """The caller is known but may not do this (a role, an org unit out of sight)."""

    status = 403
    title = "Forbidden"


class NotFound(Problem):
    status = 404
    title = "Not found"


class Conflict(Problem):
    """The request is well formed but the resource's state does not allow it."""

    status = 409
    title = "Conflict"


class PreconditionFailed(Problem):
    """``If-Match`` names a version that is no longer the current one."""

    status = 412
    title = "Precondition failed"


class PayloadTooLarge(Problem):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(Problem):
    status = 415
    title = "Unsupported media type"


class Unprocessable(Problem):
    """A field's value is not acceptable (the status of every validation error)."""

    status = 422
    title = "Invalid request"


class PreconditionRequired(Problem):
    """A change to a versioned resource came without ``If-Match``."""

    status = 428
    title = "Precondition required"


class TooManyRequests(Problem):
    """A limit on how much a caller may do at once or per period; says when to retry."""

    status = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        headers = {"Retry-After": str(retry_after)} | kwargs.pop("headers", {})
        super().__init__(detail, headers=headers, **kwargs)


class ServiceUnavailable(Problem):
    """A dependency (database, broker, upstream) cannot be reached right now.

    Always answered with ``Retry-After`` (``RETRY_AFTER_SECONDS`` unless the raiser
    gives its own): a 503 is a promise that trying again later can succeed."""

    status = 503
    title = "Service unavailable"

    def __init__(
        self, detail: str, *, retry_after: int = RETRY_AFTER_SECONDS, **kwargs: Any
    ) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("Retry-After", str(retry_after))
