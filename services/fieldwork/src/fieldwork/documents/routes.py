"""HTTP routes of documents and messages: the protocol and work order PDFs, the work order
offered and sent at ready for invoicing, free-text messages, internal e-mails, and the org
units' document settings."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Response, status

from aftersales_kit.http import ClockDep, UnitOfWorkDep, problem_responses
from aftersales_kit.identity import CallerDep
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag
from fieldwork.dependencies import ContextDep
from fieldwork.documents import handlers
from fieldwork.documents.handlers import Rendered
from fieldwork.documents.schemas import (
    DefaultTextOut,
    DocumentSettingsIn,
    DocumentSettingsOut,
    FreeTextIn,
    InternalMailIn,
    RequestedOut,
    WorkOrderIn,
    WorkOrderOfferOut,
)
from fieldwork.visibility import ScopeDep

# A client's retry of the same send carries the same key and sends nothing twice.
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$"),
]
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF"}
}


def _pdf(rendered: Rendered) -> Response:
    name = rendered.file_name
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        rendered.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
            ),
            # What the sent log compares: a client can tell whether it has this version.
            "ETag": f'"{rendered.fingerprint}"',
        },
    )


protocols = APIRouter(prefix="/protocols", tags=["documents"])


@protocols.get("/{protocol_id}/pdf", response_class=Response, responses=_PDF)
async def get_protocol_pdf(
    protocol_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, ctx: ContextDep
) -> Response:
    """The service protocol as a PDF (photos drawn when its ``show_images`` is on), named
    ``protocol-<order or case number>.pdf``, with the machine number when the org unit's
    document setting says so."""
    return _pdf(await handlers.protocol_pdf(uow, ctx, protocol_id, scope))


orders = APIRouter(prefix="/service-orders", tags=["documents"])


@orders.get("/{order_id}/work-order.pdf", response_class=Response, responses=_PDF)
async def get_work_order_pdf(
    order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, ctx: ContextDep
) -> Response:
    """The work order (order confirmation) as a PDF: the order, its bookings and
    technicians, its description, and its completed protocol's lines."""
    return _pdf(await handlers.work_order_pdf(uow, ctx, order_id, scope))


@orders.get("/{order_id}/messages/default")
async def get_default_message(
    order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep
) -> DefaultTextOut:
    """The text a free-text message starts from: the order kind's default, else empty."""
    return await handlers.default_text(uow, order_id, scope)


@orders.post(
    "/{order_id}/messages",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(403, s403="The caller does not plan (viewer, technician)"),
)
async def send_message(
    order_id: uuid.UUID,
    body: FreeTextIn,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    ctx: ContextDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RequestedOut:
    """A free-text message ("your part has arrived") by e-mail and/or SMS through
    notifications; each channel one sent-log entry (purpose ``free_text``)."""
    return await handlers.send_free_text(
        uow, ctx, order_id, body, scope, caller, idempotency_key=idempotency_key
    )


@orders.post(
    "/{order_id}/internal-mails",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(
        403,
        409,
        s403="The caller is a viewer",
        s409="The org unit has no addresses for this kind (the problem names the setting)",
    ),
)
async def send_internal_mail(
    order_id: uuid.UUID,
    body: InternalMailIn,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    ctx: ContextDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RequestedOut:
    """An internal e-mail (articles to order, ordered articles, delivered parts) to the
    addresses the order's org unit sets for it; in the sent log with its kind."""
    return await handlers.send_internal_mail(
        uow, ctx, order_id, body, scope, caller, idempotency_key=idempotency_key
    )


cases = APIRouter(prefix="/service-cases", tags=["documents"])


@cases.get("/{case_id}/work-order-offer")
async def get_work_order_offer(
    case_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep
) -> WorkOrderOfferOut:
    """Whether the work order is offered (the case is ready for invoicing and a contact
    has "send work order: yes" with an e-mail address), and to whom."""
    return await handlers.work_order_offer(uow, case_id, scope)


@cases.post(
    "/{case_id}/work-order",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(
        403, 409, s403="The caller does not plan", s409="The case has no order"
    ),
)
async def send_work_order(
    case_id: uuid.UUID,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    ctx: ContextDep,
    body: WorkOrderIn | None = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RequestedOut:
    """Each trip's work order PDF to the chosen contacts or addresses (default: the
    offered contacts), one message each; a recipient who is a user of the system gets a
    link to the order instead of the PDF."""
    return await handlers.send_work_order(
        uow,
        ctx,
        case_id,
        body or WorkOrderIn(),
        scope,
        caller,
        idempotency_key=idempotency_key,
    )


settings = APIRouter(prefix="/document-settings", tags=["document settings"])


@settings.get(
    "/{org_unit_id}",
    responses=problem_responses(403, s403="Only admins keep document settings"),
)
async def get_document_settings(
    org_unit_id: uuid.UUID,
    response: Response,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
) -> DocumentSettingsOut:
    """An org unit's internal e-mail addresses and protocol file-name setting (version 0:
    never saved, the defaults)."""
    out = await handlers.get_document_settings(uow, org_unit_id, scope, caller)
    set_etag(response, out.version)
    return out


@settings.put(
    "/{org_unit_id}",
    responses=problem_responses(403, s403="Only admins keep document settings"),
)
async def put_document_settings(
    org_unit_id: uuid.UUID,
    body: DocumentSettingsIn,
    response: Response,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    clock: ClockDep,
    if_match: IfMatchHeader = None,
) -> DocumentSettingsOut:
    """Replace them whole; If-Match is required once they were saved."""
    out = await handlers.put_document_settings(
        uow,
        org_unit_id,
        body,
        expected_version(if_match, required=False),
        scope,
        caller,
        now=clock.now(),
    )
    set_etag(response, out.version)
    return out


routers: list[APIRouter] = [protocols, orders, cases, settings]
