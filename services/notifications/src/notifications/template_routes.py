"""HTTP routes of templates, org units' sending settings, reports and a message's
attachments: parse, call a use case, answer.

Templates and settings answer with ``ETag: "<version>"``; a change needs it back in
``If-Match`` (428 without, 412 when stale)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Response, status

from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.problems import NotFound
from notifications import handlers, org_settings, template_handlers
from notifications.api import ClockDep, SettingsDep
from notifications.template_handlers import etag
from notifications.template_schemas import (
    FileOut,
    ReportIn,
    SendingSettingsIn,
    SendingSettingsOut,
    TemplateIn,
    TemplateOut,
)
from notifications.templates import ALLOWED, TemplateKind
from notifications.visibility import (
    VisibleDep,
    may_see,
    require_admin,
    require_own_org_unit,
    require_seen,
)

IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]

message_templates = APIRouter(prefix="/message-templates", tags=["message templates"])
# Admins only (as at the gateway), and only for the caller's own org units.
sending_settings = APIRouter(
    prefix="/sending-settings",
    tags=["sending settings"],
    dependencies=[Depends(require_admin)],
)
report_files = APIRouter(prefix="/reports", tags=["reports"])
message_files = APIRouter(prefix="/messages", tags=["messages"])


def _download(row: dict[str, Any]) -> Response:
    name = row["file_name"]
    fallback = name.encode("ascii", "replace").decode("ascii").replace('"', "_")
    return Response(
        content=bytes(row["content"]),
        media_type=row["media_type"],
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
            )
        },
    )


# --- templates ----------------------------------------------------------------------


@message_templates.get("/placeholders")
async def list_placeholders() -> dict[str, dict[str, str]]:
    """Each kind's allowed placeholders with a hint, for whoever writes a template."""
    return {kind.value: dict(names) for kind, names in ALLOWED.items()}


@message_templates.post("", status_code=status.HTTP_201_CREATED)
async def create_template(
    body: TemplateIn, uow: UnitOfWorkDep, clock: ClockDep, response: Response
) -> TemplateOut:
    out = await template_handlers.create_template(body, uow, now=clock.now())
    response.headers["ETag"] = etag(out.version)
    return out


@message_templates.get("")
async def list_templates(
    uow: UnitOfWorkDep,
    kind: TemplateKind | None = None,
    order_kind: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> list[TemplateOut]:
    return await template_handlers.list_templates(uow, kind, order_kind)


@message_templates.get("/{template_id}")
async def get_template(
    template_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> TemplateOut:
    out = await template_handlers.get_template(uow, template_id)
    response.headers["ETag"] = etag(out.version)
    return out


@message_templates.put("/{template_id}")
async def replace_template(
    template_id: uuid.UUID,
    body: TemplateIn,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatch = None,
) -> TemplateOut:
    out = await template_handlers.update_template(template_id, body, if_match, uow, now=clock.now())
    response.headers["ETag"] = etag(out.version)
    return out


@message_templates.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    template_id: uuid.UUID, uow: UnitOfWorkDep, if_match: IfMatch = None
) -> Response:
    await template_handlers.delete_template(template_id, if_match, uow)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- org units' sending settings ----------------------------------------------------


def _settings_not_found(org_unit_id: uuid.UUID) -> str:
    return f"org unit {org_unit_id} has no sending settings"


@sending_settings.get("")
async def list_sending_settings(
    uow: UnitOfWorkDep, visible: VisibleDep
) -> list[SendingSettingsOut]:
    """The settings of the org units the caller may see."""
    return [s for s in await org_settings.list_settings(uow) if may_see(visible, s.org_unit_id)]


@sending_settings.get("/{org_unit_id}")
async def get_sending_settings(
    org_unit_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> SendingSettingsOut:
    """One org unit's settings; 404 for an org unit the caller may not see."""
    require_seen(visible, org_unit_id, _settings_not_found(org_unit_id))
    out = await org_settings.get_settings(uow, org_unit_id)
    response.headers["ETag"] = etag(out.version)
    return out


@sending_settings.put(
    "/{org_unit_id}", responses={201: {"description": "The org unit's first settings"}}
)
async def put_sending_settings(
    org_unit_id: uuid.UUID,
    body: SendingSettingsIn,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: SettingsDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatch = None,
) -> SendingSettingsOut:
    """Create (201, no If-Match) or replace (200, If-Match) an org unit's settings; 403
    naming org_unit_id for an org unit the caller may not see."""
    require_own_org_unit(visible, org_unit_id, "change sending settings")
    out, created = await org_settings.put_settings(
        org_unit_id, body, if_match, uow, settings, now=clock.now()
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    response.headers["ETag"] = etag(out.version)
    return out


@sending_settings.delete("/{org_unit_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_sending_settings(
    org_unit_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, if_match: IfMatch = None
) -> Response:
    require_own_org_unit(visible, org_unit_id, "change sending settings")
    await org_settings.delete_settings(org_unit_id, if_match, uow)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- reports and attachments --------------------------------------------------------


@report_files.post("", status_code=status.HTTP_201_CREATED)
async def create_report(body: ReportIn, uow: UnitOfWorkDep, clock: ClockDep) -> FileOut:
    """Render a report (PDF) for printing and keep it; ``GET /reports/{id}`` has its bytes."""
    return await template_handlers.create_report(body, uow, now=clock.now())


@report_files.get(
    "/{report_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
async def get_report(report_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep) -> Response:
    """A report's PDF, printed alone or sent with a message (then seen like the message)."""
    row = await template_handlers.get_file(uow, report_id)
    if not row["is_report"]:
        raise NotFound(f"no report with id {report_id}")
    if row["message_id"] is not None:
        try:
            await handlers.get_message(uow, row["message_id"], visible)
        except NotFound:
            raise NotFound(f"no report with id {report_id}") from None
    return _download(row)


@message_files.get("/{message_id}/attachments")
async def list_attachments(
    message_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> list[FileOut]:
    """A message's attachments and report, without their bytes; 404 like the message."""
    await handlers.get_message(uow, message_id, visible)
    return await template_handlers.list_files(uow, message_id)


@message_files.get(
    "/{message_id}/attachments/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
async def get_attachment(
    message_id: uuid.UUID, file_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> Response:
    await handlers.get_message(uow, message_id, visible)
    row = await template_handlers.get_file(uow, file_id)
    if row["message_id"] != message_id:
        raise NotFound(f"message {message_id} has no attachment {file_id}")
    return _download(row)


routers = [message_templates, sending_settings, report_files, message_files]
