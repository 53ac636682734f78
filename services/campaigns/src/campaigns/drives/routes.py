"""Routes of ``/campaigns``: parse, call a use case, answer (a campaign's version as its
``ETag``).

A campaign: created as a draft, given serial numbers (a JSON list or a CSV upload),
validated (the report is ``GET /campaigns/{id}/serials?failing=true``), released (one case
per serial number, opened in committed batches) and closed (its open cases closed with
it). Writes are for unrestricted admins (403).

What may change after release (``PATCH``): the name and its translations, our reference,
cause code and cause description — they are copied onto the cases opened from then on
(serial numbers added later); the cases already opened keep what they were opened with.
Serial numbers may be added (their cases open as they are added, once they pass
validation) and lines without a case removed. Not the case template, the parent case, nor
"use customer from customer order" (409 naming the field), nor a line that has its case
(409). A closed campaign changes no more (409).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from aftersales_kit.http import CursorQuery, LimitQuery, UnitOfWorkDep
from aftersales_kit.identity import CallerDep
from aftersales_kit.pagination import DEFAULT_PAGE_SIZE, Page
from aftersales_kit.problems import PayloadTooLarge, UnsupportedMediaType
from aftersales_kit.versioning import IfMatchHeader, expected_version, tagged
from campaigns.dependencies import ContextDep
from campaigns.drives import handlers
from campaigns.drives.domain import SERIAL_MAX_LENGTH, CampaignState
from campaigns.drives.schemas import (
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    ProgressOut,
    ReleaseOut,
    SerialLineOut,
    SerialsIn,
    SerialsSummary,
    ValidationOut,
)
from campaigns.visibility import VisibleIdsDep

router = APIRouter(prefix="/campaigns", tags=["campaigns"])

ADMIN: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not an admin, or restricted to org units"},
    404: {"description": "No such campaign"},
}
CHANGE: dict[int | str, dict[str, Any]] = {
    **ADMIN,
    409: {"description": "The campaign's state does not allow it"},
    412: {"description": "If-Match names a stale version"},
    428: {"description": "If-Match is missing"},
}
CSV_MEDIA_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})

SearchQuery = Annotated[str | None, Query(min_length=1, max_length=200)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={403: ADMIN[403], 409: {"description": "The code is taken"}},
)
async def create_campaign(
    body: CampaignIn, uow: UnitOfWorkDep, caller: CallerDep, ctx: ContextDep, response: Response
) -> CampaignOut:
    """A draft campaign. The case template must be an active one of type
    service_campaign, the parent case one of basic type parent (422 naming
    ``template_id`` / ``parent_case_id``); the template's required fields must be given
    (422 naming the first missing)."""
    out = await handlers.create_campaign(uow, body, caller, now=ctx.clock.now())
    response.headers["Location"] = f"/campaigns/{out.id}"
    tagged(response, out)
    return out


@router.get("")
async def list_campaigns(
    uow: UnitOfWorkDep,
    state: CampaignState | None = None,
    q: SearchQuery = None,
    sort: str = "code",
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[CampaignOut]:
    """Campaigns by ``sort`` (``code``, ``name``, ``created_at``; ``-`` for descending);
    ``q`` searches code and name."""
    items, next_cursor = await handlers.list_campaigns(
        uow, state=state, text=q, sort=sort, cursor=cursor, limit=limit
    )
    return Page[CampaignOut](items=items, next_cursor=next_cursor)


@router.get("/{campaign_id}", responses={404: ADMIN[404]})
async def get_campaign(
    campaign_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleIdsDep, response: Response
) -> CampaignDetailOut:
    """The campaign with its counts (lines, failing lines, cases open and closed) within
    the caller's org units."""
    out = await handlers.get_campaign(uow, campaign_id, visible)
    tagged(response, out)
    return out


@router.patch("/{campaign_id}", responses=CHANGE)
async def change_campaign(
    campaign_id: uuid.UUID,
    body: CampaignPatch,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    ctx: ContextDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> CampaignOut:
    """Change the fields sent (``null`` clears an optional one); needs ``If-Match``.
    Released: only name, translations, our_reference, cause_code and cause_description
    (applied to cases opened from then on; opened cases keep theirs); the template, parent
    case and use_customer_from_order are 409. Closed: 409."""
    expected = expected_version(if_match, required=True)
    out = await handlers.change_campaign(
        uow, campaign_id, body, expected, caller, now=ctx.clock.now()
    )
    tagged(response, out)
    return out


# --- serial numbers ------------------------------------------------------------------------


@router.post(
    "/{campaign_id}/serials",
    responses={**ADMIN, 409: {"description": "The campaign is closed"}},
)
async def add_serials(
    campaign_id: uuid.UUID,
    body: SerialsIn,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    ctx: ContextDep,
) -> SerialsSummary:
    """Add serial numbers (text, or ``{serial_number, product_number}``), validated at
    once; one already in the campaign counts as a duplicate. In a released campaign the
    ones that pass get their cases now. 422 naming ``serial_numbers`` past the campaign's
    limit (CAMPAIGNS_MAX_SERIALS), nothing added."""
    return await handlers.add_serials(
        uow, ctx, campaign_id, handlers.serial_lines(body.serial_numbers), caller
    )


@router.post(
    "/{campaign_id}/serials/upload",
    responses={
        **ADMIN,
        409: {"description": "The campaign is closed"},
        413: {"description": "Over CAMPAIGNS_MAX_UPLOAD_BYTES, or too many serial numbers"},
        415: {"description": "Not text/csv"},
        422: {"description": "A line that cannot be read (``line`` names it), or no lines"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def upload_serials(
    campaign_id: uuid.UUID,
    request: Request,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    ctx: ContextDep,
) -> SerialsSummary:
    """Add serial numbers from a CSV body (``text/csv``), read as it streams in: one serial
    number a line, optionally its product number in a second column, an optional header
    row (``serial_number,product_number``), blank lines skipped; comma or semicolon
    separated, UTF-8 (a byte-order mark is fine). Answers like ``POST .../serials``."""
    declared = request.headers.get("content-length")
    limit = ctx.settings.max_upload_bytes
    if declared is not None and declared.isdigit() and int(declared) > limit:
        # Refused before a byte is read.
        raise PayloadTooLarge(f"the file is larger than the limit of {limit} bytes", field="body")
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in CSV_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"send the serial numbers as text/csv, not {media_type or 'no Content-Type'}",
            field="Content-Type",
        )
    return await handlers.upload_serials(uow, ctx, campaign_id, request.stream(), caller)


@router.get("/{campaign_id}/serials", responses={404: ADMIN[404]})
async def list_serials(
    campaign_id: uuid.UUID,
    uow: UnitOfWorkDep,
    visible: VisibleIdsDep,
    failing: bool | None = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
) -> Page[SerialLineOut]:
    """The serial lines in the order entered. ``failing=true`` is the validation report:
    each failing line with its ``problem`` (not_found, ambiguous, inactive, no_owner,
    no_initial_order_customer, customer_unknown, duplicate_item) and ``problem_detail``."""
    items, next_cursor = await handlers.list_serials(
        uow, campaign_id, visible, failing=failing, cursor=cursor, limit=limit
    )
    return Page[SerialLineOut](items=items, next_cursor=next_cursor)


@router.delete(
    "/{campaign_id}/serials/{serial_number}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ADMIN, 409: {"description": "The line has its case, or the campaign is closed"}},
)
async def remove_serial(
    campaign_id: uuid.UUID,
    serial_number: Annotated[str, Path(max_length=SERIAL_MAX_LENGTH)],
    uow: UnitOfWorkDep,
    caller: CallerDep,
    product_number: Annotated[str, Query(max_length=SERIAL_MAX_LENGTH)] = "",
) -> Response:
    """Remove a serial line that has no case (``product_number`` when the line names
    one)."""
    await handlers.remove_serial(uow, campaign_id, serial_number, product_number.strip(), caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{campaign_id}/validate",
    responses={**ADMIN, 409: {"description": "The campaign is closed"}},
)
async def validate_campaign(
    campaign_id: uuid.UUID, uow: UnitOfWorkDep, caller: CallerDep, ctx: ContextDep
) -> ValidationOut:
    """Validate the lines without a case again (catalog's projections may have caught
    up); in a released campaign the lines that now pass get their cases."""
    return await handlers.validate_campaign(uow, ctx, campaign_id, caller)


# --- release, close, progress --------------------------------------------------------------


@router.post("/{campaign_id}/release", responses={**CHANGE, 202: {"model": ReleaseOut}})
async def release_campaign(
    campaign_id: uuid.UUID,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    ctx: ContextDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ReleaseOut:
    """Draft -> released (If-Match): every line validated again; 409 with ``failing``,
    ``problems`` and a ``report`` link while any line fails. Then one case per line,
    opened in committed batches; ``done``: cases opened by this call. When lines are
    left (``pending`` > 0, answered 202) call it again (with the campaign's current ETag):
    a released campaign's release goes on with the lines still without a case, and so
    does one interrupted midway. Idempotent: nothing is opened twice."""
    expected = expected_version(if_match, required=True)
    out = await handlers.release_campaign(uow, ctx, campaign_id, expected, caller)
    tagged(response, out.campaign)
    if out.pending:
        response.status_code = status.HTTP_202_ACCEPTED
    return out


@router.post("/{campaign_id}/close", responses={**CHANGE, 202: {"model": ReleaseOut}})
async def close_campaign(
    campaign_id: uuid.UUID,
    uow: UnitOfWorkDep,
    caller: CallerDep,
    ctx: ContextDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ReleaseOut:
    """Released -> closed (If-Match); its open cases are closed (closed_how
    campaign_closed, outcome cancelled) in committed batches; ``done``: cases closed by
    this call, ``pending`` > 0 (202): call it again to close the rest. A draft: 409."""
    expected = expected_version(if_match, required=True)
    out = await handlers.close_campaign(uow, ctx, campaign_id, expected, caller)
    tagged(response, out.campaign)
    if out.pending:
        response.status_code = status.HTTP_202_ACCEPTED
    return out


@router.get("/{campaign_id}/progress", responses={404: ADMIN[404]})
async def campaign_progress(
    campaign_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleIdsDep
) -> ProgressOut:
    """Totals (lines, failing, cases open and closed) and per org unit (id, code, name,
    lines, open, closed), within the caller's org units."""
    return await handlers.progress(uow, campaign_id, visible)


routers: list[APIRouter] = [router]
