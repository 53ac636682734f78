"""Campaigns' case events into field work's ``campaign_case`` projection.

The events carry no version; closed is final instead (a closed case never reopens): an
open writes the case, or refreshes what it says while it is still open; a close writes it
closed, even before its open has arrived (the close carries the campaign and the item),
and an open arriving after its close changes nothing.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import TextClause, bindparam, literal_column
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.campaigns import CampaignCaseClosed, CampaignCaseOpened
from aftersales_contracts.envelope import Envelope
from aftersales_kit.db import compiled_once
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.context import Context

CaseEvent = CampaignCaseOpened | CampaignCaseClosed

_OPEN_COLUMNS = (
    "case_id",
    "campaign_id",
    "campaign_code",
    "campaign_name",
    "translations",
    "serial_item_id",
    "case_number",
    "cause_code",
    "cause_description",
    "customer_id",
    "org_unit_id",
    "status",
    "opened_at",
)
_CLOSE_COLUMNS = (
    "case_id",
    "campaign_id",
    "campaign_code",
    "campaign_name",
    "serial_item_id",
    "case_number",
    "status",
    "outcome",
    "closed_at",
    "service_order_id",
    "service_order_number",
    "close_reason",
)
# What a close changes on a row that is still open (the rest came with the open).
_CLOSING = (
    "status",
    "outcome",
    "closed_at",
    "service_order_id",
    "service_order_number",
    "close_reason",
)


@functools.cache
def _statement(columns: tuple[str, ...], updated: tuple[str, ...]) -> TextClause:
    table = tables.campaign_case
    statement = insert(table).values({c: bindparam(c) for c in columns})
    return compiled_once(
        statement.on_conflict_do_update(
            index_elements=["case_id"],
            set_={c: statement.excluded[c] for c in updated},
            # A literal, not a bind: compiled_once keeps only the named binds.
            where=table.c.status == literal_column("'open'"),
        )
    )


def _opened(case: CampaignCaseOpened, at: datetime) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "campaign_id": case.campaign_id,
        "campaign_code": case.campaign_code,
        "campaign_name": case.campaign_name,
        "translations": case.campaign_translations,
        "serial_item_id": case.serial_item_id,
        "case_number": case.case_number,
        "cause_code": case.cause_code,
        "cause_description": case.cause_description,
        "customer_id": case.customer_id,
        "org_unit_id": case.org_unit_id,
        "status": "open",
        "opened_at": at,
    }


def _closed(case: CampaignCaseClosed, at: datetime) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "campaign_id": case.campaign_id,
        "campaign_code": case.campaign_code,
        "campaign_name": case.campaign_name,
        "serial_item_id": case.serial_item_id,
        "case_number": case.case_number,
        "status": "closed",
        "outcome": case.outcome.value,
        "closed_at": case.closed_at or at,
        "service_order_id": case.service_order_id,
        "service_order_number": case.service_order_number,
        "close_reason": case.reason,
    }


async def on_case_events(
    ctx: Context, uow: UnitOfWork, envelopes: Sequence[Envelope[CaseEvent]]
) -> None:
    """A batch of opens and closes (a release opens thousands at once) in one transaction:
    per case its open and its close, applied in case id order (one lock order for every
    replica: no deadlocks)."""
    opens: dict[uuid.UUID, dict[str, Any]] = {}
    closes: dict[uuid.UUID, dict[str, Any]] = {}
    for envelope in envelopes:
        event = envelope.payload
        if isinstance(event, CampaignCaseClosed):
            closes.setdefault(event.case_id, _closed(event, envelope.occurred_at))
        else:
            opens[event.case_id] = _opened(event, envelope.occurred_at)
    for case_id in sorted(opens.keys() | closes.keys()):
        if case_id in opens:
            updated = tuple(c for c in _OPEN_COLUMNS if c not in ("case_id", "status"))
            await uow.session.execute(_statement(_OPEN_COLUMNS, updated), opens[case_id])
        if case_id in closes:
            await uow.session.execute(_statement(_CLOSE_COLUMNS, _CLOSING), closes[case_id])
