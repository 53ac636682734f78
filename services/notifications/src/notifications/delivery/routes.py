"""An operator's choice for an unconfirmed message (one whose delivery may have gone
out): ``POST /messages/{id}/resend`` and ``POST /messages/{id}/confirm-sent``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from aftersales_kit.http import ClockDep, UnitOfWorkDep, problem_responses
from notifications.delivery import handlers
from notifications.sending.schemas import MessageOut
from notifications.visibility import OperatorDep, VisibleDep

unconfirmed = APIRouter(prefix="/messages", tags=["messages"])
_CHOICE = problem_responses(
    403, 409, s403="not an admin or an operator", s409="the message is not unconfirmed"
)


@unconfirmed.post("/{message_id}/resend", responses=_CHOICE)
async def resend(
    message_id: uuid.UUID,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: OperatorDep,
    visible: VisibleDep,
) -> MessageOut:
    """Send an unconfirmed message again (queued; it may reach the recipient twice).
    403 unless admin or operator, 404 outside the caller's org units, 409 naming the
    status when the message is not unconfirmed."""
    return await handlers.resend(
        uow, message_id, by=caller.username, now=clock.now(), visible=visible
    )


@unconfirmed.post("/{message_id}/confirm-sent", responses=_CHOICE)
async def confirm_sent(
    message_id: uuid.UUID,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    caller: OperatorDep,
    visible: VisibleDep,
) -> MessageOut:
    """Record that an unconfirmed message did go out (sent, MessageSent to the
    requester; nothing is sent). 403, 404 and 409 as for resend."""
    return await handlers.confirm_sent(
        uow, message_id, by=caller.username, now=clock.now(), visible=visible
    )


routers = [unconfirmed]
