"""Every status and action of ``fieldwork.orders.domain``: where it leads or why it is
refused; the stage derived from the status; board moves; time accounting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aftersales_contracts.fieldwork import Stage, TechnicianStatus
from fieldwork.orders import domain
from fieldwork.orders.domain import Action, OrderState, Refused

S = TechnicianStatus
A = Action

# Every state an order can be in: (stage, status), with a technician and one booking.
STATES: list[tuple[Stage, TechnicianStatus | None]] = [
    (Stage.NEW, None),
    (Stage.PLANNED, S.PLANNED),
    (Stage.PLANNED, S.EN_ROUTE),
    (Stage.PLANNED, S.ON_SITE),
    (Stage.PLANNED, S.WORKING),
    (Stage.PLANNED, S.BREAK),
    (Stage.COMPLETED, S.DONE),
    (Stage.CANCELLED, S.CANCELLED),
]

# (status before, action) -> status after; absent pairs are refused.
ALLOWED: dict[tuple[TechnicianStatus | None, Action], TechnicianStatus] = {
    (S.PLANNED, A.DEPART): S.EN_ROUTE,
    (S.EN_ROUTE, A.ARRIVE): S.ON_SITE,
    (S.ON_SITE, A.START_WORK): S.WORKING,
    (S.EN_ROUTE, A.START_WORK): S.WORKING,
    (S.WORKING, A.PAUSE): S.BREAK,
    (S.BREAK, A.RESUME): S.WORKING,
    (S.EN_ROUTE, A.CUSTOMER_ABSENT): S.PLANNED,
    (S.ON_SITE, A.CUSTOMER_ABSENT): S.PLANNED,
    **{(s, A.COMPLETE): S.DONE for s in (S.PLANNED, S.EN_ROUTE, S.ON_SITE, S.WORKING, S.BREAK)},
    **{(s, A.CANCEL): S.CANCELLED for _, s in STATES if s not in (S.DONE, S.CANCELLED)},
}

STAGE_OF = {
    S.PLANNED: Stage.PLANNED,
    S.EN_ROUTE: Stage.PLANNED,
    S.ON_SITE: Stage.PLANNED,
    S.WORKING: Stage.PLANNED,
    S.BREAK: Stage.PLANNED,
    S.DONE: Stage.COMPLETED,
    S.CANCELLED: Stage.CANCELLED,
}


@pytest.mark.parametrize(("stage", "status"), STATES, ids=lambda v: str(v))
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_every_status_and_action(
    stage: Stage, status: TechnicianStatus | None, action: Action
) -> None:
    state = OrderState(stage, status, has_technician=True, standing_bookings=1)
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(Refused) as refused:
            domain.act(state, action)
        assert refused.value.reason  # a 409 names why
        if stage in (Stage.COMPLETED, Stage.CANCELLED):
            assert stage.value in refused.value.reason
        elif status is None:
            assert "new" in refused.value.reason
        else:
            assert status.value in refused.value.reason
        return
    after = domain.act(state, action)
    assert after.status is expected
    assert after.stage is STAGE_OF[expected]


def test_customer_absent_with_no_booking_left_goes_back_to_new() -> None:
    for status in (S.EN_ROUTE, S.ON_SITE):
        # The use case marked the visited booking missed first: none stands any more.
        after = domain.act(OrderState(Stage.PLANNED, status, True, 0), A.CUSTOMER_ABSENT)
        assert (after.stage, after.status, after.has_technician) == (Stage.NEW, None, True)
        kept = domain.act(OrderState(Stage.PLANNED, status, True, 1), A.CUSTOMER_ABSENT)
        assert (kept.stage, kept.status) == (Stage.PLANNED, S.PLANNED)


@pytest.mark.parametrize(
    ("status", "technician", "bookings", "stage"),
    [
        (None, False, 0, Stage.NEW),
        (None, True, 0, Stage.NEW),
        (None, False, 1, Stage.NEW),
        (None, True, 1, Stage.PLANNED),
        (S.PLANNED, True, 1, Stage.PLANNED),
        (S.WORKING, True, 0, Stage.PLANNED),
        (S.ON_SITE, False, 0, Stage.PLANNED),
        (S.DONE, True, 1, Stage.COMPLETED),
        (S.CANCELLED, False, 0, Stage.CANCELLED),
    ],
)
def test_stage_follows_status_technician_and_bookings(
    status: TechnicianStatus | None, technician: bool, bookings: int, stage: Stage
) -> None:
    assert domain.stage_for(status, has_technician=technician, standing_bookings=bookings) is stage


@pytest.mark.parametrize(
    ("before", "technician", "bookings", "after"),
    [
        ((Stage.NEW, None), True, 1, (Stage.PLANNED, S.PLANNED)),
        ((Stage.NEW, None), False, 1, (Stage.NEW, None)),
        ((Stage.NEW, None), True, 0, (Stage.NEW, None)),
        ((Stage.PLANNED, S.PLANNED), False, 1, (Stage.NEW, None)),
        ((Stage.PLANNED, S.PLANNED), True, 0, (Stage.NEW, None)),
        # A visit under way keeps its status whatever the bookings.
        ((Stage.PLANNED, S.WORKING), True, 0, (Stage.PLANNED, S.WORKING)),
        ((Stage.PLANNED, S.EN_ROUTE), False, 0, (Stage.PLANNED, S.EN_ROUTE)),
    ],
)
def test_replanned(
    before: tuple[Stage, TechnicianStatus | None],
    technician: bool,
    bookings: int,
    after: tuple[Stage, TechnicianStatus | None],
) -> None:
    new = domain.replanned(OrderState(before[0], before[1], technician, bookings))
    assert (new.stage, new.status) == after


@pytest.mark.parametrize("stage", [Stage.COMPLETED, Stage.CANCELLED])
def test_a_final_order_is_never_replanned_or_moved(stage: Stage) -> None:
    status = S.DONE if stage is Stage.COMPLETED else S.CANCELLED
    with pytest.raises(Refused, match=stage.value):
        domain.replanned(OrderState(stage, status, True, 1))
    for to in Stage:
        if to is stage:
            assert domain.move(OrderState(stage, status, True, 1), to) is None
            continue
        with pytest.raises(Refused, match=stage.value):
            domain.move(OrderState(stage, status, True, 1), to)


@pytest.mark.parametrize(("stage", "status"), STATES[:6], ids=lambda v: str(v))
def test_moves_of_an_open_order(stage: Stage, status: TechnicianStatus | None) -> None:
    state = OrderState(stage, status, True, 1)
    assert domain.move(state, Stage.COMPLETED) is A.COMPLETE
    assert domain.move(state, Stage.CANCELLED) is A.CANCEL
    assert domain.move(state, Stage.PLANNED) is None
    if status in (None, S.PLANNED):
        assert domain.move(state, Stage.NEW) is None
    else:
        with pytest.raises(Refused, match="under way"):
            domain.move(state, Stage.NEW)


T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_time_spent_from_status_stamps() -> None:
    stamps = [
        domain.StatusStamp(_at(0), S.PLANNED),
        domain.StatusStamp(_at(10), S.EN_ROUTE),
        domain.StatusStamp(_at(40), S.ON_SITE),
        domain.StatusStamp(_at(45), S.WORKING),
        domain.StatusStamp(_at(105), S.BREAK),
        domain.StatusStamp(_at(120), S.WORKING),
    ]
    # Given out of order: sorted by time; the last status runs until now.
    spent = domain.time_spent(list(reversed(stamps)), now=_at(150))
    assert spent.travel == timedelta(minutes=30)
    assert spent.on_site == timedelta(minutes=5)
    assert spent.working == timedelta(minutes=60 + 30)
    assert spent.on_break == timedelta(minutes=15)


def test_time_spent_stops_at_done_and_is_zero_without_stamps() -> None:
    stamps = [
        domain.StatusStamp(_at(0), S.EN_ROUTE),
        domain.StatusStamp(_at(20), S.WORKING),
        domain.StatusStamp(_at(80), S.DONE),
    ]
    spent = domain.time_spent(stamps, now=_at(500))
    assert (spent.travel, spent.working) == (timedelta(minutes=20), timedelta(minutes=60))
    nothing = domain.time_spent([], now=_at(10))
    assert nothing == domain.TimeSpent(*(timedelta(0),) * 4)


def test_format_number() -> None:
    assert domain.format_number("SO-", 123, 6) == "SO-000123"
    assert domain.format_number("SO-", 1234567, 6) == "SO-1234567"
