"""The sent log's HTTP route: ``GET /messages?business_object_kind=&business_object_id=``,
or every message in one status (``GET /messages?status=unconfirmed``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from aftersales_contracts.notifications import Channel
from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE
from aftersales_kit.problems import Unprocessable
from notifications.sending.domain import MessageStatus
from notifications.sent_log import queries
from notifications.sent_log.schemas import SentLogPage
from notifications.visibility import VisibleDep

log = APIRouter(prefix="/messages", tags=["messages"])


@log.get("")
async def get_sent_log(
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    business_object_kind: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    business_object_id: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    current_version: Annotated[
        int | None,
        Query(ge=0, description="the object's version now: older entries are flagged"),
    ] = None,
    channel: Channel | None = None,
    state: MessageStatus | None = None,
    status: Annotated[
        MessageStatus | None, Query(description="the same as state (the message's field name)")
    ] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="requested at or after (ISO 8601, with offset)")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(description="requested before")] = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> SentLogPage:
    """The sent log of one business object, newest first, a page at a time; each entry
    says when, to whom, through which channel and by whom, and whether the object
    changed after it was sent. A caller restricted to some org units sees the messages of
    those (and their descendants) and the messages without an org unit. Without a
    business object: every message in ``status`` (``state``), e.g. the unconfirmed ones."""
    if status is not None and state is not None and status != state:
        raise Unprocessable("status and state name the same filter", field="query.status")
    state = state or status
    return await queries.sent_log(
        uow,
        kind=business_object_kind,
        object_id=business_object_id,
        current_version=current_version,
        channel=channel,
        state=state,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
        visible=visible,
    )


routers = [log]
