"""Reading the sent log: one page of what was sent about one business object, only the
messages the caller may see, each flagged when the object changed after it was sent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from aftersales_contracts.notifications import BusinessObject, Channel
from aftersales_kit import keyset
from aftersales_kit.pagination import decode_cursor, page_of
from aftersales_kit.problems import Unprocessable
from aftersales_kit.uow import UnitOfWork
from notifications.sending.domain import MessageStatus
from notifications.sent_log.domain import ORDER, latest_version, object_changed
from notifications.sent_log.schemas import SentBy, SentLogEntry, SentLogPage
from notifications.tables import message

_KEY = (message.c.created_at, message.c.id)
_COLUMNS = [
    message.c.id,
    message.c.status,
    message.c.channel,
    message.c.sent_to,
    message.c.recipients,
    message.c.subject,
    message.c.requested_by,
    message.c.requester,
    message.c.requester_reference,
    message.c.business_object_kind,
    message.c.business_object_id,
    message.c.business_object_version,
    message.c.created_at,
    message.c.sent_at,
    message.c.reason,
]


def _entry(row: Any, latest: int | None) -> SentLogEntry:
    return SentLogEntry(
        message_id=row.id,
        state=MessageStatus(row.status),
        channel=Channel(row.channel) if row.channel else None,
        to=list(row.sent_to if row.sent_to is not None else row.recipients),
        subject=row.subject,
        sent_by=(
            SentBy(kind="user", name=row.requested_by)
            if row.requested_by
            else SentBy(kind="system", name=row.requester)
        ),
        requester=row.requester,
        requester_reference=row.requester_reference,
        business_object=(
            BusinessObject(
                kind=row.business_object_kind,
                id=row.business_object_id,
                version=row.business_object_version,
            )
            if row.business_object_kind is not None
            else None
        ),
        requested_at=row.created_at,
        sent_at=row.sent_at,
        reason=row.reason,
        object_changed=object_changed(row.business_object_version, latest),
    )


async def sent_log(
    uow: UnitOfWork,
    *,
    kind: str | None,
    object_id: str | None,
    current_version: int | None = None,
    channel: Channel | None = None,
    state: MessageStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
    visible: frozenset[uuid.UUID] | None = None,
) -> SentLogPage:
    """One page of the object's log, newest first (by request time, then id). Without
    an object (``kind`` and ``object_id`` None) every message in ``state``: the list an
    operator works through (``state`` unconfirmed, say)."""
    if since is not None and until is not None and since >= until:
        raise Unprocessable("until must be later than since", field="query.until")
    if (kind is None) != (object_id is None):
        missing = "business_object_id" if object_id is None else "business_object_kind"
        raise Unprocessable(
            "business_object_kind and business_object_id go together", field=f"query.{missing}"
        )
    if kind is None and state is None:
        raise Unprocessable(
            "name a business object (business_object_kind and business_object_id) or a status",
            field="query.status",
        )
    of_object = (
        [message.c.business_object_kind == kind, message.c.business_object_id == object_id]
        if kind is not None
        else []
    )
    filters: list[ColumnElement[bool]] = list(of_object)
    if visible is not None:
        # Only what the caller may see (``notifications.visibility``): its org units' messages
        # and those of no org unit. The object's latest version below still counts every
        # message: a version number says nothing of what another org unit sent.
        filters.append(
            or_(message.c.org_unit_id.is_(None), message.c.org_unit_id.in_(sorted(visible)))
            if visible
            else message.c.org_unit_id.is_(None)
        )
    if channel is not None:
        filters.append(message.c.channel == channel.value)
    if state is not None:
        filters.append(message.c.status == state.value)
    if since is not None:
        filters.append(message.c.created_at >= since)
    if until is not None:
        filters.append(message.c.created_at < until)
    if cursor is not None:
        last = decode_cursor(cursor, (datetime, uuid.UUID), ORDER)
        filters.append(keyset.after(_KEY, last, descending=ORDER.descending))
    rows = (
        await uow.session.execute(
            select(*_COLUMNS)
            .where(*filters)
            .order_by(*keyset.order(_KEY, descending=ORDER.descending))
            .limit(limit + 1)
        )
    ).all()
    # Over all of the object's messages, not only this page or these filters: a newer
    # send request flags the older entries wherever they are listed. (A list by status
    # spans many objects: nothing to compare.)
    latest = None
    if of_object:
        newest_sent_for = await uow.session.scalar(
            select(func.max(message.c.business_object_version)).where(*of_object)
        )
        latest = latest_version(current_version, newest_sent_for)
    page, next_cursor = page_of(rows, limit, lambda r: (r.created_at, r.id), ORDER)
    return SentLogPage(
        items=[_entry(r, latest) for r in page], next_cursor=next_cursor, latest_version=latest
    )
