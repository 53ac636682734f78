"""Optimistic concurrency over HTTP, the one rule every service follows.

A versioned resource answers with ``ETag: "<version>"``; a change names the version it
was based on in ``If-Match``. The statuses, the same everywhere:

- ``If-Match`` missing where a change requires one: **428** (``PreconditionRequired``);
- ``If-Match`` that is not an ETag this service gave out (``"abc"``, ``*``): **400**
  (``BadRequest``), naming ``If-Match``;
- ``If-Match`` naming a version that is no longer current: **412**
  (``PreconditionFailed``), saying the current version in ``current_version``.

So two editors never silently overwrite each other. Routes read the header with
``IfMatchHeader`` and hand ``expected_version(...)`` to the use case, which calls
``check_version`` on the row it locked.
"""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from fastapi import Header, Response

from aftersales_kit.problems import BadRequest, PreconditionFailed, PreconditionRequired

IF_MATCH = "If-Match"
IfMatchHeader = Annotated[str | None, Header(alias=IF_MATCH)]

# The names older code used; the classes are the kit's problems.
VersionMismatch = PreconditionFailed
__all__ = [
    "IF_MATCH",
    "IfMatchHeader",
    "PreconditionFailed",
    "PreconditionRequired",
    "VersionMismatch",
    "check_version",
    "etag",
    "expected_version",
    "parse_if_match",
    "set_etag",
    "tagged",
]


class _Missing(ValueError):
    pass


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    """The resource's version as the response's ETag, for the next If-Match."""
    response.headers["ETag"] = etag(version)


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)


def tagged(response: Response, out: V) -> V:
    """``out`` answered with its version as the ETag (``set_etag``): a route's last line."""
    set_etag(response, out.version)
    return out


def parse_if_match(header: str | None) -> int:
    """The version an ``If-Match: "<version>"`` header names (a weak tag is accepted)."""
    if header is None or not header.strip():
        raise _Missing("If-Match is required: send the ETag you read")
    tag = header.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    if not tag.isdigit() or len(tag) > 18:
        raise ValueError(f"If-Match {header!r} is not an ETag this service gave out")
    return int(tag)


def expected_version(if_match: str | None, *, required: bool) -> int | None:
    """The version an If-Match header names: None when absent and optional, else a problem
    (428 when required and absent, 400 when malformed)."""
    if if_match is None and not required:
        return None
    try:
        return parse_if_match(if_match)
    except _Missing as error:
        raise PreconditionRequired(str(error), field=IF_MATCH) from error
    except ValueError as error:
        raise BadRequest(str(error), field=IF_MATCH) from error


def check_version(current: int, expected: int | None) -> None:
    """A 412 naming the current version when ``expected`` is given and stale."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            f"version {expected} is stale; the current version is {current}",
            field=IF_MATCH,
            current_version=current,
        )
