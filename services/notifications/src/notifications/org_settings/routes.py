"""HTTP routes of org units' sending settings (``/sending-settings``): admins only, and
only for the caller's own org units. Reads answer ``ETag: "<version>"``; a replacement
or a deletion needs it back in ``If-Match``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Response, status

from aftersales_kit.http import ClockDep, UnitOfWorkDep, problem_responses
from aftersales_kit.versioning import IfMatchHeader, expected_version, set_etag
from notifications.dependencies import SettingsDep
from notifications.org_settings import handlers
from notifications.org_settings.schemas import SendingSettingsIn, SendingSettingsOut
from notifications.visibility import (
    VisibleDep,
    may_see,
    require_admin,
    require_own_org_unit,
    require_seen,
)

# Admins only (as at the gateway), and only for the caller's own org units.
sending_settings = APIRouter(
    prefix="/sending-settings",
    tags=["sending settings"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(403, s403="not an admin, or another org unit's settings"),
)


def _not_found(org_unit_id: uuid.UUID) -> str:
    return f"org unit {org_unit_id} has no sending settings"


@sending_settings.get("")
async def list_sending_settings(
    uow: UnitOfWorkDep, visible: VisibleDep
) -> list[SendingSettingsOut]:
    """The settings of the org units the caller may see."""
    return [s for s in await handlers.list_settings(uow) if may_see(visible, s.org_unit_id)]


@sending_settings.get("/{org_unit_id}")
async def get_sending_settings(
    org_unit_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, response: Response
) -> SendingSettingsOut:
    """One org unit's settings; 404 for an org unit the caller may not see."""
    require_seen(visible, org_unit_id, _not_found(org_unit_id))
    out = await handlers.get_settings(uow, org_unit_id)
    set_etag(response, out.version)
    return out


@sending_settings.put(
    "/{org_unit_id}",
    responses={
        201: {"description": "The org unit's first settings", "model": SendingSettingsOut},
        404: {"description": "No such org unit (catalog's org units, as projected here)"},
    },
)
async def put_sending_settings(
    org_unit_id: uuid.UUID,
    body: SendingSettingsIn,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    settings: SettingsDep,
    visible: VisibleDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> SendingSettingsOut:
    """Create (201, no If-Match) or replace (200, If-Match) an org unit's settings; 403
    naming org_unit_id for an org unit the caller may not see; 404 for an org unit that
    does not exist."""
    require_own_org_unit(visible, org_unit_id, "change sending settings")
    out, created = await handlers.put_settings(
        org_unit_id,
        body,
        expected_version(if_match, required=False),
        uow,
        settings,
        now=clock.now(),
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    set_etag(response, out.version)
    return out


@sending_settings.delete("/{org_unit_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_sending_settings(
    org_unit_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, if_match: IfMatchHeader = None
) -> Response:
    require_own_org_unit(visible, org_unit_id, "change sending settings")
    expected = expected_version(if_match, required=True)
    assert expected is not None  # required: a missing one is a 428
    await handlers.delete_settings(org_unit_id, expected, uow)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


routers = [sending_settings]
