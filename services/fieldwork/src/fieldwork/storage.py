"""Where the bytes of protocol attachments live: one small interface (``AttachmentStore``)
and its filesystem implementation (decision 79).

Rows (``protocol_attachment``) say what a file is; the store holds only bytes under a key.
Everything that reads or writes attachment bytes goes through ``AttachmentStore`` — the
protocol routes, the protocol PDF — so an object store is one more implementation, not a
change of callers. Bytes are streamed in chunks both ways: a 15 MiB photo is never held
in memory whole.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from fieldwork.settings import Settings

# What a key may look like: relative, slash-separated segments of safe characters (so a
# key can never name a path outside the store's directory, whatever a caller passes).
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}){0,5}")
# How much is read from disk per chunk when a file is streamed back.
READ_CHUNK_BYTES = 64 * 1024
# Uploaded pieces are gathered up to this size before each write: one thread hop per
# 256 KiB, not per network packet.
WRITE_BUFFER_BYTES = 256 * 1024
_TEMP_PREFIX = ".upload-"


class AttachmentTooLarge(Exception):
    """The stream went past ``max_bytes``; nothing was kept."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the file is larger than the limit of {max_bytes} bytes")
        self.max_bytes = max_bytes


class AttachmentMissing(Exception):
    """No file under that key."""


class InvalidKey(ValueError):
    pass


@runtime_checkable
class AttachmentStore(Protocol):
    """Bytes under keys such as ``protocols/<protocol id>/<attachment id>``."""

    async def write(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int
    ) -> tuple[int, str]:
        """Store the stream under ``key``; answers (size in bytes, sha256 hex). All or
        nothing: past ``max_bytes`` it raises ``AttachmentTooLarge`` while streaming, and
        whatever ``chunks`` raises (a client gone mid-upload) propagates; either way
        nothing is left under ``key`` or beside it. An existing key is replaced whole."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The file's bytes in chunks. Opened when awaited, so a missing file raises
        ``AttachmentMissing`` here, before a response has started, not mid-stream."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the file; a missing one is not an error (deleting twice is fine)."""
        ...


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key) or any(part in (".", "..") for part in key.split("/")):
        raise InvalidKey(f"not a storage key: {key!r}")
    return key


def attachment_key(protocol_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    """The key of one protocol attachment: grouped by protocol, so a protocol's files sit
    together (a backup, a clean-up, a look on disk)."""
    return f"protocols/{protocol_id}/{attachment_id}"


async def read_bytes(store: AttachmentStore, key: str) -> bytes:
    """A whole file in memory — for callers that need it so (a PDF renderer embedding a
    photo); the upload limit bounds it."""
    parts = [chunk async for chunk in await store.open(key)]
    return b"".join(parts)


def attachment_store(settings: Settings) -> AttachmentStore:
    """The process's store: today always the filesystem one under ``attachments_dir``."""
    return FilesystemAttachmentStore(settings.attachments_dir)


class FilesystemAttachmentStore:
    """Files under ``root`` (a volume in compose and Kubernetes). A write goes to a
    temporary file in the key's directory, is flushed to disk, then renamed over the key:
    readers see the old file or the whole new one, and an interrupted upload leaves only
    a temporary file that the same write removes. Blocking file calls run in a thread so
    the event loop keeps serving."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    async def write(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int
    ) -> tuple[int, str]:
        target = self.path_of(key)
        temp = target.with_name(f"{_TEMP_PREFIX}{uuid.uuid4().hex}")
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray()
        handle = await asyncio.to_thread(_create, temp)
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise AttachmentTooLarge(max_bytes)
                digest.update(chunk)
                buffer += chunk
                if len(buffer) >= WRITE_BUFFER_BYTES:
                    await asyncio.to_thread(handle.write, bytes(buffer))
                    buffer.clear()
            if buffer:
                await asyncio.to_thread(handle.write, bytes(buffer))
            await asyncio.to_thread(_finish, handle, temp, target)
        except BaseException:
            # Cancelled, too large, the client gone, the disk full: nothing stays behind.
            await asyncio.shield(asyncio.to_thread(_discard, handle, temp))
            raise
        return size, digest.hexdigest()

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, NotADirectoryError) as error:
            raise AttachmentMissing(f"no attachment file under {key}") from error
        return _chunks_of(handle)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)

    def leftovers(self) -> Iterator[Path]:
        """Temporary files of writes that never finished (a killed process): none while
        writes end normally. For tests and a clean-up job."""
        if self.root.exists():
            yield from self.root.rglob(f"{_TEMP_PREFIX}*")


def _create(temp: Path) -> BinaryIO:
    # The directory is made on the first write (``make run`` needs no set-up step).
    temp.parent.mkdir(parents=True, exist_ok=True)
    return temp.open("xb")


def _finish(handle: BinaryIO, temp: Path, target: Path) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()
    os.replace(temp, target)


def _discard(handle: BinaryIO, temp: Path) -> None:
    handle.close()
    temp.unlink(missing_ok=True)


async def _chunks_of(handle: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, READ_CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()
