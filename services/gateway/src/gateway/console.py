"""The console's files (``services/console``, built by npm) served at ``/``: on the
gateway's own origin, so the session cookie never has to cross to another site and the
console needs no CORS (decision 86)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from aftersales_kit.problems import NotFound

# What the console's pages may do: its own scripts and styles only, images from the API
# (protocol photos) or drawn in the page, requests to this origin alone, never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# Hashed file names (Vite's assets/): cached for good. The page itself: always revalidated,
# so a new build is picked up on the next load.
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Paths that are never a console page: a typo there is a 404, not the console.
NOT_CONSOLE = ("api/", "auth/", "healthz", "readyz", "metrics", "docs", "openapi.json")

NOT_BUILT = (
    "the console is not built: run `make console` (npm ci && npm run build in services/console)"
)


def default_console_dir() -> Path | None:
    """services/console/dist beside this package in a source checkout (``make run``)."""
    candidate = Path(__file__).resolve().parents[3] / "console" / "dist"
    return candidate if candidate.is_dir() else None


def console_router(dist: Path | None) -> APIRouter:
    """GET/HEAD for every other path: a file of the build, or the console's page for a
    client-side route (``/callouts``, ``/board`` ...), so a reload keeps the screen."""
    router = APIRouter(include_in_schema=False)
    root = dist.resolve() if dist is not None else None

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def console(path: str) -> FileResponse:
        if path.startswith(NOT_CONSOLE):
            raise NotFound(f"nothing at /{path}")
        if root is None or not (root / "index.html").is_file():
            raise NotFound(NOT_BUILT)
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
                return FileResponse(candidate, headers=SECURITY_HEADERS | {"Cache-Control": cache})
            # A missing file (an old asset, a typo with an extension) is a 404, not a page.
            if "." in path.rsplit("/", 1)[-1]:
                raise NotFound(f"the console has no file /{path}")
        return FileResponse(
            root / "index.html", headers=SECURITY_HEADERS | {"Cache-Control": REVALIDATE}
        )

    return router
