"""Protocol attachments: upload (streamed through the attachment store, its size and
media type checked while it streams), download, delete.

An upload holds no database transaction while the bytes arrive (a phone on a weak line
may take minutes): the protocol is checked, the transaction ended, the file streamed
into the store, and only then the protocol locked again, checked again and the row
written. Whatever fails after the file was stored removes it, so a refused or interrupted
upload leaves neither a row nor a file.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import RowMapping

from aftersales_kit.problems import NotFound
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from fieldwork import tables
from fieldwork.context import Context
from fieldwork.protocols import domain, handlers
from fieldwork.protocols.domain import AttachmentKind, ProtocolStatus
from fieldwork.protocols.schemas import AttachmentOut
from fieldwork.storage import AttachmentMissing, AttachmentStore, AttachmentTooLarge, attachment_key
from fieldwork.visibility import Scope

PA = tables.protocol_attachment.c


class AttachmentNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Upload:
    """What the request says about the file before a byte of it is read."""

    kind: AttachmentKind
    content_type: str | None
    content_length: str | None
    file_name: str | None
    content_disposition: str | None


async def _checked(chunks: AsyncIterator[bytes], media_type: str) -> AsyncIterator[bytes]:
    """``chunks`` passed on unchanged once their first bytes match ``media_type`` (415
    otherwise, raised inside the store's write, which then keeps nothing)."""
    head = b""
    checked = False
    async for chunk in chunks:
        if not chunk:
            continue
        if checked:
            yield chunk
            continue
        head += chunk
        if len(head) >= domain.SNIFF_BYTES:
            domain.check_content(media_type, head)
            checked = True
            yield head
    if not checked:
        # A file shorter than the sniffed prefix (or empty): judged on what there is.
        domain.check_content(media_type, head)
        yield head


def _check_writable(row: RowMapping, expected: int | None) -> None:
    check_version(row["version"], expected)
    domain.check_editable(ProtocolStatus(row["status"]), row["case_status"])


async def upload_attachment(
    uow: UnitOfWork,
    ctx: Context,
    store: AttachmentStore,
    protocol_id: uuid.UUID,
    upload: Upload,
    body: AsyncIterator[bytes],
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope,
) -> tuple[AttachmentOut, int]:
    """Store one file of a draft protocol; answers its metadata and the protocol's new
    version. Refused before reading: 404 (not seen), 409 (completed, case closed, full),
    412 (a stale If-Match, when one is sent), 413 (Content-Length over the limit), 415
    (a type not accepted). While reading: 413 past the limit, 415 when the bytes are not
    the declared type, 422 for an empty file."""
    settings = ctx.settings
    limit = settings.attachment_max_bytes
    row = await handlers.find_protocol(uow, protocol_id, scope, lock=False)
    _check_writable(row, expected_version)
    domain.check_room(
        await handlers.attachment_count(uow, protocol_id), settings.attachments_per_protocol
    )
    domain.check_declared_size(upload.content_length, limit)
    media_type = domain.declared_media_type(upload.content_type)
    file_name = domain.safe_file_name(
        upload.file_name or domain.file_name_from_disposition(upload.content_disposition),
        upload.kind,
        media_type,
    )
    # No transaction (nor pooled connection) held while the bytes arrive.
    await uow.rollback()

    attachment_id = uuid.uuid4()
    key = attachment_key(protocol_id, attachment_id)
    try:
        size, sha256 = await store.write(key, _checked(body, media_type), max_bytes=limit)
    except AttachmentTooLarge as error:
        raise domain.too_large(limit) from error
    try:
        # Checked again under the lock: the protocol may have been completed, changed or
        # filled by another upload while this one streamed.
        row = await handlers.find_protocol(uow, protocol_id, scope, lock=True)
        _check_writable(row, expected_version)
        domain.check_room(
            await handlers.attachment_count(uow, protocol_id), settings.attachments_per_protocol
        )
        now = ctx.clock.now()
        values = {
            "id": attachment_id,
            "protocol_id": protocol_id,
            "kind": upload.kind.value,
            "file_name": file_name,
            "media_type": media_type,
            "size_bytes": size,
            "sha256": sha256,
            "storage_key": key,
            "uploaded_at": now,
            "uploaded_by": by,
        }
        await uow.session.execute(tables.protocol_attachment.insert().values(values))
        version = await handlers.bump(uow, ctx, row)
        await uow.commit()
    except BaseException:
        await store.delete(key)
        raise
    return AttachmentOut.model_validate(values), version


async def find_attachment(
    uow: UnitOfWork, protocol_id: uuid.UUID, attachment_id: uuid.UUID, scope: Scope | None
) -> RowMapping:
    """The attachment of a protocol the caller sees; 404 otherwise."""
    await handlers.find_protocol(uow, protocol_id, scope, lock=False)
    row = (
        (
            await uow.session.execute(
                select(tables.protocol_attachment).where(
                    PA.id == attachment_id, PA.protocol_id == protocol_id
                )
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise AttachmentNotFound(f"no attachment {attachment_id} of protocol {protocol_id}")
    return row


async def open_attachment(
    uow: UnitOfWork,
    store: AttachmentStore,
    protocol_id: uuid.UUID,
    attachment_id: uuid.UUID,
    *,
    scope: Scope,
) -> tuple[AttachmentOut, AsyncIterator[bytes]]:
    """The attachment's metadata and its bytes, opened (a file gone from the store is a
    404 before the answer starts, not a broken download)."""
    row = await find_attachment(uow, protocol_id, attachment_id, scope)
    # The bytes stream after the route returns: end the read transaction now.
    await uow.rollback()
    try:
        chunks = await store.open(row["storage_key"])
    except AttachmentMissing as error:
        raise AttachmentNotFound(
            f"the file of attachment {attachment_id} is missing from the store"
        ) from error
    return AttachmentOut.model_validate(dict(row)), chunks


async def delete_attachment(
    uow: UnitOfWork,
    ctx: Context,
    store: AttachmentStore,
    protocol_id: uuid.UUID,
    attachment_id: uuid.UUID,
    *,
    expected_version: int | None,
    scope: Scope,
) -> int:
    """Remove an attachment of a draft protocol (409 once completed); the row goes in the
    transaction, the file after it commits (a failed commit keeps both). Answers the
    protocol's new version."""
    row = await handlers.find_protocol(uow, protocol_id, scope, lock=True)
    _check_writable(row, expected_version)
    attachment = await find_attachment(uow, protocol_id, attachment_id, scope)
    await uow.session.execute(delete(tables.protocol_attachment).where(PA.id == attachment_id))
    version = await handlers.bump(uow, ctx, row)
    await uow.commit()
    await store.delete(attachment["storage_key"])
    return version
