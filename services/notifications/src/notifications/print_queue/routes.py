"""HTTP routes of the print queue (``/print-queue``): parse, call a use case, answer. For
admins and operators (the office that prints)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from aftersales_kit.http import (
    ClockDep,
    CursorQuery,
    LimitQuery,
    UnitOfWorkDep,
    problem_responses,
)
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE
from notifications.print_queue import handlers
from notifications.print_queue.domain import MAX_BATCH
from notifications.print_queue.schemas import (
    MarkPrintedIn,
    MarkPrintedOut,
    PrintJobPage,
    PrintTagOut,
)
from notifications.templates.reports import PDF_MEDIA_TYPE
from notifications.visibility import OperatorDep, VisibleDep

queue = APIRouter(
    prefix="/print-queue",
    tags=["print queue"],
    responses=problem_responses(403, s403="Only operators and admins use the print queue"),
)

PrintTagQuery = Annotated[
    str | None,
    Query(max_length=100, description='one print tag\'s queue; "" the reports without one'),
]


def _pdf(file_name: str, content: bytes, headers: dict[str, str] | None = None) -> Response:
    fallback = file_name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
    return Response(
        content=content,
        media_type=PDF_MEDIA_TYPE,
        headers={"Content-Disposition": disposition, **(headers or {})},
    )


@queue.get("")
async def list_print_jobs(
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    _: OperatorDep,
    print_tag: PrintTagQuery = None,
    printed: Annotated[
        bool | None, Query(description="false (default): waiting; true: printed")
    ] = False,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> PrintJobPage:
    """The reports waiting to be printed (or printed), oldest first, a page at a time."""
    return await handlers.list_jobs(
        uow, print_tag=print_tag, printed=printed, visible=visible, cursor=cursor, limit=limit
    )


@queue.get("/tags")
async def list_print_tags(
    uow: UnitOfWorkDep, visible: VisibleDep, _: OperatorDep
) -> list[PrintTagOut]:
    """The print tags with reports waiting, and how many each."""
    return await handlers.tags(uow, visible)


@queue.get(
    "/pdf",
    response_class=Response,
    responses=problem_responses(404, s404="Nothing waits to be printed for that selection"),
)
async def download_batch(
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    _: OperatorDep,
    id: Annotated[list[uuid.UUID], Query(max_length=MAX_BATCH)] = [],  # noqa: B006
    print_tag: PrintTagQuery = None,
) -> Response:
    """One PDF of the chosen jobs (``id`` repeated) or of every waiting job of a print tag
    (at most 500, oldest first); ``X-Print-Job-Ids`` lists the jobs in it, to mark them
    printed once they are. Marks nothing itself."""
    name, content, ids = await handlers.batch_pdf(uow, ids=id, print_tag=print_tag, visible=visible)
    return _pdf(name, content, {"X-Print-Job-Ids": ",".join(str(i) for i in ids)})


@queue.get("/{job_id}/pdf", response_class=Response)
async def download_job(
    job_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, _: OperatorDep
) -> Response:
    """One job's report."""
    name, content = await handlers.job_pdf(uow, job_id, visible)
    return _pdf(name, content)


@queue.post("/printed")
async def mark_printed(
    body: MarkPrintedIn,
    uow: UnitOfWorkDep,
    visible: VisibleDep,
    caller: OperatorDep,
    clock: ClockDep,
) -> MarkPrintedOut:
    """Mark jobs printed: their messages are sent (channel ``letter``) and the requesters
    told; already printed or unknown ones are ``skipped``."""
    return await handlers.mark_printed(
        uow, body.ids, by=caller.username or "unknown", visible=visible, now=clock.now()
    )


routers = [queue]
