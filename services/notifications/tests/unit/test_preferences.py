"""Personal notification preferences: who hears of an event, and what an admin may do."""

from __future__ import annotations

import pytest

from aftersales_contracts.notifications import Channel
from notifications.preferences.domain import (
    NotificationEvent,
    Notify,
    Preferences,
    PreferencesInvalid,
    check,
    switch_channels,
    who_to_notify,
)

E = NotificationEvent


def prefs(username: str, *events: NotificationEvent, **fields: object) -> Preferences:
    values: dict[str, object] = {
        "email_enabled": True,
        "sms_enabled": False,
        "email": f"{username}@example.com",
        "mobile": None,
    } | fields
    return Preferences(username=username, events=frozenset(events), **values)  # type: ignore[arg-type]


def test_the_events_are_the_four_the_seed_lists() -> None:
    assert [e.value for e in NotificationEvent] == [
        "order_assigned",
        "booked",
        "order_created_or_changed",
        "service_reminder",
    ]


def test_only_users_who_chose_the_event_are_notified() -> None:
    everyone = [
        prefs("anna", E.BOOKED, E.SERVICE_REMINDER),
        prefs("bo", E.ORDER_ASSIGNED),
        prefs("cecilia", E.BOOKED),
    ]
    assert who_to_notify(E.BOOKED, everyone) == [
        Notify("anna", Channel.EMAIL, "anna@example.com"),
        Notify("cecilia", Channel.EMAIL, "cecilia@example.com"),
    ]
    assert who_to_notify(E.ORDER_CREATED_OR_CHANGED, everyone) == []


def test_each_channel_switched_on_with_an_address_is_one_notification() -> None:
    both = prefs("dan", E.BOOKED, sms_enabled=True, mobile="+46701234567")
    assert who_to_notify(E.BOOKED, [both]) == [
        Notify("dan", Channel.EMAIL, "dan@example.com"),
        Notify("dan", Channel.SMS, "+46701234567"),
    ]
    # An admin switched both off: the user still chose the event, but hears nothing.
    off = prefs("eva", E.BOOKED, email_enabled=False, sms_enabled=False, mobile="+46701234567")
    assert who_to_notify(E.BOOKED, [off]) == []
    # A switch without an address (as stored before a later change) sends nothing.
    assert who_to_notify(E.BOOKED, [prefs("fia", E.BOOKED, email=None)]) == []


def test_among_narrows_to_the_users_the_event_concerns() -> None:
    everyone = [prefs("anna", E.ORDER_ASSIGNED), prefs("bo", E.ORDER_ASSIGNED)]
    assert who_to_notify(E.ORDER_ASSIGNED, everyone, among=[" Bo "]) == [
        Notify("bo", Channel.EMAIL, "bo@example.com")
    ]
    assert who_to_notify(E.ORDER_ASSIGNED, everyone, among=[]) == []


def test_a_channel_switched_on_needs_an_address() -> None:
    with pytest.raises(PreferencesInvalid) as email:
        check(prefs("anna", email=None))
    assert email.value.field == "email"
    with pytest.raises(PreferencesInvalid) as sms:
        check(prefs("anna", sms_enabled=True))
    assert sms.value.field == "mobile"
    assert check(prefs("anna", email_enabled=False, email=None)).email is None


def test_an_admin_switches_channels_and_nothing_else() -> None:
    current = prefs("anna", E.BOOKED, E.SERVICE_REMINDER, mobile="+46701234567", version=3)
    switched = switch_channels(current, email_enabled=False, sms_enabled=True)
    assert (switched.email_enabled, switched.sms_enabled) == (False, True)
    assert switched.events == current.events
    assert (switched.email, switched.mobile, switched.version) == (
        current.email,
        current.mobile,
        current.version,
    )
    # None leaves a switch as it is.
    assert switch_channels(current, email_enabled=None, sms_enabled=None) == current


def test_an_admin_cannot_switch_on_a_channel_without_an_address() -> None:
    with pytest.raises(PreferencesInvalid) as error:
        switch_channels(prefs("anna"), email_enabled=None, sms_enabled=True)
    assert error.value.field == "sms_enabled"
    with pytest.raises(PreferencesInvalid) as error:
        switch_channels(
            prefs("bo", email=None, email_enabled=False), email_enabled=True, sms_enabled=None
        )
    assert error.value.field == "email_enabled"
