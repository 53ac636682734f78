"""Settings refuse a default secret outside development; Argon2 password hashing."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from gateway.domain import resolve_route
from gateway.passwords import hash_password, verify_password
from gateway.proxy import Upstreams
from gateway.settings import Settings


def test_dev_password_defaults_only_in_development() -> None:
    assert Settings(environment="development").dev_password == "dev"
    with pytest.raises(ValidationError, match="GATEWAY_DEV_PASSWORD"):
        Settings(environment="production")
    assert Settings(environment="production", dev_password="s3cret").dev_password == "s3cret"
    with pytest.raises(ValidationError, match="must not be empty"):
        Settings(environment="production", dev_password="")


def test_defaults_match_the_port_plan() -> None:
    settings = Settings()
    assert settings.http_port == 8000
    assert settings.upstream_urls() == {
        "catalog": "http://127.0.0.1:8001",
        "servicetypes": "http://127.0.0.1:8002",
        "scheduling": "http://127.0.0.1:8003",
        "notifications": "http://127.0.0.1:8004",
        "fieldwork": "http://127.0.0.1:8007",
        "campaigns": "http://127.0.0.1:8008",
    }
    assert settings.database_url.endswith("/aftersales_gateway")


def test_password_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "wrong horse")
    assert not verify_password("not a hash", "correct horse")
    assert not verify_password(None, "correct horse")


def test_the_checked_path_is_the_path_sent_upstream() -> None:
    upstreams = Upstreams(httpx.AsyncClient(), {"catalog": "http://catalog:8001/base/"})
    url = upstreams.url_for(resolve_route("/api/products/a b/ü"), b"q=1&r=two%20words")
    assert str(url) == "http://catalog:8001/base/products/a%20b/%C3%BC?q=1&r=two%20words"
