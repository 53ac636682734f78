"""Personal notification preferences, free of I/O: which events a user wants to hear
about, by which channel, and who is to be notified of an event."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from aftersales_contracts.notifications import Channel


class NotificationEvent(enum.StrEnum):
    """The events a user can choose to be notified of (seed 004, the user's own
    account settings): assigned to an order, booked, an order created or changed, and
    service reminders."""

    ORDER_ASSIGNED = "order_assigned"
    BOOKED = "booked"
    ORDER_CREATED_OR_CHANGED = "order_created_or_changed"
    SERVICE_REMINDER = "service_reminder"


def normalize_username(username: str) -> str:
    # The gateway compares usernames case-insensitively ("Dev" and "dev" are one
    # account) and forwards them normalized; normalizing again keeps direct callers in line.
    return username.strip().lower()


@dataclass(frozen=True)
class Preferences:
    """One user's settings. ``email_enabled``/``sms_enabled`` are the one switch per
    channel that both the user and an admin may turn; the events are the user's alone.
    ``account_email``/``account_mobile``: the addresses on the user's account at the
    gateway, used where the user named none here."""

    username: str
    events: frozenset[NotificationEvent] = field(default_factory=frozenset)
    email_enabled: bool = False
    sms_enabled: bool = False
    email: str | None = None
    mobile: str | None = None
    version: int = 0
    account_email: str | None = None
    account_mobile: str | None = None

    @property
    def email_address(self) -> str | None:
        return self.email or self.account_email

    @property
    def mobile_number(self) -> str | None:
        return self.mobile or self.account_mobile


class PreferencesInvalid(ValueError):
    """A combination of settings that cannot work; ``field`` names the one to fix."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check(preferences: Preferences) -> Preferences:
    """A channel switched on needs somewhere to send to: here, or on the user's account."""
    if preferences.email_enabled and not preferences.email_address:
        raise PreferencesInvalid("e-mail notifications need an e-mail address", "email")
    if preferences.sms_enabled and not preferences.mobile_number:
        raise PreferencesInvalid("SMS notifications need a mobile number", "mobile")
    return preferences


def switch_channels(
    current: Preferences, *, email_enabled: bool | None, sms_enabled: bool | None
) -> Preferences:
    """What an admin may change: the e-mail and SMS switches, nothing else. Switching a
    channel on for a user who gave no address for it is refused, naming the switch."""
    email = current.email_enabled if email_enabled is None else email_enabled
    sms = current.sms_enabled if sms_enabled is None else sms_enabled
    if email and not current.email_address:
        raise PreferencesInvalid(
            f"{current.username} has no e-mail address for notifications", "email_enabled"
        )
    if sms and not current.mobile_number:
        raise PreferencesInvalid(
            f"{current.username} has no mobile number for notifications", "sms_enabled"
        )
    return Preferences(
        username=current.username,
        events=current.events,
        email_enabled=email,
        sms_enabled=sms,
        email=current.email,
        mobile=current.mobile,
        version=current.version,
        account_email=current.account_email,
        account_mobile=current.account_mobile,
    )


@dataclass(frozen=True, order=True)
class Notify:
    """One notification to send: to this user, by this channel, at this address."""

    username: str
    channel: Channel
    address: str


def who_to_notify(
    event: NotificationEvent,
    preferences: Iterable[Preferences],
    *,
    among: Collection[str] | None = None,
) -> list[Notify]:
    """Who hears of ``event``, by which channels: every user who chose the event, once
    per channel that is switched on and has an address. ``among`` narrows it to the users
    the event concerns (the technician assigned, the planners of an org unit); ``None``
    means everyone who chose it. Sorted by user, e-mail before SMS."""
    wanted = None if among is None else {normalize_username(u) for u in among}
    result: list[Notify] = []
    for p in preferences:
        if event not in p.events or (wanted is not None and p.username not in wanted):
            continue
        if p.email_enabled and p.email_address:
            result.append(Notify(p.username, Channel.EMAIL, p.email_address))
        if p.sms_enabled and p.mobile_number:
            result.append(Notify(p.username, Channel.SMS, p.mobile_number))
    return sorted(result)
