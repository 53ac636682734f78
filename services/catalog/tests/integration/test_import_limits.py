"""Import jobs: who sees them, the limits (file size, rows, jobs at once, retention) and
what a bad cell or an unexpected error shows."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text, update

from aftersales_kit.clock import FixedClock
from aftersales_kit.db import create_engine, create_sessionmaker
from aftersales_kit.identity import ORG_UNITS_HEADER, USER_HEADER
from aftersales_kit.uow import UnitOfWork
from aftersales_testing.apps import in_memory_client
from aftersales_testing.waiting import eventually
from catalog import import_upserts, imports, tables
from catalog.importing import FileFormat, ImportKind
from catalog.main import build_app
from catalog.settings import Settings

from .helpers import n
from .test_import import CSV, JSONL, by_number, errors, finished, run_import

PROBLEM = "application/problem+json"


@asynccontextmanager
async def app_with(settings: Settings, **limits: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Catalog with other settings (``CATALOG_IMPORT_*``), in memory."""
    app = build_app(settings.model_copy(update=limits))
    async with in_memory_client(app, "http://catalog") as client:
        yield client


def runtime_of(client: httpx.AsyncClient) -> Any:
    return client._transport.app.state.runtime  # type: ignore[attr-defined]


# --- bad cells -------------------------------------------------------------------------


async def test_a_bad_cell_is_a_bad_row_naming_its_line_and_field(
    client: httpx.AsyncClient,
) -> None:
    """One NUL cell failed the whole job before, with the raw database error in it."""
    p = n()
    body = (
        "customer_number,name,emails\n"
        f"{p}-1,Ada,ada@example.com\n"
        f"{p}-2,Nul\x00Name,\n"
        f'{p}-3,Bob,"b@example.com;bell\x07@example.com"\n'
        f"{p}-4,Cy\x1b,\n"
        f"{p}-5,Di,\n"
    )
    job = await run_import(client, "customers", body, CSV)
    assert job["state"] == "completed", job
    assert job["error"] is None
    assert (job["created"], job["failed"]) == (2, 3)
    assert await errors(client, job["id"]) == [(3, "name"), (4, "emails.1"), (5, "name")]
    page = (await client.get(f"/imports/{job['id']}/errors")).json()["items"]
    assert "U+0000" in page[0]["message"]
    assert await by_number(client, f"{p}-5") is not None
    assert await by_number(client, f"{p}-2") is None


async def test_json_lines_control_characters_and_numbers_out_of_range(
    client: httpx.AsyncClient,
) -> None:
    p = n()
    lines = [
        {"customer_number": f"{p}-1", "name": "Ada"},
        {"customer_number": f"{p}-2", "name": "A\u0000da"},
        {"customer_number": f"{p}-3", "name": "Bob", "language": 2**31},
        {"customer_number": f"{p}-4", "na\u0000me": "Cy"},  # a key no column can name
        {"customer_number": f"{p}-5", "name": "Di", "mobiles": [99999999999999999999]},
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\n"
    job = await run_import(client, "customers", body, JSONL)
    assert job["state"] == "completed", job
    assert (job["created"], job["failed"]) == (1, 4)
    page = (await client.get(f"/imports/{job['id']}/errors")).json()["items"]
    assert [(e["line"], e["field"]) for e in page] == [
        (2, "name"),
        (3, "language"),
        (4, "na\\u0000me"),  # stored escaped: a column cannot hold the NUL itself
        (5, "mobiles.0"),
    ]
    assert "between" in page[1]["message"]


async def test_an_unexpected_error_fails_the_job_without_the_database_error(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A job's reason, which any user may read, names no statement and no value; nor
    does the log."""
    secret = f"secret-{n()}"

    async def failing(uow: UnitOfWork, rows: Any, counts: Any) -> None:
        # A real database error whose statement carries a customer's data.
        await uow.session.execute(text("SELECT CAST(:value AS integer)"), {"value": secret})

    monkeypatch.setattr(import_upserts, "upsert_customers", failing)
    with caplog.at_level(logging.INFO):
        job = await run_import(client, "customers", f"customer_number,name\n{n()},Ada\n", CSV)
    assert job["state"] == "failed"
    assert job["error"].startswith("the import stopped on an unexpected error (DBAPIError)")
    for shown in (job["error"], caplog.text):
        assert secret not in shown
        assert "invalid input" not in shown
    assert "CAST" not in job["error"]


# --- who sees which job ----------------------------------------------------------------


async def test_a_restricted_caller_sees_only_the_jobs_it_requested(
    client: httpx.AsyncClient,
) -> None:
    """Jobs and their bad rows showed across org units; a restricted user may not import,
    so its jobs are those it requested before it was restricted."""
    mine, theirs = f"mine-{n()}", f"theirs-{n()}"
    made: dict[str, str] = {}
    for user in (mine, theirs):
        response = await client.post(
            "/imports/customers",
            content=f"customer_number,name\n{n()},\n".encode(),
            headers=CSV | {USER_HEADER: user},
        )
        assert response.status_code == 202, response.text
        made[user] = (await finished(client, response.json()["id"]))["id"]
    restricted = {USER_HEADER: mine, ORG_UNITS_HEADER: "OU-ANY"}

    listed = (await client.get("/imports", params={"limit": 500}, headers=restricted)).json()
    assert {j["requested_by"] for j in listed["items"]} == {mine}
    assert [j["id"] for j in listed["items"]] == [made[mine]]
    assert (await client.get(f"/imports/{made[mine]}", headers=restricted)).status_code == 200
    own = await client.get(f"/imports/{made[mine]}/errors", headers=restricted)
    assert [e["line"] for e in own.json()["items"]] == [2]
    for path in (f"/imports/{made[theirs]}", f"/imports/{made[theirs]}/errors"):
        hidden = await client.get(path, headers=restricted)
        assert hidden.status_code == 404, hidden.text
        assert hidden.json()["detail"] == f"no import job with id {made[theirs]}"
    # Restricted and nameless: nothing is its own.
    nameless = await client.get("/imports", headers={ORG_UNITS_HEADER: "OU-ANY"})
    assert nameless.json()["items"] == []
    # Unrestricted callers see every job.
    everyone = (await client.get("/imports", params={"limit": 500})).json()["items"]
    assert {made[mine], made[theirs]} <= {j["id"] for j in everyone}


# --- file size -------------------------------------------------------------------------


async def test_a_file_over_the_limit_is_413_before_it_is_read(settings: Settings) -> None:
    user = f"big-{n()}"
    read: list[bytes] = []

    async def body() -> AsyncIterator[bytes]:
        for piece in (b"customer_number,name\n", b"C1,Ada\n" * 20):
            read.append(piece)
            yield piece

    async with app_with(settings, import_max_bytes=100) as client:
        declared = await client.post(
            "/imports/customers",
            content=body(),
            headers=CSV | {USER_HEADER: user, "Content-Length": "161"},
        )
        assert declared.status_code == 413, declared.text
        assert declared.json()["field"] == "body"
        assert read == []  # refused from the header alone
        # Streamed without a length: refused once the stream passes the limit.
        streamed = await client.post(
            "/imports/customers", content=body(), headers=CSV | {USER_HEADER: user}
        )
        assert streamed.status_code == 413, streamed.text
        fits = await client.post(
            "/imports/customers", content=b"customer_number,name\nC1,Ada\n", headers=CSV
        )
        assert fits.status_code == 202, fits.text
        await finished(client, fits.json()["id"])
        listed = (await client.get("/imports", params={"limit": 500})).json()["items"]
        assert user not in {j["requested_by"] for j in listed}  # no job was left behind


def test_the_default_file_limit_is_200_mib() -> None:
    assert Settings().import_max_bytes == 200 * 1024**2


# --- rows per job ----------------------------------------------------------------------


async def test_a_job_stops_past_its_row_limit(settings: Settings) -> None:
    p = n()
    body = "customer_number,name\n" + "".join(f"{p}-{i},Ada\n" for i in range(1, 6))
    async with app_with(settings, import_max_rows=3) as client:
        job = await run_import(client, "customers", body, CSV)
        assert job["state"] == "failed"
        assert job["error"].startswith("the file has more than 3 rows")
        assert "the rows before line 5 were imported" in job["error"]
        assert job["created"] == 3
        assert await by_number(client, f"{p}-3") is not None
        assert await by_number(client, f"{p}-4") is None
        exact = "customer_number,name\n" + "".join(f"{p}-x{i},Bo\n" for i in range(3))
        assert (await run_import(client, "customers", exact, CSV))["state"] == "completed"


# --- jobs at once ----------------------------------------------------------------------


@asynccontextmanager
async def waiting_jobs(client: httpx.AsyncClient, users: list[str]) -> AsyncIterator[None]:
    """Queued jobs for ``users`` that no worker may take (their leases are held here);
    deleted afterwards."""
    runtime = runtime_of(client)
    ids = [uuid.uuid4() for _ in users]
    async with AsyncExitStack() as stack:
        for job_id in ids:
            assert await stack.enter_async_context(imports.leased(runtime.engine, job_id))
        async with runtime.uow() as uow:
            for job_id, user in zip(ids, users, strict=True):
                await imports.create_job(
                    uow,
                    ImportKind.CUSTOMERS,
                    FileFormat.CSV,
                    imports.JobSource.UPLOAD,
                    requested_by=user,
                    job_id=job_id,
                )
            await uow.session.execute(
                update(tables.import_job)
                .where(tables.import_job.c.id.in_(ids))
                .values(state=imports.JobState.QUEUED.value)
            )
            await uow.commit()
        try:
            yield
        finally:
            async with runtime.uow() as uow:
                await uow.session.execute(
                    delete(tables.import_job).where(tables.import_job.c.id.in_(ids))
                )
                await uow.commit()


async def _upload(client: httpx.AsyncClient, user: str) -> httpx.Response:
    return await client.post(
        "/imports/customers",
        content=f"customer_number,name\n{n()},Ada\n".encode(),
        headers=CSV | {USER_HEADER: user},
    )


async def test_too_many_jobs_per_requester_or_overall_is_429(settings: Settings) -> None:
    busy, other = f"busy-{n()}", f"other-{n()}"
    async with app_with(
        settings,
        import_max_jobs_per_requester=2,
        import_max_jobs=4,
        import_retry_after_seconds=17,
    ) as client:
        async with waiting_jobs(client, [busy, busy]):
            refused = await _upload(client, busy)
            assert refused.status_code == 429, refused.text
            assert refused.headers["Retry-After"] == "17"
            assert refused.headers["content-type"] == PROBLEM
            assert "you have 2 import jobs" in refused.json()["detail"]
            accepted = await _upload(client, other)
            assert accepted.status_code == 202, accepted.text
            await finished(client, accepted.json()["id"])
            async with waiting_jobs(client, [f"a-{n()}", f"b-{n()}"]):
                everyone = await _upload(client, other)
                assert everyone.status_code == 429, everyone.text
                assert "4 import jobs are waiting or running" in everyone.json()["detail"]
                assert everyone.headers["Retry-After"] == "17"
        # Once the jobs are done, there is room again.
        again = await _upload(client, busy)
        assert again.status_code == 202, again.text
        await finished(client, again.json()["id"])


async def test_uploads_at_once_are_counted_one_after_the_other(settings: Settings) -> None:
    """Uploads that each found room before any committed are counted again, in turn,
    under a lock just before the commit: one gets through."""
    user = f"racer-{n()}"
    limits = {"import_max_jobs_per_requester": 1, "import_poll_seconds": 3600}
    app = build_app(settings.model_copy(update=limits))
    async with in_memory_client(app, "http://catalog") as client:
        # No worker is woken to run the jobs while the uploads are counted.
        app.state.import_wakeup = asyncio.Event()
        answers = await asyncio.gather(*(_upload(client, user) for _ in range(4)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [202, 429, 429, 429], [a.text for a in answers]
        accepted = next(a for a in answers if a.status_code == 202)
        runtime = runtime_of(client)
        async with runtime.uow() as uow:
            count = await uow.session.scalar(
                select(func.count()).where(tables.import_job.c.requested_by == user)
            )
        assert count == 1
    # The next app's worker runs the job left queued.
    async with app_with(settings) as other:
        await finished(other, accepted.json()["id"])


# --- retention -------------------------------------------------------------------------


UowFactory = Callable[[], UnitOfWork]


async def _old_job(
    uow_factory: UowFactory, state: imports.JobState, finished_at: datetime | None
) -> uuid.UUID:
    """A job as a past one left it: a bad row and, as an interrupted one would, a piece."""
    async with uow_factory() as uow:
        job_id = await imports.create_job(
            uow, ImportKind.CUSTOMERS, FileFormat.CSV, imports.JobSource.UPLOAD
        )
        await uow.session.execute(
            update(tables.import_job)
            .where(tables.import_job.c.id == job_id)
            .values(state=state.value, finished_at=finished_at)
        )
        await uow.session.execute(
            tables.import_error.insert().values(job_id=job_id, line=2, message="bad")
        )
        await uow.session.execute(
            tables.import_chunk.insert().values(job_id=job_id, seq=0, data=b"x")
        )
        await uow.commit()
    return job_id


async def _left(uow_factory: UowFactory, ids: list[uuid.UUID]) -> dict[str, set[uuid.UUID]]:
    async with uow_factory() as uow:
        found: dict[str, set[uuid.UUID]] = {}
        for name, column in (
            ("jobs", tables.import_job.c.id),
            ("errors", tables.import_error.c.job_id),
            ("chunks", tables.import_chunk.c.job_id),
        ):
            rows = await uow.session.scalars(select(column).where(column.in_(ids)))
            found[name] = set(rows.all())
        return found


async def test_finished_jobs_are_deleted_after_the_retention(settings: Settings) -> None:
    """The retention loop runs on the service's clock (here a fixed one in 2000, so that
    the session's real jobs, finished now, are never old)."""
    start = datetime(2000, 3, 1, tzinfo=UTC)
    clock = FixedClock(start)
    limits = {"import_retention_days": 30, "import_retention_interval_seconds": 0.05}
    app = build_app(settings.model_copy(update=limits), clock=clock)
    async with in_memory_client(app, "http://catalog") as client:
        uow = runtime_of(client).uow
        old = await _old_job(uow, imports.JobState.COMPLETED, start - timedelta(days=31))
        old_failed = await _old_job(uow, imports.JobState.FAILED, start - timedelta(days=45))
        recent = await _old_job(uow, imports.JobState.COMPLETED, start - timedelta(days=29))
        # A job still running is never old, however long ago it began.
        running = await _old_job(uow, imports.JobState.RUNNING, None)
        async with imports.leased(runtime_of(client).engine, running):
            ids = [old, old_failed, recent, running]

            def purged(expected: set[uuid.UUID]) -> Callable[[], Awaitable[bool]]:
                async def probe() -> bool:
                    left = await _left(uow, ids)
                    return left["jobs"] == expected and left["errors"] == expected

                return probe

            await eventually(purged({recent, running}), what="the old jobs deleted")
            assert (await _left(uow, ids))["chunks"] == {recent, running}
            assert (await client.get(f"/imports/{old}")).status_code == 404
            clock.advance(timedelta(days=2))
            await eventually(purged({running}), what="the next job deleted")
            async with runtime_of(client).uow() as uow:
                await uow.session.execute(
                    delete(tables.import_job).where(tables.import_job.c.id == running)
                )
                await uow.commit()


async def test_purge_deletes_in_batches(settings: Settings) -> None:
    """More finished jobs than one batch: all of them go, and only those. (No app runs
    here: its retention loop, on the real clock, would delete them too.)"""
    engine = create_engine(settings.database_url, 2)
    sessionmaker = create_sessionmaker(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessionmaker)

    try:
        long_ago = datetime(1999, 1, 1, tzinfo=UTC)
        ids = [
            await _old_job(uow, imports.JobState.COMPLETED, long_ago)
            for _ in range(imports.PURGE_BATCH + 3)
        ]
        later = await _old_job(uow, imports.JobState.COMPLETED, long_ago + timedelta(days=1))
        deleted = await imports.purge_finished_jobs(uow, long_ago + timedelta(seconds=1))
        assert deleted == len(ids)
        assert (await _left(uow, [*ids, later]))["jobs"] == {later}
        assert await imports.purge_finished_jobs(uow, long_ago + timedelta(days=2)) == 1
    finally:
        await engine.dispose()
