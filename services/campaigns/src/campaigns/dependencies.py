"""FastAPI dependencies every route module of campaigns shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from campaigns.context import Context


async def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


ContextDep = Annotated[Context, Depends(_context)]
