"""Opening a released campaign's cases in committed batches: one case per valid serial line
that has none yet, ``CampaignCaseOpened`` for each through the outbox in the same
transaction.

A batch is a fixed handful of statements, whatever its size: the pending lines (locked,
``SKIP LOCKED``, so two callers at once share the work rather than wait), the case numbers
from ``case_number_seq``, one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING``
on ``uq_case_campaign_item`` (a rerun opens nothing twice), the lines' ``case_id`` and the
events. Each batch commits on its own: a 100,000-line release is a hundred small
transactions, and one interrupted midway leaves committed batches behind; the lines still
without a case are opened by the next call (``POST /campaigns/{id}/release`` again).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import UUID

from aftersales_contracts.campaigns import CampaignCaseOpened
from aftersales_kit.uow import UnitOfWork
from campaigns.cases.domain import BasicType, CaseStatus, format_case_number
from campaigns.drives.domain import CampaignState

_CAMPAIGN = text("SELECT * FROM campaign WHERE id = :campaign_id FOR SHARE").bindparams(
    bindparam("campaign_id", type_=UUID(as_uuid=True))
)

_PENDING = text(
    """
SELECT ctid::text AS row_id, serial_number, serial_item_id, customer_id, org_unit_id
FROM campaign_serial
WHERE campaign_id = :campaign_id AND problem IS NULL AND case_id IS NULL
  AND serial_item_id IS NOT NULL
ORDER BY position
LIMIT :n
FOR UPDATE SKIP LOCKED
"""
).bindparams(bindparam("campaign_id", type_=UUID(as_uuid=True)))

_NUMBERS = text("SELECT nextval('case_number_seq') FROM generate_series(1, :n)")

_OPEN = text(
    """
INSERT INTO "case" (
    id, version, number, basic_type, title, template_id, parent_id, campaign_id,
    customer_id, serial_item_id, serial_number, org_unit_id,
    our_reference, cause_code, cause_description, status, created_at, created_by, updated_at
)
SELECT t.id, 1, t.number, :basic_type, :title, CAST(:template_id AS uuid),
       CAST(:parent_id AS uuid), CAST(:campaign_id AS uuid),
       t.customer_id, t.serial_item_id, t.serial_number, t.org_unit_id,
       :our_reference, :cause_code, :cause_description, :status,
       CAST(:now AS timestamptz), :by, CAST(:now AS timestamptz)
FROM unnest(CAST(:ids AS uuid[]), CAST(:numbers AS text[]), CAST(:customers AS uuid[]),
            CAST(:items AS uuid[]), CAST(:serials AS text[]), CAST(:units AS uuid[]))
     AS t(id, number, customer_id, serial_item_id, serial_number, org_unit_id)
ON CONFLICT (campaign_id, serial_item_id) WHERE campaign_id IS NOT NULL DO NOTHING
RETURNING id, number, serial_item_id, customer_id, org_unit_id
"""
)

# Cases a rerun finds already opened for some of the batch's items (the unique index, not
# the line's link, is what guarantees one case per item).
_EXISTING = text(
    """
SELECT id, serial_item_id FROM "case"
WHERE campaign_id = CAST(:campaign_id AS uuid) AND serial_item_id = ANY(CAST(:items AS uuid[]))
"""
)

# The batch's lines get their case, by the row ids the pending select returned (the rows
# are locked by this transaction, so their ctid holds): no join whose plan depends on
# statistics, which a campaign just uploaded does not have yet (a key join here went to
# nested loops of sequential scans: 2 s a batch at 10,000 lines).
_LINK = text(
    """
UPDATE campaign_serial cs SET case_id = l.case_id
FROM unnest(CAST(CAST(:rows AS text[]) AS tid[]), CAST(:cases AS uuid[])) AS l(row_id, case_id)
WHERE cs.ctid = l.row_id
"""
)

_COUNT_PENDING = text(
    """
SELECT count(*) FROM campaign_serial
WHERE campaign_id = :campaign_id AND problem IS NULL AND case_id IS NULL
  AND serial_item_id IS NOT NULL
"""
).bindparams(bindparam("campaign_id", type_=UUID(as_uuid=True)))


async def open_cases(
    uow: UnitOfWork,
    campaign_id: uuid.UUID,
    *,
    batch_size: int,
    max_batches: int,
    number_prefix: str,
    number_width: int,
    by: str | None,
    now: datetime,
) -> tuple[int, int]:
    """Open the cases of up to ``max_batches`` batches of pending lines, each batch
    committed; (cases opened, lines still pending). Commits what the unit of work held
    before too (call it once the change that released the campaign is written)."""
    opened = 0
    await uow.commit()
    for _ in range(max_batches):
        handled, new = await _open_batch(
            uow,
            campaign_id,
            batch_size=batch_size,
            number_prefix=number_prefix,
            number_width=number_width,
            by=by,
            now=now,
        )
        await uow.commit()
        opened += new
        if handled < batch_size:
            break
    return opened, await pending_lines(uow, campaign_id)


async def pending_lines(uow: UnitOfWork, campaign_id: uuid.UUID) -> int:
    """Valid lines of the campaign still without their case."""
    count: int = (
        await uow.session.execute(_COUNT_PENDING, {"campaign_id": campaign_id})
    ).scalar_one()
    return count


async def _open_batch(
    uow: UnitOfWork,
    campaign_id: uuid.UUID,
    *,
    batch_size: int,
    number_prefix: str,
    number_width: int,
    by: str | None,
    now: datetime,
) -> tuple[int, int]:
    """(lines handled, cases opened) of one batch, in the unit of work's transaction."""
    session = uow.session
    # Shared lock: closing the campaign (FOR UPDATE) waits for the batch, and a batch
    # after the close opens nothing.
    campaign = (await session.execute(_CAMPAIGN, {"campaign_id": campaign_id})).mappings().first()
    if campaign is None or campaign["state"] != CampaignState.RELEASED:
        return 0, 0
    lines = (await session.execute(_PENDING, {"campaign_id": campaign_id, "n": batch_size})).all()
    if not lines:
        return 0, 0
    numbers = [
        format_case_number(number_prefix, number_width, value)
        for value in (await session.execute(_NUMBERS, {"n": len(lines)})).scalars()
    ]
    opened = (
        await session.execute(
            _OPEN,
            {
                "basic_type": BasicType.CUSTOMER_NONCONFORMITY.value,
                "title": campaign["name"],
                "template_id": campaign["template_id"],
                "parent_id": campaign["parent_case_id"],
                "campaign_id": campaign_id,
                "our_reference": campaign["our_reference"],
                "cause_code": campaign["cause_code"],
                "cause_description": campaign["cause_description"],
                "status": CaseStatus.OPEN.value,
                "now": now,
                "by": by,
                "ids": [uuid.uuid4() for _ in lines],
                "numbers": numbers,
                "customers": [line.customer_id for line in lines],
                "items": [line.serial_item_id for line in lines],
                "serials": [line.serial_number for line in lines],
                "units": [line.org_unit_id for line in lines],
            },
        )
    ).all()
    case_of = {case.serial_item_id: case.id for case in opened}
    if len(case_of) < len(lines):
        missing = [line.serial_item_id for line in lines if line.serial_item_id not in case_of]
        found = await session.execute(_EXISTING, {"campaign_id": campaign_id, "items": missing})
        case_of.update({row.serial_item_id: row.id for row in found})
    await session.execute(
        _LINK,
        {
            "rows": [line.row_id for line in lines],
            "cases": [case_of[line.serial_item_id] for line in lines],
        },
    )
    for case in opened:
        uow.publish(case_opened(dict(campaign), dict(case._mapping)))
    return len(lines), len(opened)


def case_opened(campaign: Mapping[str, Any], case: Mapping[str, Any]) -> CampaignCaseOpened:
    return CampaignCaseOpened(
        case_id=case["id"],
        campaign_id=campaign["id"],
        serial_item_id=case["serial_item_id"],
        campaign_code=campaign["code"],
        campaign_name=campaign["name"],
        case_number=case["number"],
        cause_code=campaign["cause_code"],
        cause_description=campaign["cause_description"],
        customer_id=case["customer_id"],
        org_unit_id=case["org_unit_id"],
        campaign_translations=dict(campaign["translations"] or {}),
    )
