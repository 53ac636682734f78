"""Sign-in input the gateway refuses before it costs anything: control characters (a
NUL used to be a 500), and a body larger than its own small limit (413 before reading)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from ..conftest import UserFactory


async def test_a_nul_in_the_username_is_a_422_naming_it_not_a_500(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/auth/token", json={"username": "a\u0000", "password": "x"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "username"


async def test_a_huge_sign_in_body_is_refused_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    padding = "x" * (1024 * 1024)
    response = await client.post("/auth/token", json={"username": padding, "password": "x"})
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "body"


async def test_a_huge_sign_in_form_is_refused_before_it_is_parsed(
    client: httpx.AsyncClient,
) -> None:
    padding = "x" * (1024 * 1024)
    response = await client.post("/auth/token", data={"username": padding, "password": "x"})
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "body"


async def test_a_huge_chunked_sign_in_form_is_refused_too(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"username=someone&password="
        for _ in range(64):
            yield b"x" * 16 * 1024

    response = await client.post(
        "/auth/token",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "body"


async def test_a_multipart_sign_in_still_reads_its_fields(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    username, password = await make_user("viewer")
    fields = {"username": (None, username), "password": (None, password)}
    response = await client.post("/auth/token", files=fields)
    assert response.status_code == 200, response.text
