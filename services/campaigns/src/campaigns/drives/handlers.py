"""Use cases of campaigns: define one, give it serial numbers (a list or a CSV file),
validate them, release it (one case per serial number) and close it; read them, their
serial lines and their progress.

Writes are for unrestricted admins (403 otherwise): a campaign spans org units and its
lines are not checked against the caller's. Reads are for every caller; the lines, counts
and progress a caller restricted to org units sees are those of its units (descendants
included; a line that resolved to no item has no org unit and is seen only unrestricted).
A campaign's version (``ETag``) covers its own fields and state; adding or removing serial
lines does not raise it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from aftersales_contracts.campaigns import CaseOutcome
from aftersales_kit import keyset
from aftersales_kit.identity import Caller
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unprocessable,
)
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from campaigns import tables
from campaigns.cases.domain import BasicType, CaseStatus, CaseType, ClosedHow, missing_required
from campaigns.cases.handlers import close_cases
from campaigns.context import Context
from campaigns.drives import release, upload, validation
from campaigns.drives.domain import (
    CampaignState,
    LineError,
    SerialLine,
    bad_translation,
    frozen_fields,
)
from campaigns.drives.schemas import (
    CampaignCounts,
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    OrgUnitProgress,
    ProgressOut,
    ReleaseOut,
    SerialIn,
    SerialLineOut,
    SerialsSummary,
    ValidationOut,
)
from campaigns.visibility import VisibleIds, org_unit_clause

ADMIN_ROLE = "admin"
SORTS: Mapping[str, type] = {"code": str, "name": str, "created_at": datetime}
# How many committed batches one call of release, close, an addition or a validation
# works through before it answers (the rest waits for the next call): a call stays well
# inside the gateway's upstream timeout (15 s) at the default batch size of 1,000
# (bench/campaigns_release.py measures a batch).
MAX_BATCHES_PER_CALL = 10
# Closing a batch is one UPDATE and its events (``close_cases``); kept at 4 batches a call
# (as when each case was closed on its own) until measured on a quiet machine.
MAX_CLOSE_BATCHES_PER_CALL = 4

cp = tables.campaign.c
cs = tables.campaign_serial.c
cc = tables.case.c


def require_admin(caller: Caller) -> None:
    if not caller.has_role(ADMIN_ROLE):
        raise Forbidden("only admins manage campaigns")
    if caller.restricted:
        raise Forbidden(
            "a user restricted to org units may not manage campaigns (they span org units)"
        )


# --- reading rows --------------------------------------------------------------------------


async def _row(uow: UnitOfWork, campaign_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    query = select(tables.campaign).where(cp.id == campaign_id)
    if lock:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"no campaign with id {campaign_id}")
    return dict(row)


def _writable(row: Mapping[str, Any]) -> CampaignState:
    state = CampaignState(row["state"])
    if state is CampaignState.CLOSED:
        raise Conflict(f"campaign {row['code']} is closed: it can no longer change", field="state")
    return state


async def _template(
    uow: UnitOfWork, template_id: uuid.UUID, *, chosen: bool = True
) -> Mapping[str, Any]:
    """The template, checked as a campaign's choice (``chosen``: of type service campaign
    and active, 422 naming ``template_id``); a campaign keeps the template it chose even
    after the template is deactivated."""
    t = tables.case_template.c
    row = (
        (await uow.session.execute(select(tables.case_template).where(t.id == template_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise Unprocessable(f"no case template with id {template_id}", field="template_id")
    if not chosen:
        return dict(row)
    if row["case_type"] != CaseType.SERVICE_CAMPAIGN:
        raise Unprocessable(
            f"case template {row['name']!r} is of type {row['case_type']}, not"
            f" {CaseType.SERVICE_CAMPAIGN.value}",
            field="template_id",
        )
    if not row["active"]:
        raise Unprocessable(f"case template {row['name']!r} is not active", field="template_id")
    return dict(row)


async def _parent(uow: UnitOfWork, case_id: uuid.UUID) -> None:
    basic_type = await uow.session.scalar(select(cc.basic_type).where(cc.id == case_id))
    if basic_type is None:
        raise Unprocessable(f"no case with id {case_id}", field="parent_case_id")
    if basic_type != BasicType.PARENT:
        raise Unprocessable(
            f"case {case_id} is of basic type {basic_type}, not {BasicType.PARENT.value}",
            field="parent_case_id",
        )


def _check_translations(translations: Mapping[str, str]) -> dict[str, str]:
    bad = bad_translation(translations)
    if bad is not None:
        locale, why = bad
        raise Unprocessable(why, field=f"translations.{locale}")
    return {locale: name.strip() for locale, name in translations.items()}


def _check_required(template: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """The template's required fields filled: the campaign's reference and cause are
    copied onto its cases; the customer comes from each serial item (validation)."""
    missing = missing_required(
        template["required_fields"],
        {
            "our_reference": values.get("our_reference"),
            "cause_code": values.get("cause_code"),
            "cause_description": values.get("cause_description"),
            "customer_id": "from each serial item",
        },
    )
    if missing:
        raise Unprocessable(
            f"case template {template['name']!r} requires {', '.join(missing)}",
            field=missing[0],
        )


# --- campaigns -----------------------------------------------------------------------------


async def create_campaign(
    uow: UnitOfWork, body: CampaignIn, caller: Caller, *, now: datetime
) -> CampaignOut:
    """A draft campaign; 409 naming ``code`` when it is taken."""
    require_admin(caller)
    translations = _check_translations(body.translations)
    template = await _template(uow, body.template_id)
    await _parent(uow, body.parent_case_id)
    values = body.model_dump()
    _check_required(template, values)
    values.update(
        id=uuid.uuid4(),
        version=1,
        translations=translations,
        state=CampaignState.DRAFT.value,
        created_at=now,
        created_by=caller.username,
        updated_at=now,
        released_at=None,
        released_by=None,
        closed_at=None,
        closed_by=None,
    )
    created = await uow.session.scalar(
        pg_insert(tables.campaign)
        .values(values)
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(cp.id)
    )
    if created is None:
        raise Conflict(f"a campaign with code {body.code!r} exists", field="code")
    await uow.commit()
    return CampaignOut.model_validate(values)


async def list_campaigns(
    uow: UnitOfWork,
    *,
    state: CampaignState | None,
    text: str | None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[CampaignOut], str | None]:
    filters: list[ColumnElement[bool]] = []
    if state is not None:
        filters.append(cp.state == state.value)
    if text:
        await plan_for_values(uow.session)
        pattern = "%" + like_escape(text) + "%"
        filters.append(or_(cp.code.ilike(pattern), cp.name.ilike(pattern)))
    rows, next_cursor = await keyset.table_page(
        uow.session, tables.campaign, filters, sort, SORTS, cursor, limit
    )
    return [CampaignOut.model_validate(r) for r in rows], next_cursor


async def counts(uow: UnitOfWork, campaign_id: uuid.UUID, visible: VisibleIds) -> CampaignCounts:
    lines = select(func.count()).where(
        cs.campaign_id == campaign_id, org_unit_clause(visible, cs.org_unit_id)
    )
    cases = select(func.count()).where(
        cc.campaign_id == campaign_id, org_unit_clause(visible, cc.org_unit_id)
    )
    row = (
        await uow.session.execute(
            select(
                lines.scalar_subquery().label("lines"),
                lines.where(cs.problem.is_not(None)).scalar_subquery().label("failing"),
                cases.where(cc.status == CaseStatus.OPEN.value).scalar_subquery().label("open"),
                cases.where(cc.status == CaseStatus.CLOSED.value).scalar_subquery().label("closed"),
            )
        )
    ).one()
    return CampaignCounts(
        lines=row.lines, failing=row.failing, cases_open=row.open, cases_closed=row.closed
    )


async def get_campaign(
    uow: UnitOfWork, campaign_id: uuid.UUID, visible: VisibleIds
) -> CampaignDetailOut:
    row = await _row(uow, campaign_id)
    return CampaignDetailOut.model_validate(
        {**row, "counts": await counts(uow, campaign_id, visible)}
    )


async def change_campaign(
    uow: UnitOfWork,
    campaign_id: uuid.UUID,
    patch: CampaignPatch,
    expected: int | None,
    caller: Caller,
    *,
    now: datetime,
) -> CampaignOut:
    """Change the fields sent. A draft changes anything; a released campaign only its name,
    translations, our reference and cause (409 naming the first other field: which cases
    exist and for whom is settled at release); a closed one nothing (409)."""
    require_admin(caller)
    row = await _row(uow, campaign_id, lock=True)
    check_version(row["version"], expected)
    state = _writable(row)
    sent = patch.model_dump(exclude_unset=True)
    frozen = frozen_fields(state, sent)
    if frozen:
        raise Conflict(
            f"a {state.value} campaign's {', '.join(frozen)} can no longer change",
            field=frozen[0],
        )
    for name in ("name", "template_id", "parent_case_id", "use_customer_from_order"):
        if name in sent and sent[name] is None:
            raise Unprocessable(f"{name} may not be null", field=name)
    if "translations" in sent:
        sent["translations"] = _check_translations(sent["translations"] or {})
    merged = {**row, **sent}
    template = await _template(uow, merged["template_id"], chosen="template_id" in sent)
    if "parent_case_id" in sent:
        await _parent(uow, merged["parent_case_id"])
    _check_required(template, merged)
    values = {**sent, "version": row["version"] + 1, "updated_at": now}
    await uow.session.execute(update(tables.campaign).where(cp.id == campaign_id).values(values))
    if (
        sent.get("use_customer_from_order", row["use_customer_from_order"])
        != row["use_customer_from_order"]
    ):
        # Whose customer a case gets changed: every line resolves anew (a draft's lines
        # have no case yet).
        await validation.validate_lines(
            uow, campaign_id, use_customer_from_order=merged["use_customer_from_order"]
        )
    await uow.commit()
    return CampaignOut.model_validate({**row, **values})


# --- serial lines --------------------------------------------------------------------------


async def _writer(
    uow: UnitOfWork, ctx: Context, campaign_id: uuid.UUID, caller: Caller
) -> tuple[dict[str, Any], upload.LineWriter]:
    """The campaign locked for the addition (positions are numbered under the lock) and a
    writer of its lines."""
    require_admin(caller)
    row = await _row(uow, campaign_id, lock=True)
    _writable(row)
    existing, last = (
        await uow.session.execute(
            select(func.count(), func.coalesce(func.max(cs.position), 0)).where(
                cs.campaign_id == campaign_id
            )
        )
    ).one()
    writer = upload.LineWriter(
        uow,
        campaign_id,
        existing=existing,
        max_lines=ctx.settings.max_serials,
        start_position=last + 1,
        now=ctx.clock.now(),
    )
    return row, writer


async def _added(
    uow: UnitOfWork,
    ctx: Context,
    row: Mapping[str, Any],
    writer: upload.LineWriter,
    caller: Caller,
) -> SerialsSummary:
    """Validate what ``writer`` added; in a released campaign open their cases."""
    report = await validation.validate_lines(
        uow,
        row["id"],
        use_customer_from_order=row["use_customer_from_order"],
        from_position=writer.start_position,
    )
    summary = SerialsSummary(
        added=writer.added, duplicates=writer.duplicates, failing=report.failing
    )
    if row["state"] == CampaignState.RELEASED:
        summary.cases_opened, summary.cases_pending = await _open(uow, ctx, row["id"], caller)
    else:
        await uow.commit()
    return summary


async def _open(
    uow: UnitOfWork, ctx: Context, campaign_id: uuid.UUID, caller: Caller
) -> tuple[int, int]:
    return await release.open_cases(
        uow,
        campaign_id,
        batch_size=ctx.settings.release_batch_size,
        max_batches=MAX_BATCHES_PER_CALL,
        number_prefix=ctx.settings.case_number_prefix,
        number_width=ctx.settings.number_width,
        by=caller.username,
        now=ctx.clock.now(),
    )


async def add_serials(
    uow: UnitOfWork,
    ctx: Context,
    campaign_id: uuid.UUID,
    lines: Sequence[SerialLine],
    caller: Caller,
) -> SerialsSummary:
    """Add serial lines from a list; 422 naming ``serial_numbers`` beyond the campaign's
    limit (nothing added)."""
    row, writer = await _writer(uow, ctx, campaign_id, caller)
    try:
        for start in range(0, len(lines), upload.BATCH_LINES):
            await writer.add(lines[start : start + upload.BATCH_LINES])
    except upload.TooManyLines as error:
        raise Unprocessable(str(error), field="serial_numbers") from error
    return await _added(uow, ctx, row, writer, caller)


async def upload_serials(
    uow: UnitOfWork,
    ctx: Context,
    campaign_id: uuid.UUID,
    body: AsyncIterator[bytes],
    caller: Caller,
) -> SerialsSummary:
    """Add serial lines from a CSV body read piece by piece; 413 past the byte or line
    limit, 422 naming ``body`` for a line that cannot be read (nothing added either way)."""
    row, writer = await _writer(uow, ctx, campaign_id, caller)
    try:
        await upload.write_csv(body, writer, max_bytes=ctx.settings.max_upload_bytes)
    except (upload.TooLarge, upload.TooManyLines) as error:
        raise PayloadTooLarge(str(error), field="body") from error
    except LineError as error:
        raise Unprocessable(str(error), field="body", line=error.line) from error
    except upload.NotUtf8 as error:
        raise Unprocessable(str(error), field="body") from error
    if writer.added + writer.duplicates == 0:
        raise Unprocessable("the file holds no serial numbers", field="body")
    return await _added(uow, ctx, row, writer, caller)


async def remove_serial(
    uow: UnitOfWork,
    campaign_id: uuid.UUID,
    serial_number: str,
    product_number: str,
    caller: Caller,
) -> None:
    """Remove a line that has no case (409 when it has one: its case stays, close it
    instead); 404 for a line the campaign does not hold."""
    require_admin(caller)
    row = await _row(uow, campaign_id, lock=True)
    _writable(row)
    key = (
        cs.campaign_id == campaign_id,
        cs.serial_number == serial_number,
        cs.product_number == product_number,
    )
    case_id = (await uow.session.execute(select(cs.case_id).where(*key).with_for_update())).first()
    if case_id is None:
        raise NotFound(
            f"campaign {row['code']} has no serial number {serial_number!r}"
            + (f" on product {product_number!r}" if product_number else "")
        )
    if case_id[0] is not None:
        raise Conflict(
            f"serial number {serial_number!r} already has its case {case_id[0]}; close the"
            " case instead",
            field="serial_number",
            case_id=str(case_id[0]),
        )
    await uow.session.execute(tables.campaign_serial.delete().where(*key))
    await uow.commit()


async def list_serials(
    uow: UnitOfWork,
    campaign_id: uuid.UUID,
    visible: VisibleIds,
    *,
    failing: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[SerialLineOut], str | None]:
    """The campaign's lines in the order entered; ``failing=true``: the validation report
    (each failing line with its problem and detail), ``false``: the lines that pass."""
    await _row(uow, campaign_id)
    query = select(tables.campaign_serial).where(
        cs.campaign_id == campaign_id, org_unit_clause(visible, cs.org_unit_id)
    )
    if failing is not None:
        query = query.where(cs.problem.is_not(None) if failing else cs.problem.is_(None))
    rows, next_cursor = await keyset.page(
        uow.session,
        query,
        (cs.position, cs.serial_number, cs.product_number),
        (int, str, str),
        Sort("position"),
        cursor,
        limit,
    )
    return [SerialLineOut.model_validate(r) for r in rows], next_cursor


async def validate_campaign(
    uow: UnitOfWork, ctx: Context, campaign_id: uuid.UUID, caller: Caller
) -> ValidationOut:
    """Validate every line without a case again (the projections may have caught up); in
    a released campaign, lines that now pass get their cases."""
    require_admin(caller)
    row = await _row(uow, campaign_id, lock=True)
    _writable(row)
    report = await validation.validate_lines(
        uow, campaign_id, use_customer_from_order=row["use_customer_from_order"]
    )
    if row["state"] == CampaignState.RELEASED:
        await _open(uow, ctx, campaign_id, caller)
    else:
        await uow.commit()
    whole = await validation.report(uow, campaign_id)
    return ValidationOut(lines=whole.lines, failing=report.failing, problems=report.problems)


# --- release and close ---------------------------------------------------------------------


async def release_campaign(
    uow: UnitOfWork,
    ctx: Context,
    campaign_id: uuid.UUID,
    expected: int | None,
    caller: Caller,
) -> ReleaseOut:
    """Draft -> released: validate every line (409 with the count of failing lines and a
    link to the report while any fails; 409 for a campaign without lines), mark it
    released and commit, then open the cases batch by batch. A released campaign's
    release goes on where the last one stopped (lines still without a case)."""
    require_admin(caller)
    row = await _row(uow, campaign_id, lock=True)
    check_version(row["version"], expected)
    state = _writable(row)
    if state is CampaignState.DRAFT:
        report = await validation.validate_lines(
            uow, campaign_id, use_customer_from_order=row["use_customer_from_order"]
        )
        if report.lines == 0:
            raise Conflict("the campaign has no serial numbers to release", field="state")
        if report.failing:
            # What validation found is kept: the report shows it.
            await uow.commit()
            raise Conflict(
                f"{report.failing} of {report.lines} serial numbers fail validation; remove"
                " or fix them before release",
                field="serial_numbers",
                failing=report.failing,
                problems=report.problems,
                # The public path: clients read it through the gateway (bodies not rewritten).
                report=f"/api/campaigns/{campaign_id}/serials?failing=true",
            )
        now = ctx.clock.now()
        values = {
            "state": CampaignState.RELEASED.value,
            "version": row["version"] + 1,
            "released_at": now,
            "released_by": caller.username,
            "updated_at": now,
        }
        await uow.session.execute(
            update(tables.campaign).where(cp.id == campaign_id).values(values)
        )
        row.update(values)
    opened, pending = await _open(uow, ctx, campaign_id, caller)
    return ReleaseOut(campaign=CampaignOut.model_validate(row), done=opened, pending=pending)


async def close_campaign(
    uow: UnitOfWork,
    ctx: Context,
    campaign_id: uuid.UUID,
    expected: int | None,
    caller: Caller,
) -> ReleaseOut:
    """Released -> closed, then its open cases are closed (how: campaign_closed, outcome
    cancelled) batch by batch, each batch committed; a closed campaign's close goes on with
    the cases still open. A draft cannot be closed (409: it has no cases; remove it
    instead)."""
    require_admin(caller)
    row = await _row(uow, campaign_id, lock=True)
    check_version(row["version"], expected)
    state = CampaignState(row["state"])
    if state is CampaignState.DRAFT:
        raise Conflict("a draft campaign is not closed; release it first", field="state")
    if state is CampaignState.RELEASED:
        now = ctx.clock.now()
        values = {
            "state": CampaignState.CLOSED.value,
            "version": row["version"] + 1,
            "closed_at": now,
            "closed_by": caller.username,
            "updated_at": now,
        }
        await uow.session.execute(
            update(tables.campaign).where(cp.id == campaign_id).values(values)
        )
        row.update(values)
    await uow.commit()
    closed = 0
    batch = ctx.settings.release_batch_size
    for _ in range(MAX_CLOSE_BATCHES_PER_CALL):
        ids = (
            await uow.session.scalars(
                select(cc.id)
                .where(cc.campaign_id == campaign_id, cc.status == CaseStatus.OPEN.value)
                .limit(batch)
            )
        ).all()
        closed += await close_cases(
            uow,
            ctx,
            ids,
            how=ClosedHow.CAMPAIGN_CLOSED.value,
            by=caller.username,
            reason=f"campaign {row['code']} closed",
            outcome=CaseOutcome.CANCELLED,
        )
        await uow.commit()
        if len(ids) < batch:
            break
    still_open = await uow.session.scalar(
        select(func.count()).where(
            cc.campaign_id == campaign_id, cc.status == CaseStatus.OPEN.value
        )
    )
    out = CampaignOut.model_validate(row)
    return ReleaseOut(campaign=out, done=closed, pending=still_open or 0)


# --- progress ------------------------------------------------------------------------------


async def progress(uow: UnitOfWork, campaign_id: uuid.UUID, visible: VisibleIds) -> ProgressOut:
    """Totals and, per org unit the caller sees, lines and cases open / closed."""
    await _row(uow, campaign_id)
    lines = (
        select(cs.org_unit_id, func.count().label("lines"))
        .where(cs.campaign_id == campaign_id, org_unit_clause(visible, cs.org_unit_id))
        .group_by(cs.org_unit_id)
    )
    cases = (
        select(
            cc.org_unit_id,
            func.count().filter(cc.status == CaseStatus.OPEN.value).label("open"),
            func.count().filter(cc.status == CaseStatus.CLOSED.value).label("closed"),
        )
        .where(cc.campaign_id == campaign_id, org_unit_clause(visible, cc.org_unit_id))
        .group_by(cc.org_unit_id)
    )
    per_unit: dict[uuid.UUID | None, dict[str, int]] = {}
    for r in await uow.session.execute(lines):
        per_unit.setdefault(r.org_unit_id, {"lines": 0, "open": 0, "closed": 0})["lines"] = r.lines
    for r in await uow.session.execute(cases):
        unit = per_unit.setdefault(r.org_unit_id, {"lines": 0, "open": 0, "closed": 0})
        unit["open"], unit["closed"] = r.open, r.closed
    ou = tables.org_unit.c
    known = [u for u in per_unit if u is not None]
    names = (
        {
            r.id: (r.code, r.name)
            for r in await uow.session.execute(
                select(ou.id, ou.code, ou.name).where(ou.id.in_(known))
            )
        }
        if known
        else {}
    )
    units = [
        OrgUnitProgress(
            org_unit_id=unit_id,
            code=names.get(unit_id, (None, None))[0] if unit_id else None,
            name=names.get(unit_id, (None, None))[1] if unit_id else None,
            **numbers,
        )
        for unit_id, numbers in per_unit.items()
    ]
    units.sort(key=lambda u: (u.code is None, u.code or "", str(u.org_unit_id)))
    return ProgressOut(totals=await counts(uow, campaign_id, visible), org_units=units)


def serial_lines(items: Sequence[SerialIn]) -> list[SerialLine]:
    """The body's serial numbers as lines."""
    return [SerialLine(item.serial_number, item.product_number) for item in items]
