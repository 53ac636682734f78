"""A service's app in the test process: its lifespan (runtime, consumers, loops) running,
and an HTTP client that calls it in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType

import httpx
from fastapi import FastAPI


def migrations_of(package: ModuleType) -> Path:
    """A service package's Alembic history (``<package>/migrations``, by convention)."""
    return Path(package.__file__ or "").parent / "migrations"


@asynccontextmanager
async def in_memory_client(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url) as client,
    ):
        yield client
