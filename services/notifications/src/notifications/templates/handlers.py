"""Use cases of templates, attachments and reports: keep templates, and turn a send
request's template reference, attachments and report into what the message stores."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from aftersales_contracts import placeholders
from aftersales_contracts.notifications import InlineContent, SendMessage
from aftersales_kit.problems import Conflict, NotFound, PayloadTooLarge, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from notifications import tables
from notifications.delivery.domain import MailAttachment
from notifications.settings import Settings
from notifications.templates import reports
from notifications.templates.domain import (
    TemplateKind,
    check_placeholders,
    in_placeholder_language,
    sanitize_html,
    values_for,
)
from notifications.templates.schemas import FileOut, ReportIn, TemplateIn, TemplateOut

template = tables.message_template
attachment = tables.attachment


# --- templates ----------------------------------------------------------------------

_TEXT_FIELDS = (
    "email_subject",
    "email_body",
    "sms_text",
    "report_title",
    "report_text",
    "report_file_name",
)


def _checked(body: TemplateIn) -> dict[str, Any]:
    """The template's columns: every text checked against its kind's placeholders, the
    HTML body sanitized. An unknown placeholder is a 422 naming it and the field."""
    if body.kind is TemplateKind.BOOKING_CONFIRMATION and body.order_kind is None:
        raise Unprocessable("a booking confirmation names its order kind", field="order_kind")
    if body.kind is not TemplateKind.BOOKING_CONFIRMATION and body.order_kind is not None:
        raise Unprocessable("only a booking confirmation has an order kind", field="order_kind")
    if not any(getattr(body, name) for name in ("email_body", "sms_text", "report_text")):
        raise Unprocessable(
            "a template needs an e-mail body, an SMS text or a report text", field="email_body"
        )
    row = body.model_dump(mode="python")
    for name in _TEXT_FIELDS:
        text = getattr(body, name)
        if text is None:
            continue
        try:
            # Seed 004's {orderRef} spelling is stored as {{ order_ref }}.
            row[name] = text = in_placeholder_language(body.kind, text)
            check_placeholders(body.kind, text)
        except placeholders.UnknownPlaceholder as error:
            raise Unprocessable(
                f"{name}: {error} (not allowed in a {body.kind.value} template)",
                field=name,
                placeholders=error.names,
            ) from error
    row["kind"] = body.kind.value
    if row["email_body"] is not None:
        row["email_body"] = sanitize_html(row["email_body"])
    return row


def _conflict(error: IntegrityError, body: TemplateIn) -> Conflict:
    if "uq_message_template_booking_order_kind" in str(error.orig):
        return Conflict(
            f"a booking confirmation for order kind {body.order_kind!r} exists", field="order_kind"
        )
    return Conflict(f"a template named {body.name!r} exists", field="name")


async def _template_row(
    uow: UnitOfWork, template_id: uuid.UUID, *, lock: bool = False
) -> dict[str, Any]:
    query = select(template).where(template.c.id == template_id)
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"no template with id {template_id}")
    return dict(row)


async def create_template(body: TemplateIn, uow: UnitOfWork, *, now: datetime) -> TemplateOut:
    row = _checked(body) | {
        "id": uuid.uuid4(),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:
        await uow.session.execute(insert(template).values(row))
    except IntegrityError as error:
        raise _conflict(error, body) from error
    await uow.commit()
    return TemplateOut.from_row(row)


async def update_template(
    template_id: uuid.UUID,
    body: TemplateIn,
    expected: int | None,
    uow: UnitOfWork,
    *,
    now: datetime,
) -> TemplateOut:
    current = await _template_row(uow, template_id, lock=True)
    check_version(current["version"], expected)
    values = _checked(body) | {"version": current["version"] + 1, "updated_at": now}
    try:
        await uow.session.execute(
            update(template).where(template.c.id == template_id).values(values)
        )
    except IntegrityError as error:
        raise _conflict(error, body) from error
    await uow.commit()
    return TemplateOut.from_row(current | values)


async def delete_template(template_id: uuid.UUID, expected: int | None, uow: UnitOfWork) -> None:
    current = await _template_row(uow, template_id, lock=True)
    check_version(current["version"], expected)
    await uow.session.execute(delete(template).where(template.c.id == template_id))
    await uow.commit()


async def get_template(uow: UnitOfWork, template_id: uuid.UUID) -> TemplateOut:
    return TemplateOut.from_row(await _template_row(uow, template_id))


async def list_templates(
    uow: UnitOfWork, kind: TemplateKind | None, order_kind: str | None
) -> list[TemplateOut]:
    query = select(template).order_by(template.c.name)
    if kind is not None:
        query = query.where(template.c.kind == kind.value)
    if order_kind is not None:
        query = query.where(template.c.order_kind == order_kind)
    rows = (await uow.session.execute(query)).mappings().all()
    return [TemplateOut.from_row(dict(r)) for r in rows]


# --- preparing a send request -------------------------------------------------------


@dataclass(frozen=True)
class NewFile:
    file_name: str
    media_type: str
    content: bytes = field(repr=False)
    is_report: bool = False
    attach: bool = True


@dataclass(frozen=True)
class Prepared:
    """A send request with its template applied: the content and values to render, and
    the files to store with the message."""

    content: InlineContent
    values: dict[str, str]
    template_id: uuid.UUID | None = None
    language: str | None = None
    files: list[NewFile] = field(default_factory=list)


async def _referenced(uow: UnitOfWork, cmd: SendMessage) -> dict[str, Any] | None:
    ref = cmd.template
    if ref is None:
        return None
    if ref.id is not None:
        query, name, what = (
            select(template).where(template.c.id == ref.id),
            "template.id",
            str(ref.id),
        )
    elif ref.name is not None:
        query, name, what = (
            select(template).where(template.c.name == ref.name),
            "template.name",
            ref.name,
        )
    else:
        query = select(template).where(
            template.c.kind == TemplateKind.BOOKING_CONFIRMATION.value,
            template.c.order_kind == ref.order_kind,
        )
        name, what = "template.order_kind", f"a booking confirmation for {ref.order_kind}"
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise Unprocessable(f"no template {what}", field=name)
    return dict(row)


async def _language(
    uow: UnitOfWork,
    cmd: SendMessage,
    settings: Settings,
    languages: Mapping[uuid.UUID, str | None] | None,
) -> str:
    """The request's language, else its customer's (from ``languages`` where a batch
    read its customers already), else the installation's."""
    if cmd.language:
        return cmd.language
    customer_id = cmd.recipient.customer_id
    if customer_id is not None:
        if languages is not None and customer_id in languages:
            known = languages[customer_id]
        else:
            known = await uow.session.scalar(
                select(tables.customer.c.language).where(tables.customer.c.id == customer_id)
            )
        if known:
            return str(known)
    return settings.default_language


def _attachments(cmd: SendMessage, settings: Settings) -> list[NewFile]:
    if len(cmd.attachments) > settings.attachments_max_count:
        raise Unprocessable(
            f"{len(cmd.attachments)} attachments; at most {settings.attachments_max_count}",
            field="attachments",
        )
    files: list[NewFile] = []
    total = 0
    for i, given in enumerate(cmd.attachments):
        try:
            content = base64.b64decode("".join(given.content_base64.split()), validate=True)
        except (binascii.Error, ValueError) as error:
            raise Unprocessable(
                f"attachment {given.file_name!r} is not valid base64",
                field=f"attachments.{i}.content_base64",
            ) from error
        if len(content) > settings.attachment_max_bytes:
            raise PayloadTooLarge(
                f"attachment {given.file_name!r} has {len(content)} bytes;"
                f" at most {settings.attachment_max_bytes}",
                field=f"attachments.{i}.content_base64",
            )
        total += len(content)
        if total > settings.attachments_max_total_bytes:
            raise PayloadTooLarge(
                f"the attachments have more than {settings.attachments_max_total_bytes} bytes"
                " together",
                field="attachments",
            )
        files.append(
            NewFile(
                file_name=reports.safe_file_name(given.file_name, fallback=f"attachment-{i + 1}"),
                media_type=given.media_type.lower(),
                content=content,
            )
        )
    return files


def _missing(field_name: str, error: placeholders.UnknownPlaceholder) -> Unprocessable:
    return Unprocessable(
        f"no value for placeholder(s): {', '.join(error.names)}",
        field=f"values.{error.names[0]}",
        placeholders=error.names,
        part=field_name,
    )


def render_report(
    title: str | None, text: str, file_name: str | None, values: Mapping[str, str]
) -> NewFile:
    """A report's PDF and its file name, placeholders filled from ``values``."""
    try:
        title_text = placeholders.render(title, values) if title else None
    except placeholders.UnknownPlaceholder as error:
        raise _missing("report.title", error) from error
    try:
        body = placeholders.render(text, values)
    except placeholders.UnknownPlaceholder as error:
        raise _missing("report.text", error) from error
    try:
        name = placeholders.render(file_name, values) if file_name else "report"
    except placeholders.UnknownPlaceholder as error:
        raise _missing("report.file_name", error) from error
    return NewFile(
        file_name=reports.safe_file_name(name, extension=".pdf", fallback="report"),
        media_type=reports.PDF_MEDIA_TYPE,
        content=reports.render_pdf(title_text, body),
        is_report=True,
    )


async def prepare_send(
    cmd: SendMessage,
    uow: UnitOfWork,
    settings: Settings,
    languages: Mapping[uuid.UUID, str | None] | None = None,
) -> Prepared:
    """Apply the referenced template (inline parts win, for this message only, and are
    held to the template kind's placeholders), decode the attachments, render the report.
    ``languages``: the customers' languages a batch read at once. Raises a Problem naming
    the field that is wrong."""
    row = await _referenced(uow, cmd)
    language = await _language(uow, cmd, settings, languages)
    content, values = cmd.content, dict(cmd.values)
    if row is not None:
        kind = TemplateKind(row["kind"])
        parts: dict[str, str | None] = {}
        for name in ("email_subject", "email_body", "sms_text"):
            inline = getattr(cmd.content, name)
            if inline is None:
                parts[name] = row[name]  # the template's, for this part
                continue
            try:
                parts[name] = inline = in_placeholder_language(kind, inline)
                check_placeholders(kind, inline)
            except placeholders.UnknownPlaceholder as error:
                raise Unprocessable(
                    f"content.{name}: {error} (not allowed in a {kind.value} template)",
                    field=f"content.{name}",
                    placeholders=error.names,
                ) from error
        content = InlineContent(**parts)
        values = values_for(kind, values, language)
    files = _attachments(cmd, settings)
    if cmd.report is not None:
        text = cmd.report.text if cmd.report.text is not None else (row or {}).get("report_text")
        if not text:
            raise Unprocessable(
                "a report needs a text (inline or the template's)", field="report.text"
            )
        report = render_report(
            cmd.report.title if cmd.report.title is not None else (row or {}).get("report_title"),
            text,
            cmd.report.file_name
            if cmd.report.file_name is not None
            else (row or {}).get("report_file_name"),
            values,
        )
        files.append(
            NewFile(
                report.file_name,
                report.media_type,
                report.content,
                is_report=True,
                attach=cmd.report.attach,
            )
        )
    return Prepared(
        content=content,
        values=values,
        template_id=row["id"] if row is not None else None,
        language=language,
        files=files,
    )


async def store_files(
    uow: UnitOfWork, message_id: uuid.UUID | None, files: list[NewFile], *, now: datetime
) -> list[dict[str, Any]]:
    rows = [
        {
            "id": uuid.uuid4(),
            "message_id": message_id,
            "position": position,
            "file_name": f.file_name,
            "media_type": f.media_type,
            "size": len(f.content),
            "content": f.content,
            "is_report": f.is_report,
            "attach": f.attach,
            "created_at": now,
        }
        for position, f in enumerate(files, start=1)
    ]
    if rows:
        await uow.session.execute(insert(attachment), rows)
    return rows


async def email_attachments(uow: UnitOfWork, message_id: uuid.UUID) -> list[MailAttachment]:
    """What goes into the e-mail as MIME parts, in the request's order."""
    rows = (
        await uow.session.execute(
            select(attachment.c.file_name, attachment.c.media_type, attachment.c.content)
            .where(attachment.c.message_id == message_id, attachment.c.attach.is_(True))
            .order_by(attachment.c.position)
        )
    ).all()
    return [MailAttachment(r.file_name, r.media_type, bytes(r.content)) for r in rows]


async def email_attachments_of(
    uow: UnitOfWork, message_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[MailAttachment]]:
    """``email_attachments`` of several messages in one query (those without any are
    left out)."""
    rows = await uow.session.execute(
        select(
            attachment.c.message_id,
            attachment.c.file_name,
            attachment.c.media_type,
            attachment.c.content,
        )
        .where(attachment.c.message_id.in_(message_ids), attachment.c.attach.is_(True))
        .order_by(attachment.c.message_id, attachment.c.position)
    )
    found: dict[uuid.UUID, list[MailAttachment]] = {}
    for r in rows:
        found.setdefault(r.message_id, []).append(
            MailAttachment(r.file_name, r.media_type, bytes(r.content))
        )
    return found


_FILE_COLUMNS = [c for c in attachment.c if c.name != "content"]


async def list_files(uow: UnitOfWork, message_id: uuid.UUID) -> list[FileOut]:
    exists = await uow.session.scalar(
        select(tables.message.c.id).where(tables.message.c.id == message_id)
    )
    if exists is None:
        raise NotFound(f"no message with id {message_id}")
    rows = (
        (
            await uow.session.execute(
                select(*_FILE_COLUMNS)
                .where(attachment.c.message_id == message_id)
                .order_by(attachment.c.position)
            )
        )
        .mappings()
        .all()
    )
    return [FileOut.from_row(dict(r)) for r in rows]


async def get_file(uow: UnitOfWork, file_id: uuid.UUID) -> dict[str, Any]:
    row = (
        (await uow.session.execute(select(attachment).where(attachment.c.id == file_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no attachment or report with id {file_id}")
    return dict(row)


async def create_report(body: ReportIn, uow: UnitOfWork, *, now: datetime) -> FileOut:
    """A report for printing: rendered and stored, sent to no one."""
    row: Mapping[str, Any] = {}
    if body.template_id is not None:
        found = (
            (await uow.session.execute(select(template).where(template.c.id == body.template_id)))
            .mappings()
            .first()
        )
        if found is None:
            raise Unprocessable(f"no template {body.template_id}", field="template_id")
        row = dict(found)
    text = body.text if body.text is not None else row.get("report_text")
    if not text:
        raise Unprocessable("a report needs a text (inline or the template's)", field="text")
    try:
        report = render_report(
            body.title if body.title is not None else row.get("report_title"),
            text,
            body.file_name if body.file_name is not None else row.get("report_file_name"),
            body.values,
        )
    except Unprocessable as error:
        error.extensions.pop("part", None)
        raise
    # Stored for printing only: it goes into no e-mail.
    stored = await store_files(uow, None, [replace(report, attach=False)], now=now)
    await uow.commit()
    return FileOut.from_row(stored[0])
