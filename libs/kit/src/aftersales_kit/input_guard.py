"""Input every service refuses before a route sees it: text with a NUL or another control
character, JSON integers outside PostgreSQL's ``integer``, and JSON bodies over the size
limit.

PostgreSQL cannot store a NUL in ``text`` and overflows ``integer`` past 2,147,483,647;
both would surface as a 500 (or, in a filter, as an empty answer) from deep inside a use
case. Checked once at the edge, each is a 422 naming the field (``customer.emails.0``,
``query.serial_number``), and an oversized JSON body is a 413 before it is read whole.
Tab, line feed and carriage return stay allowed: they are text. Integers are 32-bit in
every public API (documented); a number with a fraction is left to its field's own rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aftersales_kit.problems import PROBLEM_JSON

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
# C0 controls but tab, LF and CR; DEL; and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Refusal:
    status: int
    field: str
    detail: str


def text_refusal(value: str, field: str) -> Refusal | None:
    """A 422 for text holding a NUL or a control character, naming ``field``."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    character = f"U+{ord(found.group()):04X}"
    return Refusal(422, field, f"{field} contains the control character {character}")


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def json_refusal(value: Any, path: str = "") -> Refusal | None:
    """The first value in a parsed JSON document that no service accepts (depth first,
    in document order), with its path as the validation errors name fields."""
    if isinstance(value, str):
        return text_refusal(value, path or "body")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        if INT_MIN <= value <= INT_MAX:
            return None
        return Refusal(
            422, path or "body", f"{path or 'body'} must be between {INT_MIN} and {INT_MAX}"
        )
    if isinstance(value, dict):
        for key, item in value.items():
            where = _join(path, key)
            if (refused := text_refusal(key, where)) is not None:
                return refused
            if (refused := json_refusal(item, where)) is not None:
                return refused
        return None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (refused := json_refusal(item, _join(path, index))) is not None:
                return refused
    return None


def query_refusal(query_string: bytes) -> Refusal | None:
    """Control characters in a query parameter's name or value, naming ``query.<name>``."""
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    except ValueError:
        return None  # the router answers malformed queries itself
    for name, value in pairs:
        field = f"query.{name}"
        for text in (name, value):
            if (refused := text_refusal(text, field)) is not None:
                return refused
    return None


def path_refusal(path: str) -> Refusal | None:
    return text_refusal(path, "path")


class InputGuard:
    """ASGI middleware: refuse control characters in the path and query, and, for JSON
    bodies, size over ``max_json_bytes`` (413, from Content-Length before reading, or
    while reading), control characters and out-of-range integers (422). Other bodies
    (uploads, CSV) stream through untouched; their routes check them. ``skip`` says
    which paths pass unchecked (a proxy that only forwards)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_json_bytes: int,
        skip: Callable[[str], bool] = lambda path: False,
    ) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.skip(scope["path"]):
            await self.app(scope, receive, send)
            return
        refused = path_refusal(scope["path"]) or query_refusal(scope.get("query_string", b""))
        if refused is not None:
            await _answer(scope, send, refused)
            return
        headers = Headers(scope=scope)
        if not _is_json(headers.get("content-type")):
            await self.app(scope, receive, send)
            return
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_json_bytes:
            await _answer(scope, send, self._too_large())
            return
        body, more = await self._read(receive)
        if more is None:
            await _answer(scope, send, self._too_large())
            return
        refused = _body_refusal(body)
        if refused is not None:
            await _answer(scope, send, refused)
            return
        await self.app(scope, _replay(body, receive), send)

    def _too_large(self) -> Refusal:
        return Refusal(413, "body", f"a JSON body may have at most {self.max_json_bytes} bytes")

    async def _read(self, receive: Receive) -> tuple[bytes, bool | None]:
        """The whole body, or (partial, None) once it passes the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks), False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_json_bytes:
                return b"", None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _body_refusal(body: bytes) -> Refusal | None:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None  # not JSON: FastAPI answers that with its own 422
    return json_refusal(document)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(scope: Scope, send: Send, refused: Refusal) -> None:
    title = "Payload too large" if refused.status == 413 else "Invalid request"
    problem = {
        "type": "about:blank",
        "title": title,
        "status": refused.status,
        "detail": refused.detail,
        "instance": scope["path"],
        "field": refused.field,
    }
    if refused.status == 422:
        problem["errors"] = [{"field": refused.field, "message": refused.detail}]
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def skip_prefixes(prefixes: Iterable[str]) -> Callable[[str], bool]:
    """A ``skip`` for paths under any of ``prefixes``."""
    kept = tuple(prefixes)
    return lambda path: path.startswith(kept)
