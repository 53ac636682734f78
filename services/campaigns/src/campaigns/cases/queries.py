"""Reads of the case register: one case with its parent, campaign, template and (for a
parent) its children by status; the case list's filters and keyset pages.

A caller sees the cases of its org units (descendants included); a case without an org
unit only an unrestricted caller (``campaigns.visibility``). A case out of sight is a 404,
as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from aftersales_kit import keyset
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import NotFound
from aftersales_kit.uow import UnitOfWork
from campaigns import tables
from campaigns.cases.domain import BasicType, CaseStatus
from campaigns.cases.schemas import (
    CampaignRef,
    CaseDetail,
    CaseOut,
    CaseRef,
    ChildCounts,
    TemplateRef,
)
from campaigns.visibility import VisibleIds, org_unit_clause, sees

# The list's sorts: column -> type of its values (the case id breaks ties).
SORTS: Mapping[str, type] = {"number": str, "created_at": datetime, "updated_at": datetime}
DEFAULT_SORT = "number"


@dataclass(frozen=True)
class CaseFilter:
    """What the case list and its export are narrowed to (None: any)."""

    campaign_id: uuid.UUID | None = None
    parent_id: uuid.UUID | None = None
    status: CaseStatus | None = None
    basic_type: BasicType | None = None
    org_unit_id: uuid.UUID | None = None
    serial_item_id: uuid.UUID | None = None
    serial_number: str | None = None
    customer_id: uuid.UUID | None = None
    cause_code: str | None = None


def conditions(matching: CaseFilter, visible: VisibleIds) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``matching`` within what the caller may see."""
    c = tables.case.c
    where: list[ColumnElement[bool]] = [org_unit_clause(visible, c.org_unit_id)]
    equal: list[tuple[Any, object]] = [
        (c.campaign_id, matching.campaign_id),
        (c.parent_id, matching.parent_id),
        (c.status, matching.status.value if matching.status else None),
        (c.basic_type, matching.basic_type.value if matching.basic_type else None),
        (c.org_unit_id, matching.org_unit_id),
        (c.serial_item_id, matching.serial_item_id),
        (c.serial_number, matching.serial_number),
        (c.customer_id, matching.customer_id),
        (c.cause_code, matching.cause_code),
    ]
    where.extend(column == value for column, value in equal if value is not None)
    return where


def parse_sort(text: str) -> Sort:
    """The list's sort (422 naming ``query.sort`` for one not offered)."""
    return Sort.parse(text, tuple(SORTS))


def key_columns(sort: Sort) -> tuple[Any, Any]:
    return (tables.case.c[sort.field], tables.case.c.id)


async def list_cases(
    uow: UnitOfWork,
    visible: VisibleIds,
    matching: CaseFilter,
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[CaseOut], str | None]:
    order = parse_sort(sort)
    query: Select[Any] = select(tables.case).where(*conditions(matching, visible))
    rows, next_cursor = await keyset.page(
        uow.session,
        query,
        key_columns(order),
        (SORTS[order.field], uuid.UUID),
        order,
        cursor,
        limit,
    )
    return [CaseOut.model_validate(r) for r in rows], next_cursor


async def visible_case(
    uow: UnitOfWork, case_id: uuid.UUID, visible: VisibleIds, *, lock: bool = False
) -> dict[str, Any]:
    """The case row, locked when ``lock``; 404 when there is none or it is out of sight."""
    query = select(tables.case).where(tables.case.c.id == case_id)
    if lock:
        query = query.with_for_update()
    found = (await uow.session.execute(query)).mappings().first()
    if found is None or not sees(visible, found["org_unit_id"]):
        raise NotFound(f"no case with id {case_id}")
    return dict(found)


async def case_detail(uow: UnitOfWork, case_id: uuid.UUID, visible: VisibleIds) -> CaseDetail:
    row = await visible_case(uow, case_id, visible)
    return await detail_of(uow, row, visible)


async def detail_of(uow: UnitOfWork, row: Mapping[str, Any], visible: VisibleIds) -> CaseDetail:
    """A case row with what it links to. The parent and campaign are named even when the
    parent lies outside the caller's org units: a case's own page names what it belongs
    to; the children counted are those the caller may see."""
    s = uow.session
    parent = None
    if row["parent_id"] is not None:
        p = tables.case.c
        found = (
            (
                await s.execute(
                    select(p.id, p.number, p.title, p.status).where(p.id == row["parent_id"])
                )
            )
            .mappings()
            .first()
        )
        parent = CaseRef.model_validate(found) if found else None
    campaign = None
    if row["campaign_id"] is not None:
        cp = tables.campaign.c
        found = (
            (
                await s.execute(
                    select(cp.id, cp.code, cp.name, cp.state).where(cp.id == row["campaign_id"])
                )
            )
            .mappings()
            .first()
        )
        campaign = CampaignRef.model_validate(found) if found else None
    template = None
    if row["template_id"] is not None:
        t = tables.case_template.c
        found = (
            (
                await s.execute(
                    select(t.id, t.name, t.case_type, t.required_fields).where(
                        t.id == row["template_id"]
                    )
                )
            )
            .mappings()
            .first()
        )
        template = TemplateRef.model_validate(found) if found else None
    children = None
    if row["basic_type"] == BasicType.PARENT.value:
        c = tables.case.c
        counts = dict(
            (
                await s.execute(
                    select(c.status, func.count())
                    .where(c.parent_id == row["id"], org_unit_clause(visible, c.org_unit_id))
                    .group_by(c.status)
                )
            )
            .tuples()
            .all()
        )
        children = ChildCounts(
            open=counts.get(CaseStatus.OPEN.value, 0),
            closed=counts.get(CaseStatus.CLOSED.value, 0),
        )
    return CaseDetail.model_validate(
        {**row, "parent": parent, "campaign": campaign, "template": template, "children": children}
    )
