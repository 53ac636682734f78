"""The filesystem attachment store: streamed, all or nothing, keys that stay inside it."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fieldwork.settings import Settings
from fieldwork.storage import (
    WRITE_BUFFER_BYTES,
    AttachmentMissing,
    AttachmentStore,
    AttachmentTooLarge,
    FilesystemAttachmentStore,
    InvalidKey,
    attachment_key,
    attachment_store,
    read_bytes,
)


async def _stream(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


class Gone(Exception):
    pass


async def _broken(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    raise Gone("the client went away")


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


async def test_a_file_is_written_in_pieces_and_read_back_intact(tmp_path: Path) -> None:
    store = FilesystemAttachmentStore(tmp_path / "attachments")
    parts = [os.urandom(100_000) for _ in range(7)]  # past the write buffer more than once
    key = attachment_key(uuid.uuid4(), uuid.uuid4())
    size, sha256 = await store.write(key, _stream(*parts), max_bytes=10**6)
    whole = b"".join(parts)
    assert size == len(whole) > WRITE_BUFFER_BYTES
    assert sha256 == hashlib.sha256(whole).hexdigest()
    chunks = [chunk async for chunk in await store.open(key)]
    assert b"".join(chunks) == whole
    assert len(chunks) > 1  # streamed back, not in one piece
    assert await read_bytes(store, key) == whole
    assert _files(tmp_path) == [store.path_of(key)]
    assert not list(store.leftovers())


async def test_the_directory_is_made_on_the_first_write(tmp_path: Path) -> None:
    root = tmp_path / "not" / "yet"
    store = FilesystemAttachmentStore(root)
    await store.write("protocols/p/a", _stream(b"x"), max_bytes=10)
    assert (root / "protocols" / "p" / "a").read_bytes() == b"x"


async def test_past_the_limit_the_write_stops_and_leaves_nothing(tmp_path: Path) -> None:
    store = FilesystemAttachmentStore(tmp_path)
    consumed: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for n in range(1000):
            consumed.append(n)
            yield b"x" * 1000

    with pytest.raises(AttachmentTooLarge) as raised:
        await store.write("protocols/p/a", endless(), max_bytes=5_500)
    assert raised.value.max_bytes == 5_500
    assert len(consumed) == 6  # refused during the stream, not after reading it all
    assert _files(tmp_path) == []


async def test_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    store = FilesystemAttachmentStore(tmp_path)
    size, _ = await store.write("k", _stream(b"12345"), max_bytes=5)
    assert size == 5


async def test_an_interrupted_stream_leaves_nothing_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    store = FilesystemAttachmentStore(tmp_path)
    await store.write("protocols/p/a", _stream(b"old"), max_bytes=10**6)
    with pytest.raises(Gone):
        await store.write("protocols/p/a", _broken(b"new" * 100_000), max_bytes=10**6)
    assert await read_bytes(store, "protocols/p/a") == b"old"
    assert _files(tmp_path) == [store.path_of("protocols/p/a")]
    with pytest.raises(Gone):
        await store.write("protocols/p/b", _broken(b"partial"), max_bytes=10**6)
    assert _files(tmp_path) == [store.path_of("protocols/p/a")]


async def test_delete_removes_and_tolerates_a_missing_file(tmp_path: Path) -> None:
    store = FilesystemAttachmentStore(tmp_path)
    await store.write("a/b", _stream(b"x"), max_bytes=10)
    await store.delete("a/b")
    await store.delete("a/b")
    with pytest.raises(AttachmentMissing):
        await store.open("a/b")


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", ".hidden", "a\\b", "a/b/"]
)
async def test_keys_cannot_leave_the_store(tmp_path: Path, key: str) -> None:
    store = FilesystemAttachmentStore(tmp_path)
    with pytest.raises(InvalidKey):
        await store.write(key, _stream(b"x"), max_bytes=10)
    with pytest.raises(InvalidKey):
        await store.open(key)


def test_the_process_store_is_the_filesystem_one_under_the_setting(tmp_path: Path) -> None:
    store = attachment_store(Settings(attachments_dir=tmp_path))
    assert isinstance(store, FilesystemAttachmentStore)
    assert isinstance(store, AttachmentStore)
    assert store.root == tmp_path
