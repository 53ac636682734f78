"""Who hears of a field work event, and what they read: the pure rules."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from aftersales_contracts.fieldwork import BookingSnapshot, Priority, ServiceOrderSnapshot, Stage
from aftersales_contracts.notifications import Channel
from notifications.fieldwork_events import domain
from notifications.fieldwork_events.domain import Audience, Wanted
from notifications.preferences.domain import NotificationEvent, Notify, Preferences, who_to_notify

UNIT, OTHER_UNIT = uuid.uuid4(), uuid.uuid4()
TECH_ID = uuid.uuid4()
E = NotificationEvent


def order(
    *, booked_by: str | None = None, org_unit: uuid.UUID | None = UNIT
) -> ServiceOrderSnapshot:
    bookings = []
    if booked_by:
        bookings.append(
            BookingSnapshot(
                booking_id=uuid.uuid4(),
                technician_id=uuid.uuid4(),
                technician_username=booked_by,
                starts_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
                ends_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
                local_date=date(2026, 12, 1),
                local_start=time(9),
                local_end=time(11),
            )
        )
    return ServiceOrderSnapshot(
        order_id=uuid.uuid4(),
        version=1,
        number="SO-000001",
        case_id=uuid.uuid4(),
        stage=Stage.NEW,
        priority=Priority.NORMAL,
        org_unit_id=org_unit,
        technician_id=TECH_ID,
        technician_username="Tina",
        bookings=bookings,
    )


def audience(name: str, *roles: str, units: frozenset[uuid.UUID] | None = None) -> Audience:
    return Audience(name, frozenset(roles), units, active=True)


def test_planners_hear_of_orders_in_their_org_units_technicians_of_their_own() -> None:
    o = order(booked_by="bo")
    assert domain.may_hear_of(audience("p", "operator"), o)
    assert domain.may_hear_of(audience("v", "viewer", units=frozenset({UNIT})), o)
    assert not domain.may_hear_of(audience("v", "viewer", units=frozenset({OTHER_UNIT})), o)
    assert not domain.may_hear_of(
        audience("v", "viewer", units=frozenset({UNIT})), order(org_unit=None)
    )
    assert domain.may_hear_of(audience("tina", "technician"), o)
    assert domain.may_hear_of(audience("bo", "technician"), o)
    assert not domain.may_hear_of(audience("eve", "technician"), o)
    assert not domain.may_hear_of(audience("nobody"), o)
    assert not domain.may_hear_of(Audience("p", frozenset({"admin"}), None, active=False), o)


def test_an_assignment_tells_the_technician_and_the_change_everyone_who_chose_it() -> None:
    o = order()
    assert domain.wanted_for("fieldwork.order.changed", o, TECH_ID) == [
        Wanted(E.ORDER_ASSIGNED, frozenset({"tina"})),
        Wanted(E.ORDER_CREATED_OR_CHANGED, None),
    ]
    assert domain.wanted_for("fieldwork.order.changed", o, None) == [
        Wanted(E.ORDER_CREATED_OR_CHANGED, None)
    ]
    assert domain.wanted_for("fieldwork.order.created", o, None) == [
        Wanted(E.ORDER_CREATED_OR_CHANGED, None)
    ]
    assert domain.wanted_for("fieldwork.order.booked", o, None) == [Wanted(E.BOOKED, None)]


def test_each_user_hears_once_never_of_their_own_change_and_only_what_they_see() -> None:
    o = order()
    tina_mail = Notify("tina", Channel.EMAIL, "t@example.com")
    tina_sms = Notify("tina", Channel.SMS, "+46700000001")
    pia = Notify("pia", Channel.EMAIL, "p@example.com")
    eve = Notify("eve", Channel.EMAIL, "e@example.com")
    ghost = Notify("ghost", Channel.EMAIL, "g@example.com")
    candidates = [
        (E.ORDER_ASSIGNED, tina_mail),
        (E.ORDER_ASSIGNED, tina_sms),
        (E.ORDER_CREATED_OR_CHANGED, tina_mail),
        (E.ORDER_CREATED_OR_CHANGED, pia),
        (E.ORDER_CREATED_OR_CHANGED, eve),
        (E.ORDER_CREATED_OR_CHANGED, ghost),
    ]
    audiences = {
        "tina": audience("tina", "technician"),
        "pia": audience("pia", "operator"),
        "eve": audience("eve", "technician"),
    }
    assert domain.select(candidates, audiences, o, changed_by=None) == [
        (E.ORDER_ASSIGNED, tina_mail),
        (E.ORDER_ASSIGNED, tina_sms),
        (E.ORDER_CREATED_OR_CHANGED, pia),
    ]
    assert domain.select(candidates, audiences, o, changed_by=" PIA ") == [
        (E.ORDER_ASSIGNED, tina_mail),
        (E.ORDER_ASSIGNED, tina_sms),
    ]


def test_the_text_names_the_order_customer_and_first_booking() -> None:
    o = order(booked_by="bo")
    values = domain.values(E.BOOKED, "fieldwork.order.booked", o, "Bageriet AB")
    assert values == {
        "headline": "Order booked",
        "order": "SO-000001",
        "customer": "Bageriet AB",
        "when": "2026-12-01 09:00-11:00",
    }
    unbooked = domain.values(E.ORDER_CREATED_OR_CHANGED, "fieldwork.order.created", order(), None)
    assert (unbooked["headline"], unbooked["customer"], unbooked["when"]) == (
        "New order",
        "unknown customer",
        "not booked",
    )
    message_id = uuid.uuid4()
    notify = Notify("tina", Channel.SMS, "+46700000001")
    assert domain.idempotency_key(message_id, notify) == f"fieldwork-event:{message_id}:tina:sms"


def test_an_account_address_serves_where_the_preferences_name_none() -> None:
    prefs = Preferences(
        "tina",
        events=frozenset({E.BOOKED}),
        email_enabled=True,
        sms_enabled=True,
        mobile="+46700000001",
        account_email="tina@example.com",
        account_mobile="+46700000002",
    )
    assert who_to_notify(E.BOOKED, [prefs]) == [
        Notify("tina", Channel.EMAIL, "tina@example.com"),
        Notify("tina", Channel.SMS, "+46700000001"),
    ]
