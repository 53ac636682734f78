"""Optimistic concurrency over HTTP: a versioned resource answers with ``ETag: "<version>"``
and a change names the version it was based on in ``If-Match``.

A missing ``If-Match`` where one is required is a 428, a stale one a 412 that says the
current version, a malformed one a 400: two editors never silently overwrite each other.
"""

from __future__ import annotations

from aftersales_kit.problems import Problem


class VersionMismatch(Problem):
    status = 412
    title = "Precondition failed"


class PreconditionRequired(Problem):
    status = 428
    title = "Precondition required"


class PreconditionMissing(ValueError):
    pass


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int:
    """The version an ``If-Match: "<version>"`` header names (a weak tag is accepted)."""
    if header is None or not header.strip():
        raise PreconditionMissing("If-Match is required: send the ETag you read")
    tag = header.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    tag = tag.strip('"')
    if not tag.isdigit():
        raise ValueError(f"If-Match {header!r} is not an ETag this service gave out")
    return int(tag)


def expected_version(if_match: str | None, *, required: bool) -> int | None:
    """The version an If-Match header names: None when absent and optional, else a problem."""
    if if_match is None and not required:
        return None
    try:
        return parse_if_match(if_match)
    except PreconditionMissing as error:
        raise PreconditionRequired(str(error), field="If-Match") from error
    except ValueError as error:
        raise Problem(str(error), field="If-Match") from error


def check_version(current: int, expected: int | None) -> None:
    """A 412 naming the current version when ``expected`` is given and stale."""
    if expected is not None and expected != current:
        raise VersionMismatch(
            f"version {expected} is stale; the current version is {current}",
            field="If-Match",
            current_version=current,
        )
