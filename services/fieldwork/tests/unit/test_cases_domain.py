"""The service case's pure rules: every status rule and every review finding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aftersales_contracts.fieldwork import CaseStatus, Stage, TechnicianStatus
from fieldwork.cases.domain import (
    CaseFacts,
    ProtocolFacts,
    ReviewFacts,
    TripFacts,
    Verdict,
    case_status,
    missing,
)

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=30)
EARLIER = T0 - timedelta(minutes=30)


def trip(
    stage: Stage = Stage.PLANNED,
    status: TechnicianStatus | None = TechnicianStatus.PLANNED,
    absent_at: datetime | None = None,
    number: str = "SO-000001",
) -> TripFacts:
    return TripFacts(number, stage, status, absent_at)


def facts(*trips: TripFacts, **more: object) -> CaseFacts:
    return CaseFacts(
        current=more.pop("current", CaseStatus.PLANNED),  # type: ignore[arg-type]
        trips=list(trips),
        **more,  # type: ignore[arg-type]
    )


def test_a_case_without_trips_is_planned() -> None:
    assert case_status(CaseFacts(current=CaseStatus.PLANNED)) == Verdict(CaseStatus.PLANNED)


def test_new_and_booked_trips_are_planned() -> None:
    verdict = case_status(facts(trip(Stage.NEW, None), trip()))
    assert verdict.status is CaseStatus.PLANNED


@pytest.mark.parametrize(
    "status",
    [
        TechnicianStatus.EN_ROUTE,
        TechnicianStatus.ON_SITE,
        TechnicianStatus.WORKING,
        TechnicianStatus.BREAK,
    ],
)
def test_a_visit_under_way_is_in_progress(status: TechnicianStatus) -> None:
    verdict = case_status(facts(trip(Stage.NEW, None), trip(Stage.PLANNED, status)))
    assert verdict == Verdict(CaseStatus.IN_PROGRESS)


def test_done_trips_awaiting_review_are_planned() -> None:
    verdict = case_status(facts(trip(Stage.COMPLETED, TechnicianStatus.DONE)))
    assert verdict.status is CaseStatus.PLANNED


@pytest.mark.parametrize("current", [CaseStatus.CANCELLED, CaseStatus.COMPLETED])
def test_cancelled_and_completed_are_final(current: CaseStatus) -> None:
    busy = trip(status=TechnicianStatus.WORKING, absent_at=T0)
    assert case_status(facts(busy, current=current)) == Verdict(current)


def test_problem_and_in_progress_follow_the_trips_again() -> None:
    # A case in Problem or InProgress is not final: it follows its trips.
    for current in (CaseStatus.PROBLEM, CaseStatus.IN_PROGRESS):
        assert case_status(facts(trip(), current=current)).status is CaseStatus.PLANNED


def test_the_customer_absent_is_a_problem() -> None:
    verdict = case_status(facts(trip(absent_at=T0, number="SO-000007")))
    assert verdict.status is CaseStatus.PROBLEM
    assert verdict.problem_reason == "the customer was absent at SO-000007"


def test_an_absence_at_a_cancelled_trip_is_no_problem() -> None:
    verdict = case_status(facts(trip(Stage.CANCELLED, TechnicianStatus.CANCELLED, T0)))
    assert verdict.status is CaseStatus.PLANNED


def test_a_newer_visit_under_way_resolves_the_absence() -> None:
    verdict = case_status(
        facts(trip(status=TechnicianStatus.EN_ROUTE, absent_at=T0), last_visit_at=LATER)
    )
    assert verdict.status is CaseStatus.IN_PROGRESS


def test_a_newer_booking_resolves_the_absence() -> None:
    verdict = case_status(facts(trip(absent_at=T0), last_booked_at=LATER))
    assert verdict == Verdict(CaseStatus.PLANNED)


def test_an_older_visit_or_booking_resolves_nothing() -> None:
    # The booking left standing after the absence was made before it; the visit that
    # ended absent started before it. Equal stamps resolve nothing either.
    for stamp in (EARLIER, T0):
        verdict = case_status(facts(trip(absent_at=T0), last_visit_at=stamp, last_booked_at=stamp))
        assert verdict.status is CaseStatus.PROBLEM


def test_a_problem_beats_a_visit_under_way_that_started_before_it() -> None:
    protocol = ProtocolFacts(T0, problem_reported=True, problem_description="parts missing")
    verdict = case_status(
        facts(
            trip(status=TechnicianStatus.WORKING),
            protocols=[protocol],
            last_visit_at=EARLIER,
        )
    )
    assert verdict == Verdict(CaseStatus.PROBLEM, "parts missing")


def test_a_protocol_reporting_a_problem_without_words() -> None:
    protocol = ProtocolFacts(T0, problem_reported=True, problem_description="  ")
    verdict = case_status(facts(trip(), protocols=[protocol]))
    assert verdict == Verdict(CaseStatus.PROBLEM, "a protocol reports a problem")


def test_a_draft_protocol_reports_nothing() -> None:
    protocol = ProtocolFacts(None, problem_reported=True, problem_description="parts")
    assert case_status(facts(trip(), protocols=[protocol])).status is CaseStatus.PLANNED


def test_a_newer_protocol_without_a_problem_resolves_it() -> None:
    protocols = [
        ProtocolFacts(T0, problem_reported=True, problem_description="parts"),
        ProtocolFacts(LATER),
    ]
    assert case_status(facts(trip(), protocols=protocols)).status is CaseStatus.PLANNED


def test_the_latest_problem_counts() -> None:
    # Resolved absence, then a newer problem protocol: Problem, with the protocol's words.
    protocols = [ProtocolFacts(LATER, problem_reported=True, problem_description="no key")]
    verdict = case_status(
        facts(
            trip(absent_at=EARLIER),
            protocols=protocols,
            last_booked_at=T0,
        )
    )
    assert verdict == Verdict(CaseStatus.PROBLEM, "no key")


def test_the_reason_is_cut_to_the_column() -> None:
    protocol = ProtocolFacts(T0, problem_reported=True, problem_description="x" * 900)
    reason = case_status(facts(trip(), protocols=[protocol])).problem_reason
    assert reason is not None
    assert len(reason) == 500


# --- the review ------------------------------------------------------------------------

COMPLETE = ReviewFacts(completed_protocols=1, items=2, work_minutes=90, photos=1)


def codes(review: ReviewFacts) -> list[str]:
    return [finding.code for finding in missing(review)]


def test_nothing_missing() -> None:
    assert missing(COMPLETE) == []
    # Photos are not needed unless an order kind requires them.
    assert missing(ReviewFacts(1, 1, 10, 0)) == []


def test_everything_missing_in_order() -> None:
    review = ReviewFacts(0, 0, 0, 0, photos_required_by=["SO-2", "SO-1"], open_orders=["SO-3"])
    assert codes(review) == [
        "no_completed_protocol",
        "no_materials",
        "no_work_time",
        "no_photos",
        "open_orders",
    ]
    photos = missing(review)[3]
    assert photos.orders == ["SO-1", "SO-2"]
    assert "SO-1, SO-2" in photos.detail


def test_each_finding_alone() -> None:
    assert codes(ReviewFacts(0, 1, 10, 0)) == ["no_completed_protocol"]
    assert codes(ReviewFacts(1, 0, 10, 0)) == ["no_materials"]
    assert codes(ReviewFacts(1, 1, 0, 0)) == ["no_work_time"]
    assert codes(ReviewFacts(1, 1, 10, 0, photos_required_by=["SO-1"])) == ["no_photos"]
    assert codes(ReviewFacts(1, 1, 10, 2, photos_required_by=["SO-1"])) == []
    only_open = missing(ReviewFacts(1, 1, 10, 0, open_orders=["SO-9", "SO-9"]))
    assert [(f.code, f.orders) for f in only_open] == [("open_orders", ["SO-9"])]
