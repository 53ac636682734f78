"""Bulk import jobs: store an upload, run a job batch by batch, and report on it.

A job commits a batch of rows at a time, together with its counts, the rows that failed
and the line it has reached; a job cut off (a crash, a restart) resumes after the last
committed line. While a job runs, its runner holds a session advisory lock on the job:
a lease that PostgreSQL frees when the runner's connection dies, so another replica can
take the job over, and two replicas never run one job at once.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import enum
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from aftersales_kit import keyset
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import NotFound
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


class JobSource(enum.StrEnum):
    UPLOAD = "upload"
    CLI = "cli"


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


async def get_job(uow: UnitOfWork, job_id: uuid.UUID) -> dict[str, Any]:
    row = (
        (
            await uow.session.execute(
                select(tables.import_job).where(tables.import_job.c.id == job_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no import job with id {job_id}")
    return dict(row)


async def list_errors(
    uow: UnitOfWork, job_id: uuid.UUID, *, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the job's bad rows in line order (404 for an unknown job)."""
    await get_job(uow, job_id)
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
) -> dict[str, Any]:
    """Import the file ``source`` yields, a batch at a time; returns the finished job.

    ``on_progress`` hears the bytes read so far (a progress bar).
    """
    async with uow_factory() as uow:
        job = await get_job(uow, job_id)
    kind, file_format = ImportKind(job["kind"]), FileFormat(job["format"])
    done = job["lines_done"]
    parser = importing.RecordParser(kind, file_format)
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    batch: list[Record] = []
    bytes_read = 0
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
                if record.line > done:
                    batch.append(record)
                if len(batch) >= BATCH_ROWS:
                    await _commit_batch(uow_factory, job_id, kind, batch, bytes_read)
                    batch = []
            if on_progress is not None:
                on_progress(bytes_read)
        decoder.decode(b"", final=True)
        batch.extend(r for r in parser.finish() if r.line > done)
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
            rows.append((record.line, importing.check(model, record.fields)))
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
                {"job_id": job_id, "line": line, "field": field_, "message": message[:2000]}
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


async def _finish(uow_factory: UowFactory, job_id: uuid.UUID, state: JobState, error: str) -> None:
    async with uow_factory() as uow:
        await uow.session.execute(
            update(tables.import_job)
            .where(tables.import_job.c.id == job_id)
            .values(state=state.value, error=error, finished_at=func.now())
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


async def run_next_job(engine: AsyncEngine, uow_factory: UowFactory) -> bool:
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
                await run_job(uow_factory, job_id, stored_chunks(uow_factory, job_id))
            except Exception as error:
                log.exception("import job failed", extra={"job": str(job_id)})
                # When even this write fails (the database is away), the job stays
                # running and is taken over once the lease is free again.
                await _finish(
                    uow_factory, job_id, JobState.FAILED, f"the import stopped: {error!r}"[:2000]
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
    engine: AsyncEngine, uow_factory: UowFactory, wakeup: asyncio.Event, poll_seconds: float
) -> None:
    """The service's import worker: runs jobs as they are queued, on any replica."""
    while True:
        if await run_next_job(engine, uow_factory):
            continue
        wakeup.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), poll_seconds)


async def list_jobs(
    uow: UnitOfWork,
    *,
    state: JobState | None,
    kind: ImportKind | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of jobs, the latest first."""
    t = tables.import_job
    query = select(t)
    if state is not None:
        query = query.where(t.c.state == state.value)
    if kind is not None:
        query = query.where(t.c.kind == kind.value)
    columns = (t.c.created_at, t.c.id)
    return await keyset.page(
        uow.session, query, columns, (datetime, uuid.UUID), JOB_ORDER, cursor, limit
    )
