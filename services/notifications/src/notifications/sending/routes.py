"""Sending's HTTP routes, ``POST /messages`` and ``GET /messages/{id}``: parse, call a
use case, answer."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from aftersales_kit.http import UnitOfWorkDep, problem_responses
from aftersales_kit.identity import USER_HEADER, CallerDep
from aftersales_kit.problems import Conflict, Unprocessable
from notifications.dependencies import SendGroupsDep
from notifications.sending import handlers
from notifications.sending.schemas import MessageOut, SendMessageIn
from notifications.visibility import VisibleDep, may_see, require_own_org_unit

messages = APIRouter(prefix="/messages", tags=["messages"])


@messages.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"description": "The key was used before: the first message, unchanged"},
        **problem_responses(
            403,
            409,
            s403="org_unit_id is not one of the caller's org units",
            s409="the idempotency key was used for another message",
        ),
        429: {
            "description": "The requester's daily quota for the channel is used up; "
            "Retry-After: seconds to the next UTC midnight"
        },
    },
)
async def send_message(
    body: SendMessageIn,
    groups: SendGroupsDep,
    response: Response,
    caller: CallerDep,
    visible: VisibleDep,
    requested_by: Annotated[str | None, Header(max_length=200)] = None,
) -> MessageOut:
    """Accept a message for sending (202); a repeated idempotency key answers 200. A
    caller restricted to some org units sends only for those (403 naming org_unit_id).
    Send quotas: too many addresses or SMS segments in one request 422 naming the field,
    the requester's day used up 429 with Retry-After (``sending.quotas``)."""
    if caller.username is not None and len(caller.username) > 200:
        raise Unprocessable("at most 200 characters", field=USER_HEADER)
    require_own_org_unit(visible, body.org_unit_id, "send messages")
    # Stored with the other requests in flight, in one transaction (``sending.groups``).
    out, created = await groups.request(
        body,
        # The sent log's "by whom": the gateway's user first, then the caller's own word.
        requested_by=caller.username or requested_by,
    )
    if not may_see(visible, out.org_unit_id):
        # The key names a message of an org unit the caller may not see: say nothing of it.
        raise Conflict("this idempotency key was used for another message", field="idempotency_key")
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


@messages.get("/{message_id}")
async def get_message(message_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep) -> MessageOut:
    """One message; 404 when it belongs to an org unit the caller may not see."""
    return await handlers.get_message(uow, message_id, visible)


# The sent log, GET /messages?business_object_kind=&business_object_id=, is
# notifications.sent_log.routes; a message's attachments notifications.templates.routes.


routers = [messages]
