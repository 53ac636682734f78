"""HTTP routes of templates, reports and a message's attachments: parse, call a use
case, answer.

Templates answer with ``ETag: "<version>"``; a change needs it back in ``If-Match``
(``aftersales_kit.versioning``: 428 without, 400 malformed, 412 when stale)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status

from aftersales_kit.http import ClockDep, UnitOfWorkDep, problem_responses
from aftersales_kit.problems import NotFound
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag
from notifications.sending import handlers as sending
from notifications.templates import handlers
from notifications.templates.domain import ALLOWED, TemplateKind
from notifications.templates.schemas import FileOut, ReportIn, TemplateIn, TemplateOut
from notifications.visibility import VisibleDep

message_templates = APIRouter(prefix="/message-templates", tags=["message templates"])
report_files = APIRouter(prefix="/reports", tags=["reports"])
message_files = APIRouter(prefix="/messages", tags=["messages"])
_TAKEN = problem_responses(409, s409="the name (or the booking order kind) is taken")


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


@message_templates.post("", status_code=status.HTTP_201_CREATED, responses=_TAKEN)
async def create_template(
    body: TemplateIn, uow: UnitOfWorkDep, clock: ClockDep, response: Response
) -> TemplateOut:
    out = await handlers.create_template(body, uow, now=clock.now())
    set_etag(response, out.version)
    return out


@message_templates.get("")
async def list_templates(
    uow: UnitOfWorkDep,
    kind: TemplateKind | None = None,
    order_kind: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> list[TemplateOut]:
    return await handlers.list_templates(uow, kind, order_kind)


@message_templates.get("/{template_id}")
async def get_template(
    template_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> TemplateOut:
    out = await handlers.get_template(uow, template_id)
    set_etag(response, out.version)
    return out


@message_templates.put("/{template_id}", responses=_TAKEN)
async def replace_template(
    template_id: uuid.UUID,
    body: TemplateIn,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> TemplateOut:
    out = await handlers.update_template(
        template_id, body, expected_version(if_match, required=True), uow, now=clock.now()
    )
    set_etag(response, out.version)
    return out


@message_templates.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    template_id: uuid.UUID, uow: UnitOfWorkDep, if_match: IfMatchHeader = None
) -> Response:
    await handlers.delete_template(template_id, expected_version(if_match, required=True), uow)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- reports and attachments --------------------------------------------------------


@report_files.post("", status_code=status.HTTP_201_CREATED)
async def create_report(body: ReportIn, uow: UnitOfWorkDep, clock: ClockDep) -> FileOut:
    """Render a report (PDF) for printing and keep it; ``GET /reports/{id}`` has its bytes."""
    return await handlers.create_report(body, uow, now=clock.now())


@report_files.get(
    "/{report_id}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The PDF"}},
)
async def get_report(report_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep) -> Response:
    """A report's PDF, printed alone or sent with a message (then seen like the message)."""
    row = await handlers.get_file(uow, report_id)
    if not row["is_report"]:
        raise NotFound(f"no report with id {report_id}")
    if row["message_id"] is not None:
        try:
            await sending.get_message(uow, row["message_id"], visible)
        except NotFound:
            raise NotFound(f"no report with id {report_id}") from None
    return _download(row)


@message_files.get("/{message_id}/attachments")
async def list_attachments(
    message_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> list[FileOut]:
    """A message's attachments and report, without their bytes; 404 like the message."""
    await sending.get_message(uow, message_id, visible)
    return await handlers.list_files(uow, message_id)


@message_files.get(
    "/{message_id}/attachments/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file"}},
)
async def get_attachment(
    message_id: uuid.UUID, file_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> Response:
    await sending.get_message(uow, message_id, visible)
    row = await handlers.get_file(uow, file_id)
    if row["message_id"] != message_id:
        raise NotFound(f"message {message_id} has no attachment {file_id}")
    return _download(row)


routers = [message_templates, report_files, message_files]
