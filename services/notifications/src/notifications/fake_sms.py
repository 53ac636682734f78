"""A local fake SMS provider speaking the generic JSON API of ``notifications.delivery.sms``.

For developers (``notifications-fake-sms --port 8070 --dir var/sms``: every SMS becomes a
JSON file) and for tests (``with FakeSmsServer() as fake: ...``, a real HTTP server on a
free port in its own thread). It records what it receives and can be told to fail:
``fail_next(number, times, status)`` answers ``status`` (503 by default) that many times,
``refuse(number)`` answers 400 ``invalid number`` for good. The same controls are
HTTP routes (``POST /control/fail``, ``POST /control/refuse``), and ``GET /messages``
lists what was received.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@dataclass(frozen=True)
class ReceivedSms:
    id: str
    to: str
    sender: str
    text: str
    reference: str | None
    received_at: float


class FakeSmsState:
    """What the fake provider received and how it is told to misbehave; thread-safe."""

    def __init__(self, directory: Path | None = None, api_key: str | None = None) -> None:
        self.directory = directory
        self.api_key = api_key
        self._lock = threading.Lock()
        self._received: list[ReceivedSms] = []
        self._by_reference: dict[str, ReceivedSms] = {}
        self._failures: dict[str, tuple[int, int]] = {}  # number -> (times left, status)
        self._refused: set[str] = set()
        self._attempts: dict[str, int] = {}
        self._sequence = itertools.count()

    def fail_next(self, number: str, times: int, status: int = 503) -> None:
        with self._lock:
            self._failures[number] = (times, status)

    def refuse(self, number: str) -> None:
        with self._lock:
            self._refused.add(number)

    def attempts(self, number: str) -> int:
        """Every request for ``number``, failed or not."""
        with self._lock:
            return self._attempts.get(number, 0)

    def received(self, to: str | None = None) -> list[ReceivedSms]:
        with self._lock:
            return [m for m in self._received if to is None or m.to == to]

    def handle(self, to: str, sender: str, text: str, reference: str | None) -> tuple[int, Any]:
        with self._lock:
            self._attempts[to] = self._attempts.get(to, 0) + 1
            if not _E164.match(to) or to in self._refused:
                return 400, {"error": f"invalid number {to}"}
            left, status = self._failures.get(to, (0, 0))
            if left > 0:
                self._failures[to] = (left - 1, status)
                return status, {"error": "provider unavailable, try again"}
            if reference is not None and reference in self._by_reference:
                # A repeat of a message we already took: its first id, and no second SMS.
                return 200, {"id": self._by_reference[reference].id, "duplicate": True}
            sms = ReceivedSms(f"fake-{uuid.uuid4().hex}", to, sender, text, reference, time.time())
            self._received.append(sms)
            if reference is not None:
                self._by_reference[reference] = sms
            sequence = next(self._sequence)
        if self.directory is not None:
            name = f"{time.time_ns():020d}-{sequence:06d}.json"
            partial = self.directory / f".{name}.part"
            partial.write_text(json.dumps(asdict(sms), ensure_ascii=False, indent=2))
            os.replace(partial, self.directory / name)
        return 201, {"id": sms.id}


class _Send(BaseModel):
    to: str
    from_: str = Field(alias="from", max_length=11)
    text: str = Field(min_length=1)
    reference: str | None = None


class _Fail(BaseModel):
    number: str
    times: int = Field(ge=0)
    status: int = Field(default=503, ge=400, le=599)


class _Refuse(BaseModel):
    number: str


def create_app(state: FakeSmsState) -> FastAPI:
    app = FastAPI(title="Fake SMS provider")

    @app.post("/messages")
    async def send(body: _Send, request: Request) -> JSONResponse:
        if state.api_key is not None and request.headers.get("authorization") != (
            f"Bearer {state.api_key}"
        ):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        status, answer = state.handle(body.to, body.from_, body.text, body.reference)
        return JSONResponse(answer, status_code=status)

    @app.get("/messages")
    async def received(to: str | None = None) -> list[dict[str, Any]]:
        return [asdict(m) for m in state.received(to)]

    @app.post("/control/fail", status_code=204)
    async def fail(body: _Fail) -> None:
        state.fail_next(body.number, body.times, body.status)

    @app.post("/control/refuse", status_code=204)
    async def refuse(body: _Refuse) -> None:
        state.refuse(body.number)

    return app


class FakeSmsServer:
    """The fake provider on a free port (or the one given), served from its own thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        directory: Path | None = None,
        api_key: str | None = None,
    ) -> None:
        self.state = FakeSmsState(directory, api_key)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(
            create_app(self.state), log_config=None, access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        if self.state.directory is not None:
            self.state.directory.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake SMS provider did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--dir", type=Path, default=Path("var/sms"))
    parser.add_argument("--api-key", default=None, help="require this bearer token")
    args = parser.parse_args(argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with FakeSmsServer(args.host, args.port, args.dir, args.api_key) as server:
        print(f"Fake SMS provider on {server.url}, writing to {args.dir}", flush=True)
        stopped.wait()


if __name__ == "__main__":
    main()
