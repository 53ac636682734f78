"""Scheduling's events for other services: the daily digest of an org unit's callouts
that need someone (seed 004's "service reminder")."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from aftersales_contracts.envelope import Message


class DigestCallout(BaseModel):
    """One callout in a digest: enough to recognise it in the list."""

    model_config = ConfigDict(frozen=True)

    callout_id: uuid.UUID
    state: str
    scheduled_for: date
    service_type_name: str | None = None
    step_description: str | None = None
    serial_number: str
    customer_name: str | None = None


class CalloutDigestCompiled(Message):
    """Once a day per org unit, at the org unit's local digest time, when some of its
    callouts await approval or failed: the counts and the first callouts of each. An org
    unit of None is the callouts without one."""

    TYPE = "scheduling.callout_digest.compiled"

    org_unit_id: uuid.UUID | None = None
    org_unit_code: str | None = None
    day: date
    awaiting_approval: int = Field(ge=0)
    failed: int = Field(ge=0)
    # At most ``MAX_DIGEST_CALLOUTS``, oldest scheduled first; the counts are the whole.
    callouts: list[DigestCallout] = Field(default_factory=list)


MAX_DIGEST_CALLOUTS = 50
