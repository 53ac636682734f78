"""Events published by campaigns: a serial item's campaign case opened or closed.

A case is one serial item taking part in one campaign (a recall, a retrofit). Both
events carry the campaign's name and code, so that a consumer keeps its projection
without calling back, and a close that arrives before its open can still be recorded.
"""

from __future__ import annotations

import enum
import uuid

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


class CampaignCaseClosed(Message):
    """A serial item's campaign case is closed for good (a closed case is never reopened)."""

    TYPE = "campaigns.case.closed"

    case_id: uuid.UUID
    campaign_id: uuid.UUID
    serial_item_id: uuid.UUID
    campaign_code: str
    campaign_name: str
    outcome: CaseOutcome
