"""Scheduling's HTTP routes: the callout list, its exports, actions and dialogs."""

from __future__ import annotations

import enum
import uuid
from datetime import date, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from aftersales_kit.http import (
    ClockDep,
    CursorQuery,
    LimitQuery,
    RuntimeDep,
    UnitOfWorkDep,
    problem_responses,
    settings_of,
)
from aftersales_kit.identity import USER_HEADER, CallerDep
from aftersales_kit.pagination import Page
from aftersales_kit.problems import BadRequest, Unprocessable
from scheduling import actions, queries, sending_windows, service_orders
from scheduling.context import Context
from scheduling.domain import Action, CalloutState
from scheduling.schemas import (
    ActionOut,
    ApproveAllResult,
    CalloutOut,
    ColumnOut,
    ErrorOut,
    MessageOut,
    PlanningRunOut,
    RecalculationOut,
    Selection,
    SelectionResult,
    SendingWindowIn,
    SendingWindowOut,
    SettingsOut,
    UpdateRecipient,
    Weekday,
)
from scheduling.settings import Settings

callouts = APIRouter(prefix="/callouts", tags=["callouts"])

SettingsDep = Annotated[Settings, Depends(settings_of(Settings))]


async def _context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


ContextDep = Annotated[Context, Depends(_context)]


async def _actor(x_aftersales_user: Annotated[str | None, Header(max_length=100)] = None) -> str:
    """Who acts: the gateway names the authenticated user on every request it forwards."""
    if not x_aftersales_user or not x_aftersales_user.strip():
        raise BadRequest(f"the {USER_HEADER} header names who acts", field=f"header.{USER_HEADER}")
    return x_aftersales_user.strip()


ActorDep = Annotated[str, Depends(_actor)]
# The statuses of the routes that act for someone, and of actions a state may refuse.
_NO_ACTOR = problem_responses(400, s400=f"no {USER_HEADER}: nobody to act for")
_REFUSED = problem_responses(409, s409="the callout's state does not allow the action (the reason)")
Language = Annotated[str | None, Query(alias="lang", max_length=35, pattern=r"^[A-Za-z-]+$")]


async def _visible(caller: CallerDep, uow: UnitOfWorkDep) -> queries.Visible:
    """The org unit codes the gateway's caller may see (None: all of them)."""
    return await queries.visible_org_units(uow, caller)


VisibleDep = Annotated[queries.Visible, Depends(_visible)]


async def _filters(
    clock: ClockDep,
    settings: SettingsDep,
    visible: VisibleDep,
    service_type_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    state: Annotated[list[CalloutState] | None, Query()] = None,
    scheduled_from: date | None = None,
    scheduled_to: date | None = None,
    approved_from: date | None = None,
    approved_to: date | None = None,
    completed_from: date | None = None,
    completed_to: date | None = None,
    customer: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    customer_id: uuid.UUID | None = None,
    step: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    org_unit: Annotated[list[str] | None, Query()] = None,
    serial_item_id: uuid.UUID | None = None,
) -> queries.CalloutFilter:
    """The list's filters. Without a "scheduled for" bound the list shows the configured
    number of days back (the recent past: yesterday's failed or sent callouts) up to the
    configured number of days ahead (the seed's default filter limits only how far
    ahead); one item's tab (``serial_item_id``) shows all its callouts."""
    zone = ZoneInfo(settings.time_zone)
    if scheduled_from is None and scheduled_to is None and serial_item_id is None:
        today = clock.now().astimezone(zone).date()
        scheduled_from = today - timedelta(days=settings.list_default_past_days)
        scheduled_to = today + timedelta(days=settings.list_default_days)
    for value in org_unit or []:
        if not value or len(value) > 50:
            raise Unprocessable("an org unit is 1 to 50 characters", field="query.org_unit")
    criteria = queries.CalloutFilter(
        service_type_ids=service_type_id or [],
        states=state or [],
        scheduled_from=scheduled_from,
        scheduled_to=scheduled_to,
        approved_from=approved_from,
        approved_to=approved_to,
        completed_from=completed_from,
        completed_to=completed_to,
        customer=customer,
        customer_id=customer_id,
        step=step,
        org_units=org_unit or [],
        serial_item_id=serial_item_id,
        visible=visible,
        zone=zone,
    )
    criteria.check()  # refused here, before an export starts streaming
    return criteria


FiltersDep = Annotated[queries.CalloutFilter, Depends(_filters)]


@callouts.get("")
async def list_callouts(
    request: Request,
    response: Response,
    uow: UnitOfWorkDep,
    matching: FiltersDep,
    lang: Language = None,
    sort: Annotated[str, Query(max_length=40)] = "scheduled_for",
    cursor: CursorQuery = None,
    limit: LimitQuery = 100,
) -> Page[CalloutOut]:
    """One page of the filtered list and the next page's cursor (null on the last page),
    also as a ``Link: <...>; rel="next"`` header."""
    rows, next_cursor = await queries.list_callouts(
        uow, matching, queries.parse_sort(sort), cursor, limit, lang
    )
    if next_cursor is not None:
        next_url = request.url.include_query_params(cursor=next_cursor)
        response.headers["Link"] = f'<{next_url.path}?{next_url.query}>; rel="next"'
    return Page[CalloutOut](
        items=[CalloutOut.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@callouts.get("/columns")
async def list_columns() -> list[ColumnOut]:
    """The list's columns, their labels, which are hidden by default and which sort."""
    return [ColumnOut.model_validate(col, from_attributes=True) for col in queries.COLUMNS]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


_MEDIA = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@callouts.get(
    "/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file: CSV (format=csv) or XLSX (format=xlsx)",
            "content": {
                _MEDIA[ExportFormat.CSV].split(";")[0]: {"schema": {"type": "string"}},
                _MEDIA[ExportFormat.XLSX]: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def export_callouts(
    runtime: RuntimeDep,
    settings: SettingsDep,
    matching: FiltersDep,
    format: ExportFormat = ExportFormat.CSV,
    columns: Annotated[list[str] | None, Query()] = None,
    lang: Language = None,
    sort: Annotated[str, Query(max_length=40)] = "scheduled_for",
) -> StreamingResponse:
    """The filtered list as CSV or XLSX, streamed in constant memory; ``columns`` picks
    and orders the columns (default: those visible by default)."""
    chosen = queries.export_columns(columns)
    order = queries.parse_sort(sort)  # a bad sort is refused before the stream starts
    exporter = queries.export_csv if format is ExportFormat.CSV else queries.export_xlsx
    body = exporter(runtime.sessionmaker, matching, order, chosen, settings.export_batch_size, lang)
    return StreamingResponse(
        body,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="callouts.{format.value}"'},
    )


@callouts.get("/planning-runs")
async def planning_runs(uow: UnitOfWorkDep) -> list[PlanningRunOut]:
    """Service types whose latest version is still being planned for their items (a new
    version is planned a batch at a time): until then, items not yet reached keep the
    callouts of the previous version."""
    return [PlanningRunOut.model_validate(run) for run in await queries.planning_runs(uow)]


CodePath = Annotated[str, Path(min_length=1, max_length=50)]


@callouts.get("/sending-windows/{org_unit_code}")
async def get_sending_window(
    org_unit_code: CodePath, uow: UnitOfWorkDep, ctx: ContextDep, visible: VisibleDep
) -> SendingWindowOut:
    """An org unit's sending window ("communication workflow settings"): its own, or the
    service-wide default (``configured`` false); 404 for an unknown or unseen org unit."""
    return _window_out(await sending_windows.sending_window(ctx, uow, org_unit_code, visible))


@callouts.put("/sending-windows/{org_unit_code}", responses=_NO_ACTOR)
async def put_sending_window(
    org_unit_code: CodePath,
    body: SendingWindowIn,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
) -> SendingWindowOut:
    """Sets the org unit's weekly window; callouts of the org unit are sent only inside it."""
    for name in ("start", "end"):
        if getattr(body, name).tzinfo is not None:
            raise Unprocessable(
                f"{name} is a local time in the org unit's time zone, without an offset",
                field=name,
            )
    if body.start >= body.end:
        raise Unprocessable(
            f"end {body.end} must be after start {body.start} (on the same day)",
            field="end",
        )
    result = await sending_windows.set_sending_window(
        ctx,
        uow,
        org_unit_code,
        frozenset(day.iso for day in body.weekdays),
        body.start,
        body.end,
        actor,
        visible,
    )
    return _window_out(result)


@callouts.delete("/sending-windows/{org_unit_code}", responses=_NO_ACTOR)
async def delete_sending_window(
    org_unit_code: CodePath,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
) -> SendingWindowOut:
    """Back to the service-wide default window."""
    return _window_out(await sending_windows.reset_sending_window(ctx, uow, org_unit_code, visible))


def _window_out(result: dict[str, Any]) -> SendingWindowOut:
    weekdays = [Weekday.from_iso(n) for n in result["weekdays"]]
    return SendingWindowOut.model_validate(result | {"weekdays": weekdays})


@callouts.post("/approve-all", responses=_NO_ACTOR)
async def approve_all(
    uow: UnitOfWorkDep, ctx: ContextDep, actor: ActorDep, matching: FiltersDep
) -> ApproveAllResult:
    """Approves every callout awaiting approval that matches the list's filter (the same
    query parameters as ``GET /callouts``, the default "scheduled for" window included)."""
    result = await actions.approve_matching(ctx, uow, matching, actor)
    return ApproveAllResult.model_validate(result)


class ActionName(enum.StrEnum):
    APPROVE = "approve"
    SEND_NOW = "send-now"
    MARK_COMPLETED = "mark-completed"
    CANCEL = "cancel"
    RESEND = "resend"
    SYNCHRONIZE = "synchronize"
    UPDATE_RECIPIENT = "update-recipient"
    UPDATE_RECIPIENT_AND_SYNCHRONIZE = "update-recipient-and-synchronize"


_ACTIONS = {
    ActionName.APPROVE: Action.APPROVE,
    ActionName.SEND_NOW: Action.SEND_NOW,
    ActionName.MARK_COMPLETED: Action.MARK_COMPLETED,
    ActionName.CANCEL: Action.CANCEL,
    ActionName.RESEND: Action.RESEND,
    ActionName.SYNCHRONIZE: Action.SYNCHRONIZE,
    ActionName.UPDATE_RECIPIENT: Action.UPDATE_RECIPIENT,
    ActionName.UPDATE_RECIPIENT_AND_SYNCHRONIZE: Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE,
}


@callouts.post("/actions/{action}", responses=_NO_ACTOR | _REFUSED)
async def act_on_selection(
    action: ActionName,
    selection: Selection,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
) -> SelectionResult:
    """An action on the selected callouts: which were acted on, which skipped and why."""
    result = await actions.act_on_selection(
        ctx, uow, _ACTIONS[action], selection.ids, actor, visible
    )
    return SelectionResult.model_validate(result)


@callouts.post("/serial-items/{serial_item_id}/recalculate", responses=_NO_ACTOR)
async def recalculate(
    serial_item_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
) -> RecalculationOut:
    """ "Recalculate messages" on an item card's tab."""
    result = await actions.recalculate(ctx, uow, serial_item_id, actor, visible)
    return RecalculationOut.model_validate(result)


@callouts.get("/{callout_id}")
async def get_callout(
    callout_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep, lang: Language = None
) -> CalloutOut:
    return CalloutOut.model_validate(await queries.get_callout(uow, callout_id, lang, visible))


@callouts.get("/{callout_id}/message")
async def show_message(
    callout_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> MessageOut:
    return MessageOut.model_validate(await queries.show_message(uow, callout_id, visible))


@callouts.get("/{callout_id}/settings")
async def show_settings(
    callout_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> SettingsOut:
    return SettingsOut.model_validate(await queries.show_settings(uow, callout_id, visible))


@callouts.get(
    "/{callout_id}/error",
    responses=problem_responses(409, s409="the callout is in a state without an error"),
)
async def show_error(callout_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep) -> ErrorOut:
    return ErrorOut.model_validate(await queries.show_error(uow, callout_id, visible))


@callouts.get("/{callout_id}/history")
async def history(
    callout_id: uuid.UUID, uow: UnitOfWorkDep, visible: VisibleDep
) -> list[ActionOut]:
    return [ActionOut.model_validate(r) for r in await queries.history(uow, callout_id, visible)]


@callouts.post("/{callout_id}/update-recipient", responses=_NO_ACTOR | _REFUSED)
async def update_recipient(
    callout_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
    body: Annotated[UpdateRecipient | None, Body()] = None,
) -> CalloutOut:
    """ "Update recipient information": resent once the customer version saved in catalog
    has reached scheduling (at once without one)."""
    return await _update_recipient(
        Action.UPDATE_RECIPIENT, callout_id, uow, ctx, actor, visible, body
    )


@callouts.post("/{callout_id}/update-recipient-and-synchronize", responses=_NO_ACTOR | _REFUSED)
async def update_recipient_and_synchronize(
    callout_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
    body: Annotated[UpdateRecipient | None, Body()] = None,
) -> CalloutOut:
    """ "Update recipient and synchronize communication info": the recipient is re-read
    once the customer version saved in catalog has reached scheduling (at once without
    one); the state stays and nothing is sent."""
    return await _update_recipient(
        Action.UPDATE_RECIPIENT_AND_SYNCHRONIZE, callout_id, uow, ctx, actor, visible, body
    )


async def _update_recipient(
    action: Action,
    callout_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: str,
    visible: queries.Visible,
    body: UpdateRecipient | None,
) -> CalloutOut:
    version = body.customer_version if body else None
    result = await actions.act_on_one(
        ctx, uow, action, callout_id, actor, customer_version=version, visible=visible
    )
    return CalloutOut.model_validate(result)


@callouts.post(
    "/{callout_id}/create-service-order",
    responses=_NO_ACTOR
    | problem_responses(
        409,
        s409="the callout is completed or cancelled (`state`), or has a service order"
        " requested or opened already (`service_order`)",
    ),
)
async def create_service_order(
    callout_id: uuid.UUID,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
) -> CalloutOut:
    """Asks field work to open a service order prefilled from the callout (customer,
    serial item, service type, org unit); the order's number shows on the callout once
    field work has opened it, and completing that order completes the callout."""
    result = await service_orders.request(ctx, uow, callout_id, actor, visible)
    return CalloutOut.model_validate(result)


@callouts.post("/{callout_id}/{action}", responses=_NO_ACTOR | _REFUSED)
async def act_on_one(
    callout_id: uuid.UUID,
    action: ActionName,
    uow: UnitOfWorkDep,
    ctx: ContextDep,
    actor: ActorDep,
    visible: VisibleDep,
) -> CalloutOut:
    """One callout's action; 404 for another org unit's callout, 409 naming the reason
    when its state does not allow it."""
    result: dict[str, Any] = await actions.act_on_one(
        ctx, uow, _ACTIONS[action], callout_id, actor, visible=visible
    )
    return CalloutOut.model_validate(result)


routers = [callouts]
