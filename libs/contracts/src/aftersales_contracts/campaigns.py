"""Events published by campaigns: a serial item's campaign case opened or closed.

A case is one serial item taking part in one campaign (a recall, a retrofit). Both
events carry the campaign's name and code, so that a consumer keeps its projection
without calling back, and a close that arrives before its open can still be recorded.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from pydantic import Field

from aftersales_contracts.envelope import Message


class CaseOutcome(enum.StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class CampaignCaseOpened(Message):
    """A serial item has a pending campaign case."""

    TYPE = "campaigns.case.opened"

    case_id: uuid.UUID
    campaign_id: uuid.UUID
    serial_item_id: uuid.UUID
    campaign_code: str
    campaign_name: str
    # Added 2026-11-30 without breaking v1 (all optional): what a technician is shown at
    # the next service, and whose case it is.
    case_number: str | None = None
    cause_code: str | None = None
    cause_description: str | None = None
    customer_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    campaign_translations: dict[str, str] = Field(default_factory=dict)


class CampaignCaseClosed(Message):
    """A serial item's campaign case is closed for good (a closed case is never reopened)."""

    TYPE = "campaigns.case.closed"

    case_id: uuid.UUID
    campaign_id: uuid.UUID
    serial_item_id: uuid.UUID
    campaign_code: str
    campaign_name: str
    outcome: CaseOutcome
    # Added 2026-11-30 (optional): how it was closed — at a service order (its number) or
    # by hand with a reason — and when.
    case_number: str | None = None
    closed_at: datetime | None = None
    service_order_id: uuid.UUID | None = None
    service_order_number: str | None = None
    reason: str | None = None
