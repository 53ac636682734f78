"""``/protocols``: the service protocol filled on site, its item and work lists, its
completion and its attachments (photos, the signed protocol) streamed in and out."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, problem_responses
from aftersales_kit.identity import Caller, CallerDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE
from aftersales_kit.problems import Forbidden
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag, tagged
from fieldwork.dependencies import ContextDep
from fieldwork.orders.permissions import may_plan
from fieldwork.protocols import domain, handlers, uploads
from fieldwork.protocols.domain import ACCEPTED_MEDIA_TYPES, AttachmentKind, ProtocolStatus
from fieldwork.protocols.schemas import (
    AttachmentOut,
    CompletedProtocol,
    ItemsIn,
    ProtocolChange,
    ProtocolDraft,
    ProtocolPage,
    ProtocolView,
    WorksIn,
)
from fieldwork.storage import AttachmentStore, attachment_store
from fieldwork.visibility import TECHNICIAN_ROLE, ScopeDep

router = APIRouter(prefix="/protocols", tags=["protocols"])


async def _writer(caller: CallerDep) -> Caller:
    """Planners, and technicians on their own orders' protocols (sight keeps the rest a
    404); viewers read only."""
    if not (may_plan(caller) or caller.has_role(TECHNICIAN_ROLE)):
        raise Forbidden("only a planner or the order's technician may write a protocol")
    return caller


WriterDep = Annotated[Caller, Depends(_writer)]


async def store_of(ctx: ContextDep) -> AttachmentStore:
    """The attachment store (a dependency: tests hand in one under a directory of theirs)."""
    return attachment_store(ctx.settings)


StoreDep = Annotated[AttachmentStore, Depends(store_of)]

_WRITE = problem_responses(
    403, 409, s409="The protocol is completed, or its case closed (read-only)"
)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(403, 409))
async def create_protocol(
    body: ProtocolDraft,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: WriterDep,
    scope: ScopeDep,
    response: Response,
) -> ProtocolView:
    """A draft protocol of a case (``case_id``; planners) or of one of its orders
    (``order_id``; its case is the order's). One per order: 409 with
    ``existing_protocol_id``; a cancelled order or a completed or cancelled case 409. An
    unknown or unseen id is 422 naming it; a technician names one of their own orders
    (``case_id`` alone: 403)."""
    view = await handlers.create_protocol(uow, ctx, body, by=caller.username, scope=scope)
    response.headers["Location"] = f"{router.prefix}/{view.id}"
    tagged(response, view)
    return view


@router.get("")
async def list_protocols(
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    case_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    protocol_status: Annotated[ProtocolStatus | None, Query(alias="status")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> ProtocolPage:
    """The protocols the caller sees, oldest first (a technician: their orders'), of a
    case, of an order, in a status."""
    items, next_cursor = await handlers.list_protocols(
        uow,
        scope=scope,
        case_id=case_id,
        order_id=order_id,
        status=protocol_status,
        cursor=cursor,
        limit=limit,
    )
    return ProtocolPage(items=items, next_cursor=next_cursor)


@router.get("/{protocol_id}")
async def get_protocol(
    protocol_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, response: Response
) -> ProtocolView:
    """The protocol with its items, works and attachments (metadata; the bytes at
    ``/attachments/{id}``); ``ETag`` for the next If-Match."""
    view = await handlers.get_protocol(uow, protocol_id, scope=scope)
    tagged(response, view)
    return view


@router.patch("/{protocol_id}", responses=_WRITE)
async def change_protocol(
    protocol_id: uuid.UUID,
    body: ProtocolChange,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    _caller: WriterDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProtocolView:
    """Change the fields sent (If-Match required): the fault and solution descriptions,
    a reported problem (``problem_description`` then required: 422), whether the PDF
    shows the photos."""
    view = await handlers.change_protocol(
        uow,
        ctx,
        protocol_id,
        body,
        expected_version=expected_version(if_match, required=True),
        scope=scope,
    )
    tagged(response, view)
    return view


@router.put("/{protocol_id}/items", responses=_WRITE)
async def replace_items(
    protocol_id: uuid.UUID,
    body: ItemsIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    _caller: WriterDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProtocolView:
    """The whole list of consumed items (If-Match required): each a product field work
    knows (``product_id``, else 422 naming ``items.<i>.product_id``; its name the default
    description) or free text, a quantity over 0 with at most 3 decimals, a unit."""
    view = await handlers.replace_items(
        uow,
        ctx,
        protocol_id,
        body,
        expected_version=expected_version(if_match, required=True),
        scope=scope,
    )
    tagged(response, view)
    return view


@router.put("/{protocol_id}/works", responses=_WRITE)
async def replace_works(
    protocol_id: uuid.UUID,
    body: WorksIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    _caller: WriterDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ProtocolView:
    """The whole list of works (If-Match required): description, minutes (0 to 1440), a
    known technician (422 naming ``works.<i>.technician_id``; on a technician's phone their
    own by default), the date."""
    view = await handlers.replace_works(
        uow,
        ctx,
        protocol_id,
        body,
        expected_version=expected_version(if_match, required=True),
        scope=scope,
    )
    tagged(response, view)
    return view


@router.post("/{protocol_id}/complete", responses=_WRITE)
async def complete_protocol(
    protocol_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: WriterDep,
    scope: ScopeDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CompletedProtocol:
    """Complete the draft (If-Match required; at least one work line, else 409 naming
    ``works``): publishes ``fieldwork.protocol.completed`` with its lines; a reported
    problem puts the case in Problem. ``will_send_to`` names the contact the PDF goes to
    automatically (null: nobody). Read-only afterwards until the case is sent back."""
    view = await handlers.complete_protocol(
        uow,
        ctx,
        protocol_id,
        expected_version=expected_version(if_match, required=True),
        by=caller.username,
        scope=scope,
    )
    tagged(response, view)
    return view


# --- attachments -------------------------------------------------------------------------

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the file's raw bytes (not multipart), its media type as Content-Type",
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ACCEPTED_MEDIA_TYPES
        },
    }
}


@router.post(
    "/{protocol_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses=problem_responses(
        403,
        409,
        413,
        415,
        s409="The protocol is completed, its case closed, or it holds the most attachments",
        s413="The file is over FIELDWORK_ATTACHMENT_MAX_BYTES (max_bytes)",
        s415="Not one of the accepted media types, or the bytes are not the type declared",
    ),
)
async def upload_attachment(
    protocol_id: uuid.UUID,
    request: Request,
    kind: AttachmentKind,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    caller: WriterDep,
    scope: ScopeDep,
    store: StoreDep,
    response: Response,
    file_name: Annotated[
        str | None,
        Query(max_length=255, description="else Content-Disposition's filename"),
    ] = None,
    if_match: IfMatchHeader = None,
) -> AttachmentOut:
    """Upload a photo (before, after) or the signed protocol to a draft protocol: the raw
    file as the body with its Content-Type (image/jpeg, image/png, image/webp, image/heic,
    application/pdf), the name from ``file_name`` or ``Content-Disposition: attachment;
    filename=…`` (made safe). Streamed into the store, never held whole. Over the size
    limit: 413 (before reading when Content-Length says so); another type, or bytes that
    are not the declared type: 415 with ``accepted``. If-Match optional (checked when
    sent): uploads from one phone do not wait for each other. Answers the attachment
    with the protocol's new ``ETag``."""
    attachment, version = await uploads.upload_attachment(
        uow,
        ctx,
        store,
        protocol_id,
        uploads.Upload(
            kind=kind,
            content_type=request.headers.get("content-type"),
            content_length=request.headers.get("content-length"),
            file_name=file_name,
            content_disposition=request.headers.get("content-disposition"),
        ),
        request.stream(),
        expected_version=expected_version(if_match, required=False),
        by=caller.username,
        scope=scope,
    )
    set_etag(response, version)
    response.headers["Location"] = f"{router.prefix}/{protocol_id}/attachments/{attachment.id}"
    return attachment


@router.get(
    "/{protocol_id}/attachments/{attachment_id}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "the file's bytes, with its media type",
            "content": {media: {} for media in ACCEPTED_MEDIA_TYPES},
        }
    },
)
async def download_attachment(
    protocol_id: uuid.UUID,
    attachment_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    store: StoreDep,
) -> StreamingResponse:
    """The file as uploaded (streamed), its media type, its name in a safe
    Content-Disposition (always ``attachment``) and its sha256 as the ETag."""
    attachment, chunks = await uploads.open_attachment(
        uow, store, protocol_id, attachment_id, scope=scope
    )
    return StreamingResponse(
        chunks,
        media_type=attachment.media_type,
        headers={
            "Content-Length": str(attachment.size_bytes),
            "Content-Disposition": domain.content_disposition(attachment.file_name),
            "ETag": f'"{attachment.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.delete(
    "/{protocol_id}/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_WRITE,
)
async def delete_attachment(
    protocol_id: uuid.UUID,
    attachment_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    _caller: WriterDep,
    scope: ScopeDep,
    store: StoreDep,
    if_match: IfMatchHeader = None,
) -> Response:
    """Remove an attachment of a draft protocol (409 once completed); If-Match optional
    (checked when sent). The protocol's new ``ETag`` comes back."""
    version = await uploads.delete_attachment(
        uow,
        ctx,
        store,
        protocol_id,
        attachment_id,
        expected_version=expected_version(if_match, required=False),
        scope=scope,
    )
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    set_etag(response, version)
    return response


routers: list[APIRouter] = [router]
