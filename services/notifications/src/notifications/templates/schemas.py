"""The HTTP shapes of templates, attachments and reports."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from notifications.templates.domain import TemplateKind


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
