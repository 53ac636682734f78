"""Servicetypes' HTTP routes: parse, call a use case, answer."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import AwareDatetime

from aftersales_contracts.placeholders import CALLOUT_PLACEHOLDERS
from aftersales_kit.http import UnitOfWorkDep
from aftersales_kit.problems import Problem, Unprocessable
from servicetypes import domain, handlers
from servicetypes.schemas import (
    PlaceholderList,
    PlaceholderOut,
    PreviewIn,
    PreviewOut,
    ServiceTypeDeleted,
    ServiceTypeIn,
    ServiceTypeList,
    ServiceTypeOut,
    ServiceTypeUpdate,
)

service_types = APIRouter(prefix="/service-types", tags=["service types"])

_ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')


def _tag(response: Response, out: ServiceTypeOut) -> ServiceTypeOut:
    response.headers["ETag"] = f'"{out.version}"'
    return out


@service_types.get("/placeholders")
async def list_placeholders() -> PlaceholderList:
    """The placeholders a step's texts may use, written ``{{ name }}``, with their hints."""
    return PlaceholderList(
        fields=[f"{s}.{f}" for s in domain.MESSAGE_SETS for f in domain.TEMPLATE_FIELDS],
        items=[
            PlaceholderOut(name=name, description=description)
            for name, description in CALLOUT_PLACEHOLDERS.items()
        ],
    )


@service_types.post("", status_code=status.HTTP_201_CREATED)
async def create_service_type(
    body: ServiceTypeIn, uow: UnitOfWorkDep, response: Response
) -> ServiceTypeOut:
    """Create a service type; answers the full definition with its id, version 1 and step ids.

    Steps are ordered as sent; a step's ``position`` is its 0-based index in ``steps``.
    Step ids are assigned by the service. A schedule ``{"kind": "after", "anchor": "step"}``
    names the step it counts from by ``anchor_step_position``: the 0-based index of
    another step in the same ``steps`` list (``anchor_step_id`` works too on an update,
    for steps that keep their ``step_id``). The answer carries the resolved
    ``anchor_step_id`` only. Anchors may not point at the step itself or form a cycle.

    Texts (``email_subject``, ``email_body``, ``sms_text``, ``print_text`` of ``initial``
    and ``on_completion``) may use only the placeholders of ``GET
    /service-types/placeholders``. A rule broken answers 422 naming the field
    (``steps.0.schedule.span``), with every violation in ``errors``; a taken
    ``system_name`` answers 409.
    """
    out = await handlers.create_service_type(body, uow)
    response.headers["Location"] = f"{service_types.prefix}/{out.id}"
    return _tag(response, out)


@service_types.get("")
async def list_service_types(uow: UnitOfWorkDep) -> ServiceTypeList:
    """Every service type with its full definition, ordered by display name."""
    return ServiceTypeList(items=await handlers.list_service_types(uow))


@service_types.get("/{service_type_id}")
async def get_service_type(
    service_type_id: uuid.UUID, uow: UnitOfWorkDep, response: Response
) -> ServiceTypeOut:
    """One service type; its ``ETag`` is its version, for ``If-Match`` on a later update."""
    return _tag(response, await handlers.get_service_type(uow, service_type_id))


@service_types.put("/{service_type_id}")
async def replace_service_type(
    service_type_id: uuid.UUID,
    body: ServiceTypeUpdate,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> ServiceTypeOut:
    """Replace the whole definition (same body as create); the version goes up by one.

    The version being replaced is required: the ``If-Match: "<version>"`` header (a stale
    one answers 412) or the body's ``version`` field (a stale one answers 409); neither
    answers 428. A step that sends the ``step_id`` of one of this type's steps keeps it
    (scheduling's callouts refer to it); a step without ``step_id`` is new. Steps left
    out are removed. Anchors are named as on create, or by the ``anchor_step_id`` of a
    step that keeps its id.
    """
    if body.id is not None and body.id != service_type_id:
        raise Unprocessable(f"id {body.id} differs from the id in the path", field="id")
    expected, stale_status = _expected_version(if_match, body.version)
    out = await handlers.update_service_type(
        service_type_id, body, uow, expected_version=expected, stale_status=stale_status
    )
    return _tag(response, out)


def _expected_version(if_match: str | None, body_version: int | None) -> tuple[int, int]:
    """The version the client replaces, and the status that answers it being stale."""
    if if_match is not None:
        match = _ETAG.fullmatch(if_match.strip())
        if match is None:
            raise Problem(
                f"If-Match must name one version, e.g. '\"3\"'; got {if_match!r}",
                field="If-Match",
            )
        header_version = int(match.group(1))
        if body_version is not None and body_version != header_version:
            raise Unprocessable(
                f"version {body_version} in the body contradicts If-Match {header_version}",
                field="version",
            )
        return header_version, status.HTTP_412_PRECONDITION_FAILED
    if body_version is not None:
        return body_version, status.HTTP_409_CONFLICT
    raise Problem(
        "name the version you replace: an If-Match header or a version field",
        status=status.HTTP_428_PRECONDITION_REQUIRED,
        title="Precondition required",
        field="version",
    )


@service_types.post("/preview")
async def preview_draft(body: PreviewIn) -> PreviewOut:
    """The dates each step of a draft (unsaved) type would send for an item started on
    ``startup_date`` (or at ``startup_at`` in the org unit's ``time_zone``), up to
    ``until`` (default five years on, at most fifty). Reads and writes nothing; the draft
    is checked like a create, its broken rules named under ``service_type.``."""
    return handlers.preview_draft(
        body.service_type,
        startup_date=body.startup_date,
        startup_at=body.startup_at,
        time_zone=body.time_zone,
        until=body.until,
    )


@service_types.get("/{service_type_id}/preview")
async def preview_saved(
    service_type_id: uuid.UUID,
    uow: UnitOfWorkDep,
    startup_date: date | None = None,
    startup_at: Annotated[AwareDatetime | None, Query()] = None,
    time_zone: Annotated[str | None, Query(max_length=64)] = None,
    until: date | None = None,
) -> PreviewOut:
    """The dates each step of a saved type would send (same rules as ``POST /preview``)."""
    return await handlers.preview_saved(
        uow,
        service_type_id,
        startup_date=startup_date,
        startup_at=startup_at,
        time_zone=time_zone,
        until=until,
    )


@service_types.delete("/{service_type_id}")
async def delete_service_type(
    service_type_id: uuid.UUID,
    uow: UnitOfWorkDep,
    confirm: bool = False,
    if_match: Annotated[str | None, Header()] = None,
) -> ServiceTypeDeleted:
    """Delete a service type: only with ``?confirm=true`` (409 naming ``query.confirm`` without
    it, with what would happen in ``effect``). Servicetypes cannot see workflows, so every
    deletion is confirmed. An ``If-Match: "<version>"`` is optional (a stale one answers
    412). Scheduling cancels the type's pending callouts; sent ones stay as history."""
    expected, stale_status = (
        _expected_version(if_match, None) if if_match is not None else (None, 409)
    )
    return await handlers.delete_service_type(
        service_type_id,
        uow,
        confirm=confirm,
        expected_version=expected,
        stale_status=stale_status,
    )


routers = [service_types]
