"""The public API's document is served by the gateway, without a token (decision 85), and
ships in its package. That it is in step with the services is deploy/tests'
test_public_openapi.py (it builds every service: gateway tests import no other service)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib import resources

import httpx
import pytest

from gateway.domain import ROUTES
from gateway.main import build_app
from gateway.settings import Settings


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # Not started: nothing here touches the database.
    app = build_app(Settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def test_the_public_document_is_served_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    shipped = (resources.files("gateway") / "public_openapi.json").read_bytes()
    assert response.content == shipped
    document = response.json()
    assert document["info"]["title"] == "Aftersales public API"
    assert "/api/callouts" in document["paths"]
    assert "/api/{path}" not in document["paths"]


async def test_the_rest_of_api_still_needs_a_token(client: httpx.AsyncClient) -> None:
    for path in ("/api/callouts", "/api/openapi.json/x", "/api/openapi.yaml"):
        response = await client.get(path)
        assert response.status_code == 401, path


async def test_the_gateways_own_document_leaves_it_out(client: httpx.AsyncClient) -> None:
    # The gateway's own document lists only operations that need a token (the fuzzer
    # checks each answers 401 without one), and /api/{path} stands for the rest.
    own = (await client.get("/openapi.json")).json()
    assert "/api/openapi.json" not in own["paths"]
    assert "/api/{path}" in own["paths"]


def test_the_shipped_document_is_json_naming_every_public_resource() -> None:
    document = json.loads((resources.files("gateway") / "public_openapi.json").read_text())
    resources_named = {path.split("/")[2] for path in document["paths"] if path.startswith("/api/")}
    assert resources_named == set(ROUTES)
