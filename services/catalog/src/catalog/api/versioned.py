"""The answer of a versioned resource: its version as the ETag, for the next If-Match."""

from __future__ import annotations

from typing import Protocol, TypeVar

from fastapi import Response

from aftersales_kit.versioning import expected_version, set_etag


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


def tagged(response: Response, out: VersionedT) -> VersionedT:
    """``out``, with its version as the response's ETag."""
    set_etag(response, out.version)
    return out


def required(if_match: str | None) -> int | None:
    """The version a full change names (428 without ``If-Match``)."""
    return expected_version(if_match, required=True)


def optional(if_match: str | None) -> int | None:
    """The version a change that may go without ``If-Match`` names, if any."""
    return expected_version(if_match, required=False)
