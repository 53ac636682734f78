"""A local SMTP sink: every message it receives becomes an ``.eml`` file in a directory.

For developers (``python -m aftersales_testing.smtp_sink --host 127.0.0.1 --port 1025
--dir var/mail``) and for tests (``with SmtpSink(tmp_path) as sink: ...`` on a free port).
Files hold the message exactly as received and are named so that they sort by arrival.
Tests can make it refuse recipients, permanently (550) or for now (451).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import os
import signal
import socket
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def offering_pipelining(ehlo_responses: list[str]) -> list[str]:
    """An aiosmtpd ``handle_EHLO`` hook's answer with PIPELINING (RFC 2920) among the
    extensions. aiosmtpd reads one command line after another, so commands written
    together are answered in order: RFC 2920 asks no more of a server, but aiosmtpd does
    not say so itself."""
    return [*ehlo_responses[:-1], "250-PIPELINING", ehlo_responses[-1]]


class _Handler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        # Recipients answered 550 (permanent) or 451 (try again later), for tests.
        self.reject: set[str] = set()
        self.defer: set[str] = set()
        # Recipients whose message is refused after its content (554 to DATA): an answer
        # that comes past the point of no return.
        self.refuse_data: set[str] = set()
        self._sequence = itertools.count()
        self._lock = threading.Lock()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        # Senders pipeline their envelopes here as at a real relay.
        session.host_name = hostname
        return offering_pipelining(responses)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.lower() in self.reject:
            return "550 5.1.1 mailbox unavailable"
        if address.lower() in self.defer:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data.intersection(a.lower() for a in envelope.rcpt_tos):
            return "554 5.7.1 message content rejected"
        content = envelope.original_content or b""
        with self._lock:
            # Nanoseconds, then a sequence: sortable by arrival even within one tick.
            name = f"{time.time_ns():020d}-{next(self._sequence):06d}.eml"
        # Written aside and renamed, so a reader never sees half a message.
        partial = self.directory / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.directory / name)
        return "250 Message accepted for delivery"


class SmtpSink:
    """The sink as a context manager; it runs in its own thread with its own event loop."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.directory = Path(directory)
        self.host = host
        self.port = port or free_port(host)
        self._handler = _Handler(self.directory)
        self._controller = Controller(self._handler, hostname=host, port=self.port)

    @property
    def reject(self) -> set[str]:
        return self._handler.reject

    @property
    def defer(self) -> set[str]:
        return self._handler.defer

    @property
    def refuse_data(self) -> set[str]:
        return self._handler.refuse_data

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

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

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        """Every message received so far, oldest first, parsed."""
        parsed: list[EmailMessage] = []
        for path in self.files():
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            parsed.append(message)
        return parsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, default=Path("var/mail"))
    args = parser.parse_args(argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with SmtpSink(args.dir, args.host, args.port):
        print(f"SMTP sink on {args.host}:{args.port}, writing to {args.dir}", flush=True)
        stopped.wait()


if __name__ == "__main__":
    main()
