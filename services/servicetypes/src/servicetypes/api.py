"""Servicetypes' HTTP routes: parse, call a use case, answer."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime

from aftersales_contracts.placeholders import CALLOUT_PLACEHOLDERS
from aftersales_kit.http import UnitOfWorkDep, problem_responses
from aftersales_kit.problems import PreconditionRequired, Unprocessable
from aftersales_kit.versioning import IF_MATCH, IfMatchHeader, expected_version, set_etag
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


def _tag(response: Response, out: ServiceTypeOut) -> ServiceTypeOut:
    set_etag(response, out.version)
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


@service_types.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, s409="the system_name is taken"),
)
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


@service_types.put(
    "/{service_type_id}", responses=problem_responses(409, s409="the system_name is taken")
)
async def replace_service_type(
    service_type_id: uuid.UUID,
    body: ServiceTypeUpdate,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ServiceTypeOut:
    """Replace the whole definition (same body as create); the version goes up by one.

    The version being replaced is required: the ``If-Match: "<version>"`` header, or the
    body's ``version`` field (a GET answer sent back as it is). Neither answers 428, a
    malformed If-Match 400, a stale version (either way) 412 with ``current_version``.
    A step that sends the ``step_id`` of one of this type's steps keeps it (scheduling's
    callouts refer to it); a step without ``step_id`` is new. Steps left out are removed.
    Anchors are named as on create, or by the ``anchor_step_id`` of a step that keeps
    its id.
    """
    if body.id is not None and body.id != service_type_id:
        raise Unprocessable(f"id {body.id} differs from the id in the path", field="id")
    out = await handlers.update_service_type(
        service_type_id, body, uow, expected_version=_replaced_version(if_match, body.version)
    )
    return _tag(response, out)


def _replaced_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client replaces: If-Match by the kit's rule, or the body's
    ``version`` for clients that send the GET answer back instead."""
    if if_match is None:
        if body_version is None:
            raise PreconditionRequired(
                "name the version you replace: an If-Match header (or the body's version)",
                field=IF_MATCH,
            )
        return body_version
    header_version = expected_version(if_match, required=True)
    assert header_version is not None  # required: a problem otherwise
    if body_version is not None and body_version != header_version:
        raise Unprocessable(
            f"version {body_version} in the body contradicts If-Match {header_version}",
            field="version",
        )
    return header_version


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


@service_types.delete(
    "/{service_type_id}",
    responses=problem_responses(
        409, s409="not confirmed (?confirm=true); effect says what would happen"
    ),
)
async def delete_service_type(
    service_type_id: uuid.UUID,
    uow: UnitOfWorkDep,
    confirm: bool = False,
    if_match: IfMatchHeader = None,
) -> ServiceTypeDeleted:
    """Delete a service type: only with ``?confirm=true`` (409 naming ``query.confirm`` without
    it, with what would happen in ``effect``). Servicetypes cannot see workflows, so every
    deletion is confirmed. An ``If-Match: "<version>"`` is optional (a stale one answers
    412, a malformed one 400). Scheduling cancels the type's pending callouts; sent ones
    stay as history."""
    return await handlers.delete_service_type(
        service_type_id,
        uow,
        confirm=confirm,
        expected_version=expected_version(if_match, required=False),
    )


routers = [service_types]
