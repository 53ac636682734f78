"""``catalog-import customers|serial-items FILE``: a bulk import from the command line.

It writes straight to catalog's database (``CATALOG_DATABASE_URL``), as a job like an
HTTP upload, so the job, its counts and its bad rows show under ``/imports`` too; the
events go through the outbox, which the running service's relay publishes.
Exit status: 0 when every row was imported, 2 when some rows were not, 1 when the file was.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aftersales_kit.db import create_engine, create_sessionmaker
from aftersales_kit.uow import UnitOfWork
from catalog import imports
from catalog.importing import FileFormat, ImportKind, UnsupportedFormat, format_for
from catalog.settings import Settings

KINDS = {"customers": ImportKind.CUSTOMERS, "serial-items": ImportKind.SERIAL_ITEMS}
SHOWN_ERRORS = 20


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="catalog-import", description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=[f.value for f in FileFormat], default=None)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


async def read_file(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while piece := file.read(imports.CHUNK_BYTES):
            yield piece


async def run(
    settings: Settings,
    kind: ImportKind,
    path: Path,
    size: int,
    file_format: FileFormat,
    *,
    quiet: bool,
) -> dict[str, Any]:
    engine = create_engine(settings.database_url, 2)
    sessionmaker = create_sessionmaker(engine)

    def uow() -> UnitOfWork:
        return UnitOfWork(sessionmaker)

    job_id = uuid.uuid4()
    try:
        # The lease is taken before the job exists, so no worker ever sees it unleased.
        async with imports.leased(engine, job_id):
            async with uow() as work:
                await imports.create_job(
                    work,
                    kind,
                    file_format,
                    imports.JobSource.CLI,
                    file_name=path.name,
                    requested_by=getpass.getuser(),
                    size_bytes=size,
                    job_id=job_id,
                )
                await work.commit()
            with tqdm(total=size, unit="B", unit_scale=True, disable=quiet) as bar:

                def progress(done: int) -> None:
                    bar.update(done - bar.n)

                return await imports.run_job(
                    uow,
                    job_id,
                    read_file(path),
                    on_progress=progress,
                    max_rows=settings.import_max_rows,
                )
    finally:
        await engine.dispose()


async def show_errors(settings: Settings, job_id: uuid.UUID) -> list[dict[str, Any]]:
    engine = create_engine(settings.database_url, 1)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as work:
            rows, _ = await imports.list_errors(work, job_id, cursor=None, limit=SHOWN_ERRORS)
            return rows
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.file.is_file():
        print(f"catalog-import: no file {args.file}", file=sys.stderr)
        return 1
    try:
        file_format = FileFormat(args.format) if args.format else format_for(None, args.file.name)
    except UnsupportedFormat as error:
        print(f"catalog-import: {error}; use --format", file=sys.stderr)
        return 1
    settings = Settings()
    size = args.file.stat().st_size
    job = asyncio.run(
        run(settings, KINDS[args.kind], args.file, size, file_format, quiet=args.quiet)
    )
    print(
        f"job {job['id']}: {job['state']}; {job['created']} created, {job['updated']} updated,"
        f" {job['unchanged']} unchanged, {job['failed']} failed"
    )
    if job["error"]:
        print(f"the file could not be imported: {job['error']}", file=sys.stderr)
        return 1
    if job["failed"]:
        for bad in asyncio.run(show_errors(settings, job["id"])):
            print(f"line {bad['line']}: {bad['message']}", file=sys.stderr)
        if job["failed"] > SHOWN_ERRORS:
            print(f"... and {job['failed'] - SHOWN_ERRORS} more (GET /imports/{job['id']}/errors)")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
