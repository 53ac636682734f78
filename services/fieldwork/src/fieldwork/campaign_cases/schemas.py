"""The campaign cases an order shows."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class CampaignCaseOut(BaseModel):
    """An open campaign case of one of the order's serial items: tick it done (its id in
    ``campaign_case_ids_done``) when completing the order to have campaigns close it."""

    case_id: uuid.UUID
    case_number: str | None
    campaign_id: uuid.UUID
    campaign_code: str
    campaign_name: str
    # Locale -> the campaign's name in that language.
    translations: dict[str, str]
    serial_item_id: uuid.UUID
    cause_code: str | None
    cause_description: str | None
