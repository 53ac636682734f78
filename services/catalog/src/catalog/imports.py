"""Bulk import jobs: store an upload, run a job batch by batch, and report on it.

A job commits a batch of rows at a time, together with its counts, the rows that failed
and the line it has reached; a job cut off (a crash, a restart) resumes after the last
committed line. While a job runs, its runner holds a session advisory lock on the job:
a lease that PostgreSQL frees when the runner's connection dies, so another replica can
take the job over, and two replicas never run one job at once.

Limits (``catalog.settings``): rows per job (the job stops, failed, past it), jobs
waiting or running per requester and overall (429 for one more), and how long a
finished job is kept. A caller restricted to org units sees only the jobs it requested.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import dataclasses
import enum
import logging
import re
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales_kit import keyset
from aftersales_kit.clock import Clock
from aftersales_kit.identity import Caller
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import NotFound, TooManyRequests
from aftersales_kit.transient import describe
from aftersales_kit.uow import UnitOfWork
from catalog import import_upserts, importing, tables
from catalog.import_upserts import ConcurrentInsert, Counts
from catalog.importing import (
    CustomerRow,
    FileError,
    FileFormat,
    ImportKind,
    Record,
    RowError,
    SerialItemRow,
)

log = logging.getLogger(__name__)

BATCH_ROWS = 500
CHUNK_BYTES = 1 << 20
# Every failed row is counted; the first this many are kept with their reasons.
MAX_STORED_ERRORS = 10_000
LEASE_NAMESPACE = 0x1A9047
# The transaction lock under which a new job's room is counted (two uploads committing
# at once are counted one after the other).
ROOM_LOCK = (0x1A9048, 0)
PURGE_BATCH = 100
BATCH_ATTEMPTS = 3
# The lists' fixed orders: jobs the latest first, a job's bad rows by line.
JOB_ORDER = Sort("created_at", descending=True)
ERROR_ORDER = Sort("line")


class JobState(enum.StrEnum):
    UPLOADING = "uploading"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


ACTIVE_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)
FINISHED_STATES = (JobState.COMPLETED.value, JobState.FAILED.value)


class JobSource(enum.StrEnum):
    UPLOAD = "upload"
    CLI = "cli"


class TooManyJobs(TooManyRequests):
    """429: the requester, or everyone together, has as many jobs waiting or running as
    allowed; ``Retry-After`` says when to try again."""


class TooManyRows(FileError):
    """The file has more rows than one job may import."""


UowFactory = Callable[[], UnitOfWork]


# --- jobs ------------------------------------------------------------------------------


async def create_job(
    uow: UnitOfWork,
    kind: ImportKind,
    file_format: FileFormat,
    source: JobSource,
    *,
    file_name: str | None = None,
    requested_by: str | None = None,
    size_bytes: int | None = None,
    job_id: uuid.UUID | None = None,
) -> uuid.UUID:
    job_id = job_id or uuid.uuid4()
    state = JobState.UPLOADING if source is JobSource.UPLOAD else JobState.RUNNING
    await uow.session.execute(
        tables.import_job.insert().values(
            id=job_id,
            kind=kind.value,
            format=file_format.value,
            source=source.value,
            file_name=file_name,
            requested_by=requested_by,
            state=state.value,
            size_bytes=size_bytes,
            started_at=func.now() if source is JobSource.CLI else None,
        )
    )
    return job_id


async def store_upload(
    uow: UnitOfWork, job_id: uuid.UUID, body: AsyncIterator[bytes], max_bytes: int
) -> int:
    """Write the body in pieces of ``CHUNK_BYTES``; returns its size. Queues the job."""
    size, seq, buffer = 0, 0, bytearray()
    async for piece in body:
        size += len(piece)
        if size > max_bytes:
            raise TooLarge(f"the file is larger than the limit of {max_bytes} bytes")
        buffer += piece
        while len(buffer) >= CHUNK_BYTES:
            await _store_chunk(uow, job_id, seq, bytes(buffer[:CHUNK_BYTES]))
            del buffer[:CHUNK_BYTES]
            seq += 1
    if buffer:
        await _store_chunk(uow, job_id, seq, bytes(buffer))
    await uow.session.execute(
        update(tables.import_job)
        .where(tables.import_job.c.id == job_id)
        .values(state=JobState.QUEUED.value, size_bytes=size)
    )
    return size


class TooLarge(ValueError):
    pass


async def _store_chunk(uow: UnitOfWork, job_id: uuid.UUID, seq: int, data: bytes) -> None:
    await uow.session.execute(
        tables.import_chunk.insert().values(job_id=job_id, seq=seq, data=data)
    )


def seen_by(caller: Caller | None) -> ColumnElement[bool]:
    """The jobs ``caller`` sees: every job, or, for a caller restricted to org units, the
    jobs it requested (a job's rows and bad rows belong to no single unit)."""
    if caller is None or not caller.restricted:
        return true()
    if caller.username is None:
        return false()
    return tables.import_job.c.requested_by == caller.username


async def get_job(
    uow: UnitOfWork, job_id: uuid.UUID, caller: Caller | None = None
) -> dict[str, Any]:
    """The job; 404 for an unknown one and for one the caller may not see."""
    t = tables.import_job
    row = (
        (await uow.session.execute(select(t).where(t.c.id == job_id, seen_by(caller))))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no import job with id {job_id}")
    return dict(row)


async def _active_jobs(uow: UnitOfWork, requested_by: str | None) -> tuple[int, int]:
    """(the requester's, everyone's) jobs waiting or running."""
    t = tables.import_job
    mine = t.c.requested_by.is_not_distinct_from(requested_by)
    row = (
        await uow.session.execute(
            select(func.count(), func.count().filter(mine)).where(t.c.state.in_(ACTIVE_STATES))
        )
    ).one()
    return int(row[1]), int(row[0])


@dataclasses.dataclass(frozen=True)
class Room:
    """How many jobs may wait or run at once, and the ``Retry-After`` of a 429."""

    per_requester: int
    overall: int
    retry_after: int


def _refuse_beyond(mine: int, everyone: int, room: Room) -> None:
    if mine > room.per_requester:
        raise TooManyJobs(
            f"you have {room.per_requester} import jobs waiting or running, the most allowed;"
            " try again when one has finished",
            retry_after=room.retry_after,
        )
    if everyone > room.overall:
        raise TooManyJobs(
            f"{room.overall} import jobs are waiting or running, the most allowed;"
            " try again when one has finished",
            retry_after=room.retry_after,
        )


async def require_room(
    uow: UnitOfWork, requested_by: str | None, room: Room, *, job_included: bool = False
) -> None:
    """429 unless one more job (or, ``job_included``, the job this transaction queued)
    fits both limits. The final check is made under a transaction lock just before the
    commit, so that two uploads finishing together are counted one after the other."""
    if job_included:
        await uow.session.execute(select(func.pg_advisory_xact_lock(*ROOM_LOCK)))
    mine, everyone = await _active_jobs(uow, requested_by)
    extra = 0 if job_included else 1
    _refuse_beyond(mine + extra, everyone + extra, room)


async def list_errors(
    uow: UnitOfWork,
    job_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    caller: Caller | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the job's bad rows in line order (404 for an unknown job, or one the
    caller may not see)."""
    await get_job(uow, job_id, caller)
    t = tables.import_error
    query = select(t.c.line, t.c.field, t.c.message).where(t.c.job_id == job_id)
    return await keyset.page(uow.session, query, (t.c.line,), (int,), ERROR_ORDER, cursor, limit)


# --- running a job ---------------------------------------------------------------------


async def stored_chunks(uow_factory: UowFactory, job_id: uuid.UUID) -> AsyncIterator[bytes]:
    """An uploaded file's pieces in order, one short read each."""
    seq = 0
    while True:
        async with uow_factory() as uow:
            data = await uow.session.scalar(
                select(tables.import_chunk.c.data).where(
                    tables.import_chunk.c.job_id == job_id, tables.import_chunk.c.seq == seq
                )
            )
        if data is None:
            return
        yield data
        seq += 1


async def run_job(
    uow_factory: UowFactory,
    job_id: uuid.UUID,
    source: AsyncIterator[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
    max_rows: int | None = None,
) -> dict[str, Any]:
    """Import the file ``source`` yields, a batch at a time; returns the finished job.

    ``on_progress`` hears the bytes read so far (a progress bar). Past ``max_rows`` rows
    the rows before are committed and the job fails, saying so.
    """
    async with uow_factory() as uow:
        job = await get_job(uow, job_id)
    kind, file_format = ImportKind(job["kind"]), FileFormat(job["format"])
    done = job["lines_done"]
    parser = importing.RecordParser(kind, file_format)
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    batch: list[Record] = []
    bytes_read = rows = 0
    try:
        async for piece in source:
            bytes_read += len(piece)
            try:
                text_ = decoder.decode(piece)
            except UnicodeDecodeError as error:
                raise FileError(
                    f"the file is not UTF-8 text (byte {bytes_read - len(piece) + error.start})"
                ) from error
            for record in parser.feed(text_):
                rows += 1
                if max_rows is not None and rows > max_rows:
                    await _commit_batch(uow_factory, job_id, kind, batch, bytes_read)
                    raise TooManyRows(
                        f"the file has more than {max_rows} rows, the most one import may"
                        f" hold; the rows before line {record.line} were imported, the rest"
                        " were not: split the file"
                    )
                if record.line > done:
                    batch.append(record)
                if len(batch) >= BATCH_ROWS:
                    await _commit_batch(uow_factory, job_id, kind, batch, bytes_read)
                    batch = []
            if on_progress is not None:
                on_progress(bytes_read)
        decoder.decode(b"", final=True)
        for record in parser.finish():
            rows += 1
            if max_rows is not None and rows > max_rows:
                await _commit_batch(uow_factory, job_id, kind, batch, bytes_read)
                raise TooManyRows(
                    f"the file has more than {max_rows} rows, the most one import may hold;"
                    f" the rows before line {record.line} were imported, the rest were not:"
                    " split the file"
                )
            if record.line > done:
                batch.append(record)
        await _commit_batch(uow_factory, job_id, kind, batch, bytes_read, final=True)
    except (FileError, UnicodeDecodeError) as error:
        await _finish(uow_factory, job_id, JobState.FAILED, str(error))
    async with uow_factory() as uow:
        return await get_job(uow, job_id)


async def _commit_batch(
    uow_factory: UowFactory,
    job_id: uuid.UUID,
    kind: ImportKind,
    records: Sequence[Record],
    bytes_read: int,
    *,
    final: bool = False,
) -> None:
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            async with uow_factory() as uow:
                counts = await _apply(uow, kind, records)
                await _record_progress(uow, job_id, records, counts, bytes_read, final=final)
                await uow.commit()
                return
        except (ConcurrentInsert, IntegrityError):
            # A key the batch found new was inserted meanwhile (by the API, or another
            # import): run the batch again, now as an update.
            if attempt == BATCH_ATTEMPTS:
                raise
            log.info("import batch raced a concurrent insert; retrying", extra={"job": str(job_id)})


async def _apply(uow: UnitOfWork, kind: ImportKind, records: Sequence[Record]) -> Counts:
    counts = Counts()
    model = CustomerRow if kind is ImportKind.CUSTOMERS else SerialItemRow
    rows: list[tuple[int, Any]] = []
    for record in records:
        if record.error is not None or record.fields is None:
            counts.fail(record.line, record.field, record.error or "unreadable")
            continue
        try:
            row = importing.check_row(model, record.fields, plain_text=record.plain_text)
            rows.append((record.line, row))
        except RowError as error:
            counts.fail(record.line, error.field, str(error))
    if kind is ImportKind.CUSTOMERS:
        await import_upserts.upsert_customers(uow, rows, counts)
    else:
        await import_upserts.upsert_serial_items(uow, rows, counts)
    return counts


async def _record_progress(
    uow: UnitOfWork,
    job_id: uuid.UUID,
    records: Sequence[Record],
    counts: Counts,
    bytes_read: int,
    *,
    final: bool,
) -> None:
    t = tables.import_job
    job = (
        (await uow.session.execute(select(t.c.failed, t.c.lines_done).where(t.c.id == job_id)))
        .mappings()
        .one()
    )
    room = max(0, MAX_STORED_ERRORS - job["failed"])
    if counts.errors and room:
        await uow.session.execute(
            insert(tables.import_error).on_conflict_do_nothing(),
            [
                {
                    "job_id": job_id,
                    "line": line,
                    "field": None if field_ is None else storable(field_)[:200],
                    "message": storable(message)[:2000],
                }
                for line, field_, message in sorted(counts.errors)[:room]
            ],
        )
    values: dict[str, Any] = {
        "created": t.c.created + counts.created,
        "updated": t.c.updated + counts.updated,
        "unchanged": t.c.unchanged + counts.unchanged,
        "failed": t.c.failed + counts.failed,
        "bytes_done": bytes_read,
        "lines_done": max([job["lines_done"], *(r.line for r in records)]),
    }
    if final:
        values |= {"state": JobState.COMPLETED.value, "finished_at": func.now()}
        await uow.session.execute(
            delete(tables.import_chunk).where(tables.import_chunk.c.job_id == job_id)
        )
    await uow.session.execute(update(t).where(t.c.id == job_id).values(values))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def storable(text: str) -> str:
    """Text as a column can hold it: a control character the file held (a bad row's
    field is named after the file's own key) written as its ``\\uXXXX`` escape."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


async def _finish(uow_factory: UowFactory, job_id: uuid.UUID, state: JobState, error: str) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(
            update(tables.import_job)
            .where(tables.import_job.c.id == job_id)
            .values(state=state.value, error=storable(error)[:2000], finished_at=func.now())
        )
        await uow.session.execute(
            delete(tables.import_chunk).where(tables.import_chunk.c.job_id == job_id)
        )
        await uow.commit()


# --- leases and the worker -------------------------------------------------------------


@contextlib.asynccontextmanager
async def leased(engine: AsyncEngine, job_id: uuid.UUID) -> AsyncIterator[bool]:
    """Try to take the job's lease; yields whether it was taken. Held until the block ends,
    or until this connection dies (PostgreSQL then frees it for another runner)."""
    key = (LEASE_NAMESPACE, func.hashtext(str(job_id)))
    connection = await engine.connect()
    held = False
    try:
        held = bool(await connection.scalar(select(func.pg_try_advisory_lock(*key))))
        await connection.commit()  # a session lock outlives the transaction that took it
        yield held
    finally:
        try:
            if held:
                await connection.scalar(select(func.pg_advisory_unlock(*key)))
                await connection.commit()
        except Exception:
            # Never hand a connection that may still hold the lock back to the pool.
            await connection.invalidate()
            raise
        finally:
            await connection.close()


async def run_next_job(
    engine: AsyncEngine, uow_factory: UowFactory, *, max_rows: int | None = None
) -> bool:
    """Run one queued (or abandoned) job to its end; False when there was none to run."""
    t = tables.import_job
    async with uow_factory() as uow:
        candidates = (
            (
                await uow.session.execute(
                    select(t.c.id)
                    .where(t.c.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]))
                    .order_by(t.c.created_at)
                    .limit(20)
                )
            )
            .scalars()
            .all()
        )
    for job_id in candidates:
        async with leased(engine, job_id) as held:
            if not held:
                continue  # another runner has it
            async with uow_factory() as uow:
                job = await get_job(uow, job_id)
            if job["state"] not in (JobState.QUEUED, JobState.RUNNING):
                continue  # it finished between the query and the lease
            if job["source"] == JobSource.CLI:
                await _finish(
                    uow_factory,
                    job_id,
                    JobState.FAILED,
                    "the command-line import running this job stopped before the end;"
                    " rows up to line {} were imported".format(job["lines_done"]),
                )
                return True
            await _start(uow_factory, job_id)
            try:
                await run_job(
                    uow_factory, job_id, stored_chunks(uow_factory, job_id), max_rows=max_rows
                )
            except Exception as error:
                # The log names the error without the statement's values (a customer's
                # data); the job, which any user may read, names only its kind.
                log.error(
                    "import job %s failed: %s",
                    job_id,
                    describe(error),
                    exc_info=not isinstance(error, StatementError),
                )
                # When even this write fails (the database is away), the job stays
                # running and is taken over once the lease is free again.
                await _finish(
                    uow_factory,
                    job_id,
                    JobState.FAILED,
                    f"the import stopped on an unexpected error ({type(error).__name__});"
                    " the rows up to lines_done were imported, the service's log has the"
                    " cause",
                )
            return True
    return False


async def _start(uow_factory: UowFactory, job_id: uuid.UUID) -> None:
    async with uow_factory() as uow:
        t = tables.import_job
        await uow.session.execute(
            update(t)
            .where(t.c.id == job_id)
            .values(
                state=JobState.RUNNING.value, started_at=func.coalesce(t.c.started_at, func.now())
            )
        )
        await uow.commit()


async def run_queued_jobs(
    engine: AsyncEngine,
    uow_factory: UowFactory,
    wakeup: asyncio.Event,
    poll_seconds: float,
    *,
    max_rows: int | None = None,
) -> None:
    """The service's import worker: runs jobs as they are queued, on any replica."""
    while True:
        if await run_next_job(engine, uow_factory, max_rows=max_rows):
            continue
        wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), poll_seconds)


async def purge_finished_jobs(uow_factory: UowFactory, finished_before: datetime) -> int:
    """Delete the jobs that finished before ``finished_before``, with their pieces and bad
    rows (foreign keys cascade); a hundred at a time, so no transaction grows large.
    Returns how many were deleted."""
    t = tables.import_job
    deleted = 0
    while True:
        async with uow_factory() as uow:
            old = (
                select(t.c.id)
                .where(t.c.state.in_(FINISHED_STATES), t.c.finished_at < finished_before)
                .limit(PURGE_BATCH)
                .scalar_subquery()
            )
            ids = (
                await uow.session.scalars(delete(t).where(t.c.id.in_(old)).returning(t.c.id))
            ).all()
            await uow.commit()
        deleted += len(ids)
        if len(ids) < PURGE_BATCH:
            return deleted


async def purge_old_jobs(
    uow_factory: UowFactory, clock: Clock, keep: timedelta, interval_seconds: float
) -> None:
    """The retention loop: every ``interval_seconds``, delete the jobs finished longer
    than ``keep`` ago (by ``clock``, so that tests move time instead of waiting)."""
    while True:
        deleted = await purge_finished_jobs(uow_factory, clock.now() - keep)
        if deleted:
            log.info("deleted %d finished import jobs older than %s", deleted, keep)
        await asyncio.sleep(interval_seconds)


async def list_jobs(
    uow: UnitOfWork,
    *,
    state: JobState | None,
    kind: ImportKind | None,
    cursor: str | None,
    limit: int,
    caller: Caller | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the jobs the caller sees, the latest first."""
    t = tables.import_job
    query = select(t).where(seen_by(caller))
    if state is not None:
        query = query.where(t.c.state == state.value)
    if kind is not None:
        query = query.where(t.c.kind == kind.value)
    columns = (t.c.created_at, t.c.id)
    return await keyset.page(
        uow.session, query, columns, (datetime, uuid.UUID), JOB_ORDER, cursor, limit
    )
