"""HTTP routes of booking confirmations: offer and send one, the booking as ``.ics``, and
the order's sent log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.identity import CallerDep
from fieldwork.confirmations import handlers
from fieldwork.confirmations.schemas import ConfirmationIn, ConfirmationOut, SentLogOut, SentOut
from fieldwork.dependencies import ContextDep
from fieldwork.visibility import ScopeDep

# A client's retry of the same send carries the same key and sends nothing twice.
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$"),
]

router = APIRouter(prefix="/service-orders", tags=["booking confirmations"])


@router.get("/{order_id}/booking-confirmation")
async def get_booking_confirmation(
    order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep
) -> ConfirmationOut:
    """Whether a confirmation can be offered (the order's contact has an e-mail address),
    the default recipient and the recipient suggestions, sorted by first name."""
    return await handlers.get_confirmation(uow, order_id, scope)


@router.post(
    "/{order_id}/booking-confirmation",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        403: {"description": "The caller does not plan (viewer, technician)"},
        404: {"description": "No such order, or not one the caller may see"},
        409: {"description": "The order has no kind (no template) or no standing booking"},
        422: {"description": "Bad input, or no recipient for a channel"},
    },
)
async def send_booking_confirmation(
    order_id: uuid.UUID,
    body: ConfirmationIn,
    uow: UnitOfWorkDep,
    scope: ScopeDep,
    caller: CallerDep,
    ctx: ContextDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> SentOut:
    """Send the confirmation through notifications, by e-mail (with the booking as an
    ``.ics``) and/or SMS; answers the sent-log entries it created, state ``requested``."""
    return await handlers.send_confirmation(
        uow, order_id, body, scope, caller, ctx, idempotency_key=idempotency_key
    )


@router.get(
    "/{order_id}/booking.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def get_booking_calendar(
    order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, ctx: ContextDep
) -> Response:
    """The order's standing bookings as an iCalendar file (RFC 5545)."""
    file_name, text = await handlers.booking_calendar(uow, order_id, scope, ctx)
    return Response(
        text.encode(),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{file_name}"'},
    )


@router.get("/{order_id}/sent-log")
async def get_sent_log(
    order_id: uuid.UUID, uow: UnitOfWorkDep, scope: ScopeDep, ctx: ContextDep
) -> SentLogOut:
    """Everything sent about the order (confirmations, protocols, work orders, free texts,
    internal e-mails), newest first, each with its ``purpose``; a document's entry is
    flagged when the document changed since (the standing bookings, the protocol, the
    work order)."""
    return await handlers.sent_log(uow, order_id, scope, ctx)


routers: list[APIRouter] = [router]
