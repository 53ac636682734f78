"""If-Match and ETag: the optimistic concurrency every versioned resource uses."""

from __future__ import annotations

import pytest

from aftersales_kit.problems import Problem
from aftersales_kit.versioning import (
    PreconditionRequired,
    VersionMismatch,
    check_version,
    etag,
    expected_version,
    parse_if_match,
)


def test_if_match_names_a_version() -> None:
    assert parse_if_match('"3"') == 3
    assert parse_if_match('W/"3"') == 3
    assert parse_if_match("3") == 3
    with pytest.raises(ValueError, match="required"):
        parse_if_match(None)
    with pytest.raises(ValueError, match="required"):
        parse_if_match(" ")
    with pytest.raises(ValueError, match="not an ETag"):
        parse_if_match('"99999999999999999999"')
    with pytest.raises(ValueError, match="not an ETag"):
        parse_if_match('"abc"')
    assert etag(3) == '"3"'


def test_expected_version_turns_bad_headers_into_problems() -> None:
    assert expected_version(None, required=False) is None
    assert expected_version('"2"', required=False) == 2
    with pytest.raises(PreconditionRequired) as missing:
        expected_version(None, required=True)
    assert (missing.value.status, missing.value.field) == (428, "If-Match")
    with pytest.raises(Problem) as malformed:
        expected_version("nope", required=True)
    assert (malformed.value.status, malformed.value.field) == (400, "If-Match")


def test_a_stale_version_is_a_412_naming_the_current_one() -> None:
    check_version(4, None)
    check_version(4, 4)
    with pytest.raises(VersionMismatch) as stale:
        check_version(4, 3)
    assert stale.value.status == 412
    assert "current version is 4" in str(stale.value.detail)
