"""The HTTP shapes of the sent log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from aftersales_contracts.notifications import BusinessObject, Channel
from aftersales_kit.pagination import Page
from notifications.sending.domain import MessageStatus


class SentBy(BaseModel):
    """``user``: a person (the gateway's user, or the user a requesting service named);
    ``system``: the requesting service itself (e.g. scheduling sending a due callout)."""

    kind: Literal["user", "system"]
    name: str


class SentLogEntry(BaseModel):
    message_id: uuid.UUID
    state: MessageStatus
    channel: Channel | None
    # Whom the channel accepted it for once sent, else whom it was meant for.
    to: list[str]
    subject: str | None
    sent_by: SentBy
    requester: str
    requester_reference: str
    # None only in a list by status (``GET /messages?status=``) for a message sent for
    # no business object.
    business_object: BusinessObject | None
    requested_at: datetime
    sent_at: datetime | None
    # For failed or blocked entries: why.
    reason: str | None
    # The object changed after this was sent (its version is older than the latest
    # known); ``None`` when the request carried no version.
    object_changed: bool | None


class SentLogPage(Page[SentLogEntry]):
    """A page of the log (``next_cursor``: the next, older page; null on the last)."""

    # The newest version of the object known: the caller's ``current_version`` or the
    # newest a send request carried, whichever is higher (null in a list by status).
    latest_version: int | None
