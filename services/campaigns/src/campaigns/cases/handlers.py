"""Use cases of cases: parent cases created and changed by admins, a case closed by hand
(operators, admins) and ``close_case``, the close every path shares.

``close_case`` is used by the other packages too: field work's completions close the cases
ticked done (``service_orders``), and closing a campaign may close its open cases
(``drives``). Templates' use cases live in ``templates``; reads in ``queries``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import insert, select, update

from aftersales_contracts.campaigns import CampaignCaseClosed, CaseOutcome
from aftersales_kit.identity import Caller
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from campaigns import tables
from campaigns.cases.domain import (
    BasicType,
    CaseStatus,
    ClosedHow,
    format_case_number,
    missing_required,
)
from campaigns.cases.queries import detail_of, visible_case
from campaigns.cases.schemas import (
    CaseDetail,
    CloseIn,
    ParentCaseFields,
    ParentCaseIn,
    ParentCasePatch,
)
from campaigns.context import Context
from campaigns.visibility import VisibleIds, sees

__all__ = [
    "change_parent_case",
    "close_by_hand",
    "close_case",
    "close_cases",
    "closed_event",
    "create_parent_case",
]

ADMIN_ROLE = "admin"
# Who closes a case by hand: operators, and admins who may do everything.
CLOSER_ROLES = frozenset({"operator", ADMIN_ROLE})
PARENT_FIELDS = tuple(ParentCaseFields.model_fields)
_JSON_TIME = TypeAdapter(datetime | None)


async def close_case(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    *,
    how: str,
    by: str | None,
    reason: str | None = None,
    service_order_id: uuid.UUID | None = None,
    service_order_number: str | None = None,
    outcome: CaseOutcome = CaseOutcome.COMPLETED,
) -> bool:
    """Close the case ``case_id``: status closed, ``closed_at`` from the clock, by whom, how
    (a ``ClosedHow``: "service_order", "manual", "campaign_closed"), the reason and the
    service order; its version raised. A campaign case (one with a campaign and a serial
    item) also publishes ``CampaignCaseClosed`` through the outbox, so catalog drops the
    serial item's mark and field work stops offering it.

    Idempotent: True when this call closed the case, False when it was already closed
    (nothing is changed or published again; a closed case never reopens). Raises
    ``NotFound`` for an unknown id.

    Does NOT commit: the caller commits ``uow`` (with whatever else it changes, the
    outbox row included). Safe under concurrency: the update only matches an open row, so
    of two closes racing only one closes and publishes.
    """
    closed = await close_cases(
        uow,
        ctx,
        [case_id],
        how=how,
        by=by,
        reason=reason,
        service_order_id=service_order_id,
        service_order_number=service_order_number,
        outcome=outcome,
    )
    if closed:
        return True
    c = tables.case.c
    if await uow.session.scalar(select(c.id).where(c.id == case_id)) is None:
        raise NotFound(f"no case with id {case_id}", field="case_id")
    return False


async def close_cases(
    uow: UnitOfWork,
    ctx: Context,
    case_ids: Sequence[uuid.UUID],
    *,
    how: str,
    by: str | None,
    reason: str | None = None,
    service_order_id: uuid.UUID | None = None,
    service_order_number: str | None = None,
    outcome: CaseOutcome = CaseOutcome.COMPLETED,
) -> int:
    """``close_case`` for many at once: one UPDATE for the open ones among ``case_ids``,
    one ``CampaignCaseClosed`` per campaign case it closed (the campaigns' codes and names
    read once); ids already closed or unknown are passed over. Returns how many it closed.
    Does NOT commit."""
    how = ClosedHow(how).value  # a typo is a programming error: ValueError, not a 4xx
    if not case_ids:
        return 0
    now = ctx.clock.now()
    c = tables.case.c
    rows = (
        (
            await uow.session.execute(
                update(tables.case)
                .where(c.id.in_(case_ids), c.status == CaseStatus.OPEN.value)
                .values(
                    status=CaseStatus.CLOSED.value,
                    version=c.version + 1,
                    updated_at=now,
                    closed_at=now,
                    closed_by=by,
                    closed_how=how,
                    close_reason=reason,
                    service_order_id=service_order_id,
                    service_order_number=service_order_number,
                )
                .returning(tables.case)
            )
        )
        .mappings()
        .all()
    )
    published = [
        r for r in rows if r["campaign_id"] is not None and r["serial_item_id"] is not None
    ]
    if published:
        cp = tables.campaign.c
        names = {
            campaign.id: campaign
            for campaign in (
                await uow.session.execute(
                    select(cp.id, cp.code, cp.name).where(
                        cp.id.in_({r["campaign_id"] for r in published})
                    )
                )
            ).mappings()
        }
        for row in published:
            uow.publish(_closed_event(row, names[row["campaign_id"]], outcome))
    return len(rows)


async def closed_event(
    uow: UnitOfWork, row: Any, outcome: CaseOutcome = CaseOutcome.COMPLETED
) -> CampaignCaseClosed:
    """The ``CampaignCaseClosed`` of a closed campaign case row, with its campaign's code
    and name (read from the campaign table: consumers keep their projections without
    calling back)."""
    cp = tables.campaign.c
    campaign = (
        (await uow.session.execute(select(cp.code, cp.name).where(cp.id == row["campaign_id"])))
        .mappings()
        .one()
    )
    return _closed_event(row, campaign, outcome)


def _closed_event(row: Any, campaign: Any, outcome: CaseOutcome) -> CampaignCaseClosed:
    return CampaignCaseClosed(
        case_id=row["id"],
        campaign_id=row["campaign_id"],
        serial_item_id=row["serial_item_id"],
        campaign_code=campaign["code"],
        campaign_name=campaign["name"],
        outcome=outcome,
        case_number=row["number"],
        closed_at=row["closed_at"],
        service_order_id=row["service_order_id"],
        service_order_number=row["service_order_number"],
        reason=row["close_reason"],
    )


# --- parent cases -----------------------------------------------------------------------


def require_admin(caller: Caller) -> None:
    if not caller.has_role(ADMIN_ROLE):
        raise Forbidden("only admins create and change parent cases")


async def next_case_number(uow: UnitOfWork, ctx: Context) -> str:
    """The next readable case number from ``case_number_seq`` (CA-000123)."""
    value = await uow.session.scalar(tables.case_number_seq.next_value().select())
    assert value is not None  # nextval always answers
    settings = ctx.settings
    return format_case_number(settings.case_number_prefix, settings.number_width, value)


async def _checked_references(
    uow: UnitOfWork, visible: VisibleIds, fields: Mapping[str, Any], changed: set[str]
) -> list[str]:
    """The ids the case names (those in ``changed``) exist here (422 naming the field); a
    restricted caller places a case only in its own org units (403 naming
    ``org_unit_id``: a case elsewhere, or in none, would be out of its sight). Answers the
    template's required fields."""
    s = uow.session
    required: list[str] = []
    template_id = fields["template_id"]
    if template_id is not None:
        t = tables.case_template.c
        template = (
            (await s.execute(select(t.active, t.required_fields).where(t.id == template_id)))
            .mappings()
            .first()
        )
        if template is None:
            raise Unprocessable(f"no case template with id {template_id}", field="template_id")
        if "template_id" in changed and not template["active"]:
            raise Unprocessable(f"case template {template_id} is deactivated", field="template_id")
        required = list(template["required_fields"])
    if "customer_id" in changed and fields["customer_id"] is not None:
        known = await s.scalar(
            select(tables.customer.c.id).where(tables.customer.c.id == fields["customer_id"])
        )
        if known is None:
            raise Unprocessable(f"no customer with id {fields['customer_id']}", field="customer_id")
    if "org_unit_id" in changed:
        org_unit_id = fields["org_unit_id"]
        if org_unit_id is not None:
            known = await s.scalar(
                select(tables.org_unit.c.id).where(tables.org_unit.c.id == org_unit_id)
            )
            if known is None:
                raise Unprocessable(f"no org unit with id {org_unit_id}", field="org_unit_id")
        if not sees(visible, org_unit_id):
            where = "in no org unit" if org_unit_id is None else "in another org unit"
            raise Forbidden(
                f"you may not place a case {where}: only in your own org units"
                " (or their descendants)",
                field="org_unit_id",
            )
    return required


def _require_filled(required: list[str], fields: Mapping[str, Any]) -> None:
    missing = missing_required(required, fields)
    if missing:
        raise Unprocessable(
            f"the case template requires {', '.join(missing)}", field=missing[0], missing=missing
        )


async def create_parent_case(
    uow: UnitOfWork, ctx: Context, caller: Caller, visible: VisibleIds, body: ParentCaseIn
) -> CaseDetail:
    """A parent case: what a campaign's cases are linked to. Its template (optional, active)
    decides which fields must be filled (422 naming the first missing one)."""
    require_admin(caller)
    fields = body.model_dump(include=set(PARENT_FIELDS))
    required = await _checked_references(uow, visible, fields, set(PARENT_FIELDS))
    _require_filled(required, fields)
    now = ctx.clock.now()
    row: dict[str, Any] = {
        **fields,
        "id": uuid.uuid4(),
        "version": 1,
        "number": await next_case_number(uow, ctx),
        "basic_type": BasicType.PARENT.value,
        "status": CaseStatus.OPEN.value,
        "created_at": now,
        "created_by": caller.username,
        "updated_at": now,
    }
    await uow.session.execute(insert(tables.case).values(row))
    await uow.commit()
    created = await visible_case(uow, row["id"], None)
    return await detail_of(uow, created, visible)


def _validated(data: Mapping[str, Any]) -> ParentCaseFields:
    """A patched parent case validated whole; a bad field is a 422 naming it."""
    try:
        return ParentCaseFields.model_validate(dict(data))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unprocessable(f"{field}: {first['msg']}", field=field) from error


async def change_parent_case(
    uow: UnitOfWork,
    ctx: Context,
    caller: Caller,
    visible: VisibleIds,
    case_id: uuid.UUID,
    patch: ParentCasePatch,
    expected: int | None,
) -> CaseDetail:
    """Change the fields sent of an open parent case (a campaign's own cases follow their
    campaign: 409). The merged case is validated whole, its template's required fields
    included; a patch that changes nothing makes no new version."""
    require_admin(caller)
    row = await visible_case(uow, case_id, visible, lock=True)
    if row["basic_type"] != BasicType.PARENT.value:
        raise Conflict(
            f"case {row['number']} is a {row['basic_type']} case: only parent cases are"
            " changed here (a campaign's cases follow their campaign)"
        )
    if row["status"] == CaseStatus.CLOSED.value:
        raise Conflict(f"case {row['number']} is closed: a closed case is not changed")
    check_version(row["version"], expected)
    current = {name: row[name] for name in PARENT_FIELDS}
    merged = _validated(current | patch.model_dump(exclude_unset=True)).model_dump()
    changed = {name for name in PARENT_FIELDS if merged[name] != current[name]}
    if not changed:
        return await detail_of(uow, row, visible)
    required = await _checked_references(uow, visible, merged, changed)
    _require_filled(required, merged)
    now = ctx.clock.now()
    await uow.session.execute(
        update(tables.case)
        .where(tables.case.c.id == case_id)
        .values(**merged, version=row["version"] + 1, updated_at=now)
    )
    await uow.commit()
    return await detail_of(uow, await visible_case(uow, case_id, None), visible)


# --- closing by hand ---------------------------------------------------------------------


def require_closer(caller: Caller) -> None:
    if not caller.roles & CLOSER_ROLES:
        raise Forbidden("only operators and admins close cases")


async def close_by_hand(
    uow: UnitOfWork,
    ctx: Context,
    caller: Caller,
    visible: VisibleIds,
    case_id: uuid.UUID,
    body: CloseIn,
    expected: int | None,
) -> CaseDetail:
    """Close a case by hand with a reason (operators and admins). An already closed case is
    a 409 saying when, how and by whom (checked before the version: whatever the client
    read, the case will not close again)."""
    require_closer(caller)
    row = await visible_case(uow, case_id, visible, lock=True)
    if row["status"] == CaseStatus.CLOSED.value:
        # As the case itself answers it (pydantic's JSON: ...Z), so a client can compare.
        at = _JSON_TIME.dump_python(row["closed_at"], mode="json") or "an unknown time"
        raise Conflict(
            f"case {row['number']} was already closed at {at} ({row['closed_how']}"
            + (f", by {row['closed_by']}" if row["closed_by"] else "")
            + ")",
            closed_at=at,
            closed_how=row["closed_how"],
            closed_by=row["closed_by"],
        )
    check_version(row["version"], expected)
    await close_case(
        uow,
        ctx,
        case_id,
        how=ClosedHow.MANUAL,
        by=caller.username,
        reason=body.reason,
        outcome=body.outcome,
    )
    await uow.commit()
    return await detail_of(uow, await visible_case(uow, case_id, None), visible)
