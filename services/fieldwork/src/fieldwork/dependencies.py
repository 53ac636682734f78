"""FastAPI dependencies every route module of field work shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from fieldwork.context import Context


async def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


ContextDep = Annotated[Context, Depends(_context)]
