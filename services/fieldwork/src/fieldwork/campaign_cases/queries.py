"""What the orders read of the campaign cases: the open ones of a set of serial items."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fieldwork import tables
from fieldwork.campaign_cases.schemas import CampaignCaseOut

CC = tables.campaign_case.c
OPEN = "open"


async def open_cases_of(
    session: AsyncSession, serial_item_ids: Collection[uuid.UUID]
) -> list[CampaignCaseOut]:
    """The open campaign cases of ``serial_item_ids``, by campaign code and case number."""
    if not serial_item_ids:
        return []
    rows = (
        await session.execute(
            select(tables.campaign_case)
            .where(CC.serial_item_id.in_(list(serial_item_ids)), CC.status == OPEN)
            .order_by(CC.campaign_code, CC.case_number, CC.case_id)
        )
    ).mappings()
    return [
        CampaignCaseOut(
            case_id=r["case_id"],
            case_number=r["case_number"],
            campaign_id=r["campaign_id"],
            campaign_code=r["campaign_code"],
            campaign_name=r["campaign_name"],
            translations=dict(r["translations"] or {}),
            serial_item_id=r["serial_item_id"],
            cause_code=r["cause_code"],
            cause_description=r["cause_description"],
        )
        for r in rows
    ]
