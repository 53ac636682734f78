"""Under an outage the gateway says so: 503 with Retry-After, whether its own database
(users, tokens) is away or a service answers that its own is."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from aftersales_kit.problems import RETRY_AFTER_SECONDS
from aftersales_testing.tcp_proxy import TcpProxy
from gateway.settings import Settings

from ..conftest import ClientFactory, TokenFactory, UserFactory

PROBLEM = "application/problem+json"


@pytest.fixture
async def database_proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy.to(settings.database_url)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def _assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["title"] == "Service unavailable"
    assert "database" in body["detail"]
    assert "Error" not in response.text  # no exception names or messages


async def test_the_gateways_own_database_away_is_503_then_back_to_200(
    client_for: ClientFactory,
    settings: Settings,
    database_proxy: TcpProxy,
    token_for: TokenFactory,
    make_user: UserFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = await token_for("admin")
    username, password = await make_user("viewer")
    bearer = {"Authorization": f"Bearer {token}"}
    proxied_url = database_proxy.url(settings.database_url)
    proxied = settings.model_copy(update={"database_url": proxied_url})
    async with client_for(proxied) as client:
        assert (await client.get("/auth/me", headers=bearer)).status_code == 200

        database_proxy.cut()
        caplog.set_level(logging.WARNING)
        caplog.clear()
        # The token check of every route, and a sign-in, need the users' table.
        _assert_database_unavailable(await client.get("/auth/me", headers=bearer))
        _assert_database_unavailable(await client.get("/api/products", headers=bearer))
        _assert_database_unavailable(
            await client.post("/auth/token", data={"username": username, "password": password})
        )
        # One WARNING line a request, never a traceback. (The accounts push loop warns of
        # its own rounds meanwhile, about notifications, which is not the requests' log.)
        records = [
            r
            for r in caplog.records
            if r.levelno >= logging.WARNING and r.name != "gateway.accounts_push"
        ]
        assert [r.levelno for r in records] == [logging.WARNING] * 3, [
            r.getMessage() for r in records
        ]
        for record in records:
            assert record.exc_info is None
            assert record.getMessage().startswith("database unreachable")
            assert password not in record.getMessage()

        database_proxy.restore()
        response = await client.get("/api/products", headers=bearer)
        assert response.status_code == 200, response.text
        signed_in = await client.post(
            "/auth/token", data={"username": username, "password": password}
        )
        assert signed_in.status_code == 200, signed_in.text


async def test_a_services_503_passes_through_with_retry_after_and_its_problem(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    token = await token_for("viewer")
    response = await client.get(
        "/api/callouts/status/503", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"  # the service's own, not the gateway's
    assert response.headers["content-type"] == PROBLEM
    assert response.json() == {"title": "upstream says no"}
