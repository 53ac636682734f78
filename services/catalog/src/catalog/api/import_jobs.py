"""Routes of ``/imports``: upload a file, get a job, poll its counts, page through bad rows.

A caller restricted to org units may not import (a row is not checked against its units)
and sees only the jobs it requested; the limits are ``CATALOG_IMPORT_*``."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import BaseModel

from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep, settings_of
from aftersales_kit.identity import USER_HEADER, CallerDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.problems import BadRequest, Forbidden, PayloadTooLarge, UnsupportedMediaType
from catalog import imports
from catalog.importing import FileFormat, ImportKind, UnsupportedFormat, format_for
from catalog.settings import Settings

router = APIRouter(prefix="/imports", tags=["imports"])
SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]


class ImportJobOut(BaseModel):
    id: uuid.UUID
    kind: ImportKind
    format: FileFormat
    source: imports.JobSource
    state: imports.JobState
    file_name: str | None
    requested_by: str | None
    size_bytes: int | None
    bytes_done: int
    lines_done: int
    created: int
    updated: int
    unchanged: int
    failed: int
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportErrorOut(BaseModel):
    line: int
    field: str | None
    message: str


FileName = Annotated[str | None, Query(max_length=255)]


async def _start(
    kind: ImportKind,
    request: Request,
    response: Response,
    uow: UnitOfWorkDep,
    settings: Settings,
    file_name: str | None,
    file_format: FileFormat | None,
    requested_by: str | None,
) -> ImportJobOut:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > settings.import_max_bytes:
        # Refused before a byte is read: a client cannot make the service store a file
        # only to have it thrown away at the limit.
        raise PayloadTooLarge(
            f"the file is larger than the limit of {settings.import_max_bytes} bytes",
            field="body",
        )
    try:
        fmt = file_format or format_for(request.headers.get("content-type"), file_name)
    except UnsupportedFormat as error:
        raise UnsupportedMediaType(str(error), field="Content-Type") from error
    room = imports.Room(
        per_requester=settings.import_max_jobs_per_requester,
        overall=settings.import_max_jobs,
        retry_after=settings.import_retry_after_seconds,
    )
    await imports.require_room(uow, requested_by, room)
    job_id = await imports.create_job(
        uow,
        kind,
        fmt,
        imports.JobSource.UPLOAD,
        file_name=file_name,
        requested_by=requested_by,
    )
    try:
        size = await imports.store_upload(uow, job_id, request.stream(), settings.import_max_bytes)
    except imports.TooLarge as error:
        raise PayloadTooLarge(str(error), field="body") from error
    if size == 0:
        raise BadRequest("the file is empty", field="body")
    await imports.require_room(uow, requested_by, room, job_included=True)
    await uow.commit()
    request.app.state.import_wakeup.set()
    response.headers["Location"] = f"/imports/{job_id}"
    return ImportJobOut.model_validate(await imports.get_job(uow, job_id))


Format = Annotated[
    FileFormat | None,
    Query(alias="format", description="csv or jsonl; by default from the Content-Type"),
]
RequestedBy = Annotated[str | None, Header(alias=USER_HEADER, max_length=100)]


class ImportPath(enum.StrEnum):
    CUSTOMERS = "customers"
    SERIAL_ITEMS = "serial-items"


KIND_OF_PATH = {
    ImportPath.CUSTOMERS: ImportKind.CUSTOMERS,
    ImportPath.SERIAL_ITEMS: ImportKind.SERIAL_ITEMS,
}


@router.post(
    "/{what}",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        400: {"description": "The file is empty"},
        403: {"description": "The caller is restricted to org units"},
        413: {"description": "The file is over CATALOG_IMPORT_MAX_BYTES"},
        415: {"description": "Neither CSV nor JSON Lines"},
        429: {"description": "Too many jobs waiting or running; see Retry-After"},
    },
)
async def start_import(
    what: ImportPath,
    request: Request,
    response: Response,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    settings: SettingsDep,
    file_name: FileName = None,
    file_format: Format = None,
    requested_by: RequestedBy = None,
) -> ImportJobOut:
    """Upsert customers (by customer number) or serial items (by product number + serial
    number) from a CSV or JSON Lines body; answers with the job at once."""
    if caller.restricted:
        # An import's rows are not checked against the caller's org units: a customer or
        # an item could land in (or be moved out of) a unit the caller does not see.
        raise Forbidden("a user restricted to org units may not bulk-import")
    return await _start(
        KIND_OF_PATH[what], request, response, uow, settings, file_name, file_format, requested_by
    )


@router.get("")
async def list_import_jobs(
    uow: UnitOfWorkDep,
    caller: CallerDep,
    state: imports.JobState | None = None,
    kind: ImportKind | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[ImportJobOut]:
    """The latest jobs first (a caller restricted to org units: the ones it requested)."""
    rows, next_cursor = await imports.list_jobs(
        uow, state=state, kind=kind, cursor=cursor, limit=limit, caller=caller
    )
    return Page[ImportJobOut](
        items=[ImportJobOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.get("/{job_id}")
async def get_import_job(job_id: uuid.UUID, uow: UnitOfWorkDep, caller: CallerDep) -> ImportJobOut:
    return ImportJobOut.model_validate(await imports.get_job(uow, job_id, caller))


@router.get("/{job_id}/errors")
async def list_import_errors(
    job_id: uuid.UUID,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 100,
) -> Page[ImportErrorOut]:
    """The rows that could not be imported, in line order."""
    rows, next_cursor = await imports.list_errors(
        uow, job_id, cursor=cursor, limit=limit, caller=caller
    )
    return Page[ImportErrorOut](
        items=[ImportErrorOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )
