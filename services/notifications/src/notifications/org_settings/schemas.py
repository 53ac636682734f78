"""The HTTP shapes of org units' sending settings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, SecretStr, field_validator

from notifications.delivery.domain import check_sms_sender_name


class SendingSettingsIn(BaseModel):
    """An org unit's sending settings. Empty SMTP host: the installation's SMTP server.
    ``smtp_password`` is write-only: omitted keeps the stored one, ``clear_smtp_password``
    removes it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    smtp_host: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^\S+$")
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_use_tls: bool = False
    smtp_username: str | None = Field(default=None, min_length=1, max_length=320)
    smtp_password: SecretStr | None = Field(default=None, min_length=1, max_length=500)
    clear_smtp_password: bool = False
    from_address: EmailStr | None = None
    # An https image URL shown on top of every HTML e-mail (not uploaded bytes: mail
    # clients fetch it, and it needs no storage here).
    logo_url: HttpUrl | None = Field(default=None)
    footer: str | None = Field(default=None, max_length=2_000)
    # The name the org unit's SMS are sent under (an alphanumeric sender ID, as providers
    # take it); none: the installation's NOTIFICATIONS_SMS_SENDER_NAME.
    sms_sender_name: str | None = None

    @field_validator("sms_sender_name")
    @classmethod
    def _sender_name(cls, value: str | None) -> str | None:
        return check_sms_sender_name(value) if value is not None else None

    @field_validator("logo_url")
    @classmethod
    def _https(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and value.scheme != "https":
            raise ValueError("the logo must be an https URL")
        return value


class SendingSettingsOut(BaseModel):
    org_unit_id: uuid.UUID
    smtp_host: str | None
    smtp_port: int | None
    smtp_use_tls: bool
    smtp_username: str | None
    # Whether a password is stored; the password itself is never returned.
    smtp_password_set: bool
    from_address: str | None
    logo_url: str | None
    footer: str | None
    sms_sender_name: str | None
    version: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SendingSettingsOut:
        fields = {n: row[n] for n in cls.model_fields if n != "smtp_password_set"}
        return cls(smtp_password_set=row["smtp_password_encrypted"] is not None, **fields)
