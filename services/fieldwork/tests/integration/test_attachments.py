"""Protocol attachments over HTTP: streamed in and back intact, each accepted type, the file
name, the size limit (with and without Content-Length), wrong types (415), an interrupted
upload, the per-protocol limit, delete, and read-only once the protocol is completed."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.seed import as_user
from tests.integration.test_protocol_support import (
    HEIC,
    JPEG,
    PDF,
    PNG,
    WEBP,
    attachment_rows,
    files_under,
    new_protocol,
    site,
    tag,
    use_store,
)

pytestmark = pytest.mark.asyncio


async def _draft(client: httpx.AsyncClient) -> dict[str, Any]:
    s = await site(client)
    return await new_protocol(client, order_id=s.order_id)


def _url(protocol: dict[str, Any], kind: str = "photo_before") -> str:
    return f"/protocols/{protocol['id']}/attachments?kind={kind}"


async def _chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_photo_streams_in_and_back_intact(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    store = use_store(client, tmp_path)
    protocol = await _draft(client)
    photo = b"\xff\xd8\xff\xe0" + os.urandom(3 * 1024 * 1024)
    answer = await client.post(
        _url(protocol),
        content=_chunks(photo),  # no Content-Length: chunked, as a phone may send it
        headers={
            "Content-Type": "image/jpeg",
            "Content-Disposition": "attachment; filename*=UTF-8''f%C3%B6re.jpg",
        },
    )
    assert answer.status_code == 201, answer.text
    attachment = answer.json()
    assert attachment["kind"] == "photo_before"
    assert attachment["file_name"] == "före.jpg"
    assert attachment["media_type"] == "image/jpeg"
    assert attachment["size_bytes"] == len(photo)
    assert attachment["sha256"] == hashlib.sha256(photo).hexdigest()
    assert attachment["uploaded_by"] == "planner"
    assert answer.headers["ETag"] == '"2"'
    assert answer.headers["Location"].endswith(attachment["id"])
    [stored] = files_under(tmp_path)
    assert stored == store.path_of(f"protocols/{protocol['id']}/{attachment['id']}")

    back = await client.get(f"/protocols/{protocol['id']}/attachments/{attachment['id']}")
    assert back.status_code == 200
    assert hashlib.sha256(back.content).hexdigest() == attachment["sha256"]
    assert back.headers["content-type"] == "image/jpeg"
    assert back.headers["content-length"] == str(len(photo))
    assert back.headers["content-disposition"] == (
        "attachment; filename=\"f_re.jpg\"; filename*=UTF-8''f%C3%B6re.jpg"
    )
    assert back.headers["x-content-type-options"] == "nosniff"
    view = (await client.get(f"/protocols/{protocol['id']}")).json()
    assert view["version"] == 2
    assert [a["id"] for a in view["attachments"]] == [attachment["id"]]


@pytest.mark.parametrize(
    ("media", "data", "kind", "default_name"),
    [
        ("image/png", PNG, "photo_after", "photo_after.png"),
        ("image/webp", WEBP, "photo_before", "photo_before.webp"),
        ("image/heic", HEIC, "photo_after", "photo_after.heic"),
        ("application/pdf", PDF, "signed_protocol", "signed_protocol.pdf"),
    ],
)
async def test_each_accepted_type_and_kind(
    client: httpx.AsyncClient,
    tmp_path: Path,
    media: str,
    data: bytes,
    kind: str,
    default_name: str,
) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    answer = await client.post(_url(protocol, kind), content=data, headers={"Content-Type": media})
    assert answer.status_code == 201, answer.text
    assert (answer.json()["kind"], answer.json()["file_name"]) == (kind, default_name)
    back = await client.get(f"/protocols/{protocol['id']}/attachments/{answer.json()['id']}")
    assert back.content == data


async def test_the_file_name_comes_from_the_query_made_safe(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    answer = await client.post(
        _url(protocol) + "&file_name=../../etc/cron.d/evil.jpg",
        content=JPEG,
        headers={
            "Content-Type": "image/jpeg",
            "Content-Disposition": 'attachment; filename="x.jpg"',
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["file_name"] == "evil.jpg"
    assert all(p.is_relative_to(tmp_path) for p in files_under(tmp_path))


async def test_too_large_with_content_length_is_refused_before_reading(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path, attachment_max_bytes=1000)
    protocol = await _draft(client)
    read: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(1)
        yield JPEG[:1001]

    answer = await client.post(
        _url(protocol),
        content=body(),
        headers={"Content-Type": "image/jpeg", "Content-Length": "1001"},
    )
    assert answer.status_code == 413
    assert answer.json()["max_bytes"] == 1000
    assert "1000 bytes" in answer.json()["detail"]
    assert read == []  # not a byte read
    assert files_under(tmp_path) == []
    assert await attachment_rows(client, protocol["id"]) == []


async def test_too_large_without_content_length_is_refused_while_streaming(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path, attachment_max_bytes=200_000)
    protocol = await _draft(client)
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield JPEG[:16]
        for _ in range(1000):
            sent.append(1)
            yield b"\x00" * 10_000

    answer = await client.post(
        _url(protocol), content=body(), headers={"Content-Type": "image/jpeg"}
    )
    assert answer.status_code == 413
    assert answer.json()["max_bytes"] == 200_000
    assert len(sent) < 1000  # stopped at the limit, not after the whole body
    assert files_under(tmp_path) == []
    assert await attachment_rows(client, protocol["id"]) == []
    view = (await client.get(f"/protocols/{protocol['id']}")).json()
    assert view["version"] == 1


async def test_a_body_exactly_at_the_limit_is_taken(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path, attachment_max_bytes=len(PNG))
    protocol = await _draft(client)
    answer = await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("content_type", "data", "field"),
    [
        ("application/pdf", PNG, "Content-Type"),  # a PNG sent as a PDF
        ("image/jpeg", PDF, "Content-Type"),
        ("image/jpeg", b"GIF89a" + b"\x00" * 100, "body"),  # no accepted type at all
        ("image/gif", b"GIF89a" + b"\x00" * 100, "Content-Type"),
        ("text/html", b"<html></html>", "Content-Type"),
        ("application/octet-stream", JPEG, "Content-Type"),
    ],
)
async def test_wrong_types_are_415_and_leave_nothing(
    client: httpx.AsyncClient, tmp_path: Path, content_type: str, data: bytes, field: str
) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    answer = await client.post(_url(protocol), content=data, headers={"Content-Type": content_type})
    assert answer.status_code == 415, answer.text
    problem = answer.json()
    assert problem["field"] == field
    assert problem["accepted"] == [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "application/pdf",
    ]
    assert files_under(tmp_path) == []
    assert await attachment_rows(client, protocol["id"]) == []


async def test_no_content_type_is_415(client: httpx.AsyncClient, tmp_path: Path) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    # httpx sends raw bytes with no Content-Type of its own.
    answer = await client.post(_url(protocol), content=JPEG)
    assert "content-type" not in answer.request.headers
    assert answer.status_code == 415


async def test_an_empty_file_is_422(client: httpx.AsyncClient, tmp_path: Path) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    answer = await client.post(_url(protocol), content=b"", headers={"Content-Type": "image/png"})
    assert (answer.status_code, answer.json()["field"]) == (422, "body")
    assert files_under(tmp_path) == []


class Disconnected(Exception):
    pass


async def test_an_interrupted_upload_leaves_no_row_and_no_file(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)

    async def body() -> AsyncIterator[bytes]:
        yield JPEG
        yield b"\x00" * 300_000  # past the store's write buffer: a temp file is on disk
        raise Disconnected("the phone lost its connection")

    raised = False
    try:
        await client.post(_url(protocol), content=body(), headers={"Content-Type": "image/jpeg"})
    except* Disconnected:  # as it is, or in the middleware's exception group
        raised = True
    assert raised
    assert files_under(tmp_path) == []
    assert await attachment_rows(client, protocol["id"]) == []
    view = (await client.get(f"/protocols/{protocol['id']}")).json()
    assert view["version"] == 1
    assert view["attachments"] == []


async def test_a_client_disconnect_leaves_nothing(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """The ASGI server says the client is gone (``http.disconnect``) mid-body."""
    store = use_store(client, tmp_path)
    protocol = await _draft(client)
    writes: list[str] = []
    write = store.write

    async def recorded(
        key: str, chunks: AsyncIterator[bytes], *, max_bytes: int
    ) -> tuple[int, str]:
        writes.append(key)
        return await write(key, chunks, max_bytes=max_bytes)

    store.write = recorded  # type: ignore[method-assign]
    app = client.app  # type: ignore[attr-defined]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": JPEG, "more_body": True},
        {"type": "http.request", "body": b"\x00" * 300_000, "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": f"/protocols/{protocol['id']}/attachments",
        "raw_path": f"/protocols/{protocol['id']}/attachments".encode(),
        "query_string": b"kind=photo_before",
        "root_path": "",
        "headers": [
            (b"host", b"fieldwork"),
            (b"content-type", b"image/jpeg"),
            (b"x-aftersales-user", b"planner"),
            (b"x-aftersales-roles", b"admin"),
        ],
        "client": ("127.0.0.1", 1234),
        "server": ("fieldwork", 80),
        "state": {},
    }
    # What the server makes of the disconnect is not the point; what is left behind is.
    with contextlib.suppress(Exception):
        await app(scope, receive, send)
    assert len(writes) == 1  # the upload reached the store before the client went
    assert not any(m.get("status") == 201 for m in sent)
    assert files_under(tmp_path) == []
    assert await attachment_rows(client, protocol["id"]) == []


async def test_at_most_n_attachments_per_protocol(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path, attachments_per_protocol=2)
    protocol = await _draft(client)
    for _ in range(2):
        ok = await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
        assert ok.status_code == 201
    full = await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
    assert full.status_code == 409
    assert full.json()["max_attachments"] == 2
    assert len(files_under(tmp_path)) == 2


async def test_upload_refusals_before_reading(client: httpx.AsyncClient, tmp_path: Path) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    png = {"Content-Type": "image/png"}
    unknown = await client.post(
        f"/protocols/{uuid.uuid4()}/attachments?kind=photo_before", content=PNG, headers=png
    )
    assert unknown.status_code == 404
    bad_kind = await client.post(_url(protocol, "selfie"), content=PNG, headers=png)
    assert (bad_kind.status_code, bad_kind.json()["field"]) == (422, "query.kind")
    no_kind = await client.post(
        f"/protocols/{protocol['id']}/attachments", content=PNG, headers=png
    )
    assert no_kind.status_code == 422
    stale = await client.post(_url(protocol), content=PNG, headers=png | {"If-Match": '"9"'})
    assert stale.status_code == 412
    viewer = await client.post(_url(protocol), content=PNG, headers=png | as_user("v", "viewer"))
    assert viewer.status_code == 403
    current = await client.post(_url(protocol), content=PNG, headers=png | tag(protocol))
    assert current.status_code == 201
    assert len(files_under(tmp_path)) == 1


async def test_delete_on_a_draft_removes_row_and_file(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    made = await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
    attachment = made.json()
    url = f"/protocols/{protocol['id']}/attachments/{attachment['id']}"
    stale = await client.delete(url, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    gone = await client.delete(url, headers={"If-Match": made.headers["ETag"]})
    assert gone.status_code == 204
    assert gone.headers["ETag"] == '"3"'
    assert files_under(tmp_path) == []
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url)).status_code == 404
    assert (
        await client.get(f"/protocols/{protocol['id']}/attachments/{uuid.uuid4()}")
    ).status_code == 404


async def test_a_completed_protocol_takes_no_upload_and_keeps_its_files(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    use_store(client, tmp_path)
    protocol = await _draft(client)
    made = await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
    url = f"/protocols/{protocol['id']}"
    current = (await client.get(url)).json()
    works = {"works": [{"description": "Fix", "minutes": 10}]}
    current = (await client.put(f"{url}/works", json=works, headers=tag(current))).json()
    done = await client.post(f"{url}/complete", headers=tag(current))
    assert done.status_code == 200
    refused = await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
    assert refused.status_code == 409
    kept = await client.delete(f"{url}/attachments/{made.json()['id']}")
    assert kept.status_code == 409
    assert len(files_under(tmp_path)) == 1
    back = await client.get(f"{url}/attachments/{made.json()['id']}")
    assert back.content == PNG


async def test_a_file_missing_from_the_store_is_404_not_a_broken_download(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    store = use_store(client, tmp_path)
    protocol = await _draft(client)
    made = (
        await client.post(_url(protocol), content=PNG, headers={"Content-Type": "image/png"})
    ).json()
    await store.delete(f"protocols/{protocol['id']}/{made['id']}")
    answer = await client.get(f"/protocols/{protocol['id']}/attachments/{made['id']}")
    assert answer.status_code == 404


async def test_the_default_limit_is_15_mib(client: httpx.AsyncClient, tmp_path: Path) -> None:
    """Nothing in front of the route (the input guard, FastAPI) limits a non-JSON body
    below the setting."""
    use_store(client, tmp_path)
    protocol = await _draft(client)
    limit = 15 * 1024 * 1024
    photo = JPEG[:16] + b"\x00" * (limit - 16)
    taken = await client.post(
        _url(protocol), content=_chunks(photo, 1024 * 1024), headers={"Content-Type": "image/jpeg"}
    )
    assert taken.status_code == 201, taken.text
    assert taken.json()["size_bytes"] == limit
    over = await client.post(
        _url(protocol),
        content=_chunks(photo + b"\x00", 1024 * 1024),
        headers={"Content-Type": "image/jpeg"},
    )
    assert over.status_code == 413
    assert over.json()["max_bytes"] == limit
    assert len(files_under(tmp_path)) == 1
