"""Counting what a fault run did to each message: accepted, delivered, failed, lost,
stuck, duplicated, and the duplicate window in milliseconds.

The evidence is read from where a customer and a requester would see it, never from the
code under test's own logs: the SMTP sink's files (one per accepted SMTP transaction,
named by the nanosecond it was accepted, carrying the message's ``X-Aftersales-Message-ID``),
the fake SMS provider's files (each with its ``reference``, ``<message id>:<number>``), the
message rows and the callouts (their state after the run), the result events a requester
receives, and the commit time of each message's last change
(``pg_xact_commit_timestamp``; the private cluster runs with ``track_commit_timestamp``).

- **delivered**: at least one e-mail or SMS for the message;
- **failed**: no delivery, but the requester was told (``failed`` / ``blocked``);
- **lost**: accepted and neither delivered nor failed (must be 0);
- **stuck**: the row or callout still in a waiting state once the run has settled (must
  be 0; a stuck message is lost too unless it was delivered);
- **unconfirmed**: left for an operator (notifications' ``unconfirmed``: a sender died after
  handing the message to the server and before recording its answer, so it may have gone
  out); neither lost nor stuck, but each must be explained by a fault while its attempt
  ran (a sender killed, the broker or the database down; an unexplained one breaks the
  guarantee);
- **duplicated**: delivered more than once; **outside the window** when no fault struck
  between its first copy's acceptance and the end of the measured duplicate window
  (the SMTP server's accept → the sender's commit) after it (must be 0).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import statistics
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

TERMINAL_MESSAGE = frozenset({"sent", "failed", "blocked"})
UNCONFIRMED = "unconfirmed"
# How long after an attempt started its sender's death can have left it unconfirmed (an
# SMTP exchange takes milliseconds; a database outage the sender rides out, seconds).
ATTEMPT_SPAN_NS = 15 * 10**9
FAILED_MESSAGE = frozenset({"failed", "blocked"})
# Callouts a dispatch has still to send, or whose result has still to come back.
WAITING_CALLOUT = frozenset({"approved", "awaiting_approval"})


def _ns(path: Path) -> int:
    # The sink and the fake provider name files "<time_ns>-<sequence>.<ext>".
    return int(path.name.split("-", 1)[0])


def read_mail(mail_dir: Path) -> dict[uuid.UUID, list[int]]:
    """Message id → the wall-clock nanoseconds at which the SMTP sink accepted each copy."""
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    accepted: dict[uuid.UUID, list[int]] = defaultdict(list)
    for path in sorted(mail_dir.glob("*.eml")):
        headers = parser.parsebytes(path.read_bytes())
        raw = headers.get("X-Aftersales-Message-ID") or ""
        if not raw:
            raw = str(headers.get("Message-ID") or "").strip("<>").split("@", 1)[0]
        try:
            accepted[uuid.UUID(str(raw).strip())].append(_ns(path))
        except ValueError:
            continue
    return dict(accepted)


def read_sms(sms_dir: Path) -> dict[uuid.UUID, list[int]]:
    """Message id → when the fake SMS provider received each new SMS of it."""
    received: dict[uuid.UUID, list[int]] = defaultdict(list)
    for path in sorted(sms_dir.glob("*.json")):
        reference = json.loads(path.read_text()).get("reference") or ""
        try:
            received[uuid.UUID(reference.split(":", 1)[0])].append(_ns(path))
        except ValueError:
            continue
    return dict(received)


@dataclass(frozen=True)
class MessageRow:
    id: uuid.UUID
    status: str
    committed_ns: int | None  # when the row's last change committed
    # When the attempt that left the message unconfirmed (or has no outcome) started, and
    # what it recorded: evidence for whether a fault explains it.
    open_attempt_ns: int | None = None
    open_attempt_detail: str | None = None


@dataclass(frozen=True)
class FaultMark:
    """One fault, for the duplicate check: its name and when it struck (ns, wall clock)."""

    name: str
    at_ns: int
    until_ns: int  # the end of an outage; ``at_ns`` for a kill

    def overlaps(self, start_ns: int, end_ns: int) -> bool:
        return self.at_ns <= end_ns and start_ns <= self.until_ns


@dataclass
class Tally:
    """The counts for one contract (HTTP, AMQP, callouts)."""

    contract: str
    accepted: int = 0
    delivered: int = 0
    failed: int = 0
    lost: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    duplicated_outside_window: list[str] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)  # the requester was never told
    unconfirmed: list[str] = field(default_factory=list)  # waiting for an operator
    unconfirmed_unexplained: list[str] = field(default_factory=list)  # no sender died in it
    attempt_details: dict[str, str] = field(default_factory=dict)  # an unexplained one's
    lost_as: Counter[str] = field(default_factory=Counter)  # a lost message's last status


@dataclass
class Window:
    """SMTP accept → the sender's commit, in milliseconds, over the e-mails sent once while
    no fault struck in between: the duplicate window of a quiet system. E-mails whose
    commit waited out a fault (a database outage) are counted apart with their longest."""

    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    over_a_fault: int = 0
    over_a_fault_max_ms: float = 0.0

    @classmethod
    def of(cls, values_ms: list[float], over_a_fault: list[float] | None = None) -> Window:
        over = over_a_fault or []
        longest = max(over, default=0.0)
        if not values_ms:
            return cls(0, 0.0, 0.0, 0.0, len(over), longest)
        ordered = sorted(values_ms)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return cls(len(ordered), statistics.median(ordered), p99, ordered[-1], len(over), longest)


def duplicate_window(
    rows: Iterable[MessageRow],
    mail: Mapping[uuid.UUID, list[int]],
    faults: Iterable[FaultMark] = (),
) -> Window:
    """How long a message is in flight between the SMTP server taking it and our commit
    recording it: the window in which a crash sends it twice."""
    faults = list(faults)
    quiet: list[float] = []
    over: list[float] = []
    for row in rows:
        copies = mail.get(row.id, [])
        if row.status == "sent" and len(copies) == 1 and row.committed_ns is not None:
            ms = (row.committed_ns - copies[0]) / 1e6
            hit = any(f.overlaps(copies[0], row.committed_ns) for f in faults)
            (over if hit else quiet).append(ms)
    return Window.of(quiet, over)


def in_window(first_copy_ns: int, faults: Iterable[FaultMark], window_ms: float) -> bool:
    """A fault struck after the first copy was accepted and before its commit was due."""
    return any(f.overlaps(first_copy_ns, first_copy_ns + int(window_ms * 1e6)) for f in faults)


def tally(
    contract: str,
    accepted: Iterable[str],
    rows: Mapping[str, MessageRow],
    deliveries: Mapping[uuid.UUID, list[int]],
    *,
    reported: Mapping[str, bool],
    faults: Iterable[FaultMark],
    window_ms: float,
    sender_kills: Iterable[FaultMark] = (),
) -> Tally:
    """Count one contract. ``accepted`` are the requester's keys that were accepted;
    ``rows`` maps a key to its message row (absent: none was ever stored);
    ``reported`` maps a key to whether the requester learnt the outcome."""
    faults = list(faults)
    kills = list(sender_kills)
    result = Tally(contract)
    for key in accepted:
        result.accepted += 1
        row = rows.get(key)
        copies = sorted(deliveries.get(row.id, [])) if row is not None else []
        if row is not None and row.status == UNCONFIRMED:
            # The operator's to resolve, by design: not lost, not stuck, not yet reported.
            result.unconfirmed.append(key)
            started = row.open_attempt_ns
            if started is None or not any(
                k.overlaps(started, started + ATTEMPT_SPAN_NS) for k in kills
            ):
                result.unconfirmed_unexplained.append(key)
                result.attempt_details[key] = row.open_attempt_detail or "no attempt found"
            if copies:
                result.delivered += 1
                if len(copies) > 1:
                    result.duplicated.append(key)
                    result.duplicated_outside_window.append(key)
            continue
        # Anything short of an outcome once the run has settled is stuck: queued, or a
        # state a delivery parks in (e.g. an attempt that may have reached the server).
        if row is not None and row.status not in TERMINAL_MESSAGE:
            result.stuck.append(key)
        if copies:
            result.delivered += 1
            if len(copies) > 1:
                result.duplicated.append(key)
                if not in_window(copies[0], faults, window_ms):
                    result.duplicated_outside_window.append(key)
        elif row is not None and row.status in FAILED_MESSAGE:
            result.failed += 1
        else:
            result.lost.append(key)
            result.lost_as[row.status if row is not None else "no message row"] += 1
        if (copies or (row is not None and row.status in FAILED_MESSAGE)) and not reported.get(
            key, False
        ):
            result.unreported.append(key)
    return result


def table(
    tallies: Iterable[Tally], window: Window, dead_letters: Mapping[str, int] | None = None
) -> str:
    """The counts as a plain-text table, with the window and the dead-letter queues."""
    header = (
        "contract",
        "accepted",
        "delivered",
        "failed",
        "lost",
        "stuck",
        "duplicated",
        "dup. outside window",
        "unreported",
        "unconfirmed",
    )
    lines = [header]
    lines.extend(
        (
            t.contract,
            str(t.accepted),
            str(t.delivered),
            str(t.failed),
            str(len(t.lost)),
            str(len(t.stuck)),
            str(len(t.duplicated)),
            str(len(t.duplicated_outside_window)),
            str(len(t.unreported)),
            str(len(t.unconfirmed)),
        )
        for t in tallies
    )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    ]
    text.append(
        f"duplicate window (SMTP accept -> sender's commit) over {window.samples} e-mails:"
        f" p50 {window.p50_ms:.1f} ms, p99 {window.p99_ms:.1f} ms, max {window.max_ms:.1f} ms;"
        f" {window.over_a_fault} e-mails' commit waited out a fault"
        f" (longest {window.over_a_fault_max_ms:.0f} ms), sent once all the same"
    )
    text.extend(
        f"{t.contract}: lost as " + ", ".join(f"{status} {n}" for status, n in t.lost_as.items())
        for t in tallies
        if t.lost_as
    )
    if dead_letters:
        text.append(
            "dead-letter queues: "
            + ", ".join(f"{name} {count}" for name, count in sorted(dead_letters.items()))
        )
    return "\n".join(text)


def statuses(seen: Counter[tuple[str, int | str]]) -> str:
    """``(what, status) -> count`` as one line, e.g. ``http 202 x310, http 500 x4``."""
    return ", ".join(f"{what} {status} x{n}" for (what, status), n in sorted(seen.items(), key=str))


def commit_ns(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1e9)
