"""The HTTP shapes of personal notification preferences."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictBool, model_validator

from aftersales_contracts.notifications import E164
from notifications.preferences.domain import NotificationEvent


class MyPreferencesIn(BaseModel):
    """``PUT /my-notification-preferences``: the whole of one's own settings."""

    model_config = ConfigDict(extra="forbid")

    events: list[NotificationEvent] = Field(default_factory=list)
    # Strict: "off" or 0 is a mistake to report, not a switch to guess.
    email_enabled: StrictBool = False
    sms_enabled: StrictBool = False
    email: EmailStr | None = None
    # E.164: "+", country code, no leading 0.
    mobile: E164 | None = None


class MyPreferencesOut(BaseModel):
    username: str
    events: list[NotificationEvent]
    email_enabled: bool
    sms_enabled: bool
    email: str | None
    mobile: str | None
    version: int
    updated_at: datetime | None
    channels_changed_by: str | None
    channels_changed_at: datetime | None


class ChannelSwitchesIn(BaseModel):
    """``PATCH /notification-preferences/{username}/channels``: what an admin may change.
    Anything else (the events, the addresses) is refused as an unknown field."""

    model_config = ConfigDict(extra="forbid")

    email_enabled: StrictBool | None = None
    sms_enabled: StrictBool | None = None

    @model_validator(mode="after")
    def _something(self) -> ChannelSwitchesIn:
        if self.email_enabled is None and self.sms_enabled is None:
            raise ValueError("give email_enabled and/or sms_enabled")
        return self


class ChannelSwitchesOut(BaseModel):
    """What an admin sees of a user's settings: the switches, and whether the user gave
    an address for each channel (not the address, and not the user's choice of events)."""

    username: str
    email_enabled: bool
    sms_enabled: bool
    has_email: bool
    has_mobile: bool
    version: int
    channels_changed_by: str | None
    channels_changed_at: datetime | None
