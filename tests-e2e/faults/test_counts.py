"""The counting the fault suite's verdict rests on: pure, over made-up evidence, so a
miscount cannot hide a lost or doubled message."""

from __future__ import annotations

import uuid
from pathlib import Path

from aftersales_testing.fault_counts import (
    FaultMark,
    MessageRow,
    duplicate_window,
    read_mail,
    table,
    tally,
)

MS = 1_000_000  # nanoseconds


def row(status: str, committed_ns: int | None = None) -> MessageRow:
    return MessageRow(uuid.uuid4(), status, committed_ns)


def test_each_message_is_counted_once_in_the_column_it_belongs_to() -> None:
    sent, twice, failed, queued, sent_no_mail = (
        row("sent"),
        row("sent"),
        row("failed"),
        row("queued"),
        row("sent"),
    )
    rows = {"sent": sent, "twice": twice, "failed": failed, "queued": queued, "gone": sent_no_mail}
    rows["parked"] = row("sending")  # a state a delivery may park in: not an outcome
    deliveries = {sent.id: [100 * MS], twice.id: [200 * MS, 900 * MS]}
    result = tally(
        "HTTP",
        ["sent", "twice", "failed", "queued", "gone", "no-row", "parked"],
        rows,
        deliveries,
        reported={"sent": True, "twice": True},
        faults=[],
        window_ms=50,
    )

    assert (result.accepted, result.delivered, result.failed) == (7, 2, 1)
    assert sorted(result.lost) == ["gone", "no-row", "parked", "queued"]
    assert result.stuck == ["queued", "parked"]
    assert result.lost_as == {"queued": 1, "sent": 1, "no message row": 1, "sending": 1}
    assert result.duplicated == ["twice"]
    assert result.duplicated_outside_window == ["twice"]  # no fault near its first copy
    assert result.unreported == ["failed"]  # failed, and the requester was never told


def test_a_duplicate_is_excused_only_by_a_fault_within_the_window_after_its_first_copy() -> None:
    message = row("sent")
    deliveries = {message.id: [1_000 * MS, 5_000 * MS]}

    def outside(fault_at_ms: int) -> list[str]:
        return tally(
            "HTTP",
            ["k"],
            {"k": message},
            deliveries,
            reported={"k": True},
            faults=[FaultMark("SIGKILL sender", fault_at_ms * MS, fault_at_ms * MS)],
            window_ms=30,
        ).duplicated_outside_window

    assert outside(1_010) == []  # killed 10 ms after the server took it: the window
    assert outside(1_100) == ["k"]  # 100 ms later: the commit was long due
    assert outside(990) == ["k"]  # before the first copy: not its cause


def test_the_window_is_measured_on_quiet_sends_and_an_outage_is_counted_apart() -> None:
    quick, slow, waited = row("sent", 1_020 * MS), row("sent", 2_080 * MS), row("sent", 9_000 * MS)
    mail = {quick.id: [1_000 * MS], slow.id: [2_000 * MS], waited.id: [3_000 * MS]}
    outage = FaultMark("PostgreSQL down", 3_500 * MS, 7_500 * MS)

    window = duplicate_window([quick, slow, waited], mail, [outage])

    assert (window.samples, window.max_ms) == (2, 80.0)
    assert (window.over_a_fault, window.over_a_fault_max_ms) == (1, 6000.0)
    assert "max 80.0 ms" in table([], window)


def test_mail_is_matched_by_message_id_and_timed_by_the_sinks_file_name(tmp_path: Path) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    for name, message_id in (
        ("00000000000000000100-000000.eml", first),
        ("00000000000000000200-000001.eml", first),
        ("00000000000000000300-000002.eml", second),
    ):
        (tmp_path / name).write_bytes(
            f"Message-ID: <{message_id}@example.com>\r\nSubject: x\r\n\r\nbody\r\n".encode()
        )

    assert read_mail(tmp_path) == {first: [100, 200], second: [300]}


def test_an_unconfirmed_message_waits_for_an_operator_and_needs_a_sender_killed_in_it() -> None:
    explained = MessageRow(uuid.uuid4(), "unconfirmed", None, 1_000 * MS)
    unexplained = MessageRow(uuid.uuid4(), "unconfirmed", None, 1_000 * MS)
    kill = FaultMark("SIGKILL notifications-sender", 1_050 * MS, 1_050 * MS)

    def counted(message: MessageRow, kills: list[FaultMark]) -> tuple[list[str], list[str]]:
        result = tally(
            "HTTP",
            ["k"],
            {"k": message},
            {},
            reported={},
            faults=kills,
            window_ms=30,
            sender_kills=kills,
        )
        # Neither lost nor stuck nor unreported: the operator's to resolve.
        assert (result.lost, result.stuck, result.unreported) == ([], [], [])
        return result.unconfirmed, result.unconfirmed_unexplained

    assert counted(explained, [kill]) == (["k"], [])
    assert counted(unexplained, []) == (["k"], ["k"])
    early = FaultMark("SIGKILL notifications-sender", 900 * MS, 900 * MS)
    assert counted(unexplained, [early]) == (["k"], ["k"])  # killed before it started
