"""The sent log: what was sent about one business object, when, to whom, through which
channel and by whom, newest first, each entry flagged when the object changed after it.

Notifications never calls a requester back to learn of changes. It knows an object's
version from two sources: the version each send request carries
(``business_object.version``), and the ``current_version`` the caller passes when it
reads the log (the caller is the owner of the object, or shows it, so it knows the
version). The newest of all these is the object's latest known version; an entry sent
for an older version is flagged ``object_changed``. So a later send request with a
higher version flags the earlier entries at once, and a change with no new message is
flagged as soon as the log is read with the object's current version. The flag is
computed when the log is read, never stored: nothing to keep in step, nothing to migrate
when a requester's versions arrive late or out of order.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, literal, or_, select, tuple_

from aftersales_contracts.notifications import BusinessObject, Channel
from aftersales_kit.problems import Unprocessable
from aftersales_kit.uow import UnitOfWork
from notifications.domain import MessageStatus
from notifications.tables import message


class InvalidCursor(ValueError):
    pass


def encode_cursor(created_at: datetime, message_id: uuid.UUID) -> str:
    """An opaque cursor: the last entry's time and id (the keyset)."""
    raw = json.dumps({"t": created_at.isoformat(), "id": str(message_id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        created_at = datetime.fromisoformat(data["t"])
        if created_at.tzinfo is None:
            raise InvalidCursor("malformed cursor")
        return created_at, uuid.UUID(data["id"])
    except InvalidCursor:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise InvalidCursor("malformed cursor") from error


def latest_version(*versions: int | None) -> int | None:
    """The newest version known of an object, from whatever sources know one."""
    known = [v for v in versions if v is not None]
    return max(known) if known else None


def object_changed(sent_for: int | None, latest: int | None) -> bool | None:
    """Whether the object changed after an entry was sent: its version then is older than
    the latest known. ``None`` when the entry carries no version (nothing to compare)."""
    if sent_for is None:
        return None
    return latest is not None and sent_for < latest


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
    business_object: BusinessObject
    requested_at: datetime
    sent_at: datetime | None
    # For failed or blocked entries: why.
    reason: str | None
    # The object changed after this was sent (its version is older than the latest
    # known); ``None`` when the request carried no version.
    object_changed: bool | None


class SentLogPage(BaseModel):
    items: list[SentLogEntry]
    # Pass as ``cursor`` for the next (older) page; ``None`` on the last page.
    next_cursor: str | None
    # The newest version of the object known: the caller's ``current_version`` or the
    # newest a send request carried, whichever is higher.
    latest_version: int | None


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
        business_object=BusinessObject(
            kind=row.business_object_kind,
            id=row.business_object_id,
            version=row.business_object_version,
        ),
        requested_at=row.created_at,
        sent_at=row.sent_at,
        reason=row.reason,
        object_changed=object_changed(row.business_object_version, latest),
    )


async def sent_log(
    uow: UnitOfWork,
    *,
    kind: str,
    object_id: str,
    current_version: int | None = None,
    channel: Channel | None = None,
    state: MessageStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
    limit: int = 50,
    visible: frozenset[uuid.UUID] | None = None,
) -> SentLogPage:
    """One page of the object's log, newest first (by request time, then id)."""
    if since is not None and until is not None and since >= until:
        raise Unprocessable("until must be later than since", field="query.until")
    of_object = [
        message.c.business_object_kind == kind,
        message.c.business_object_id == object_id,
    ]
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
        try:
            after = decode_cursor(cursor)
        except InvalidCursor as error:
            raise Unprocessable(str(error), field="query.cursor") from error
        filters.append(
            tuple_(message.c.created_at, message.c.id)
            < tuple_(
                literal(after[0], message.c.created_at.type), literal(after[1], message.c.id.type)
            )
        )
    columns = [
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
    rows = (
        await uow.session.execute(
            select(*columns)
            .where(*filters)
            .order_by(message.c.created_at.desc(), message.c.id.desc())
            .limit(limit + 1)
        )
    ).all()
    # Over all of the object's messages, not only this page or these filters: a newer
    # send request flags the older entries wherever they are listed.
    newest_sent_for = await uow.session.scalar(
        select(func.max(message.c.business_object_version)).where(*of_object)
    )
    latest = latest_version(current_version, newest_sent_for)
    page = rows[:limit]
    next_cursor = (
        encode_cursor(page[-1].created_at, page[-1].id) if len(rows) > limit and page else None
    )
    return SentLogPage(
        items=[_entry(r, latest) for r in page], next_cursor=next_cursor, latest_version=latest
    )
