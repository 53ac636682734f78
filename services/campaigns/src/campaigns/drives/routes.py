"""HTTP routes of this feature (filled in by its issue's work)."""

from __future__ import annotations

from fastapi import APIRouter

routers: list[APIRouter] = []
