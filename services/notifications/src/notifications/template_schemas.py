"""The HTTP shapes of templates, org units' sending settings, attachments and reports."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, SecretStr, field_validator

from notifications.templates import TemplateKind


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TemplateIn(_In):
    """A reusable template. Every text is checked against ``kind``'s placeholders; an
    HTML body is stored sanitized. A booking confirmation names its ``order_kind``."""

    name: str = Field(min_length=1, max_length=200)
    kind: TemplateKind = TemplateKind.GENERIC
    order_kind: str | None = Field(default=None, min_length=1, max_length=100)
    email_subject: str | None = Field(default=None, max_length=998)
    email_body: str | None = Field(default=None, max_length=100_000)
    sms_text: str | None = Field(default=None, max_length=2_000)
    report_title: str | None = Field(default=None, max_length=300)
    report_text: str | None = Field(default=None, max_length=50_000)
    report_file_name: str | None = Field(default=None, max_length=300)


class TemplateOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: TemplateKind
    order_kind: str | None
    email_subject: str | None
    email_body: str | None
    sms_text: str | None
    report_title: str | None
    report_text: str | None
    report_file_name: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> TemplateOut:
        return cls(**{name: row[name] for name in cls.model_fields})


class SendingSettingsIn(_In):
    """An org unit's sending settings. Empty SMTP host: the installation's SMTP server.
    ``smtp_password`` is write-only: omitted keeps the stored one, ``clear_smtp_password``
    removes it."""

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
    version: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SendingSettingsOut:
        fields = {n: row[n] for n in cls.model_fields if n != "smtp_password_set"}
        return cls(smtp_password_set=row["smtp_password_encrypted"] is not None, **fields)


class ReportIn(_In):
    """A report for printing, not sent: from a template's report text or inline text."""

    template_id: uuid.UUID | None = None
    title: str | None = Field(default=None, max_length=300)
    text: str | None = Field(default=None, max_length=50_000)
    file_name: str | None = Field(default=None, max_length=300)
    values: dict[str, str] = Field(default_factory=dict)


class FileOut(BaseModel):
    """An attachment or a report, without its bytes (``GET /reports/{id}`` has those)."""

    id: uuid.UUID
    message_id: uuid.UUID | None
    position: int
    file_name: str
    media_type: str
    size: int
    is_report: bool
    # Sent with the e-mail; a report only stored for printing is not.
    attach: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> FileOut:
        return cls(**{name: row[name] for name in cls.model_fields})
