"""HTTP shapes of campaigns, their serial lines, release and progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from campaigns.drives.domain import CODE_PATTERN, NAME_MAX_LENGTH, SERIAL_MAX_LENGTH

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
CauseCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
CauseDescription = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
SerialText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SERIAL_MAX_LENGTH)
]
ProductText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SERIAL_MAX_LENGTH)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CampaignIn(_In):
    code: Annotated[str, Field(pattern=CODE_PATTERN)]
    name: Name
    # Locale ("sv", "sv-SE") -> the name in that language.
    translations: dict[str, Annotated[str, Field(max_length=NAME_MAX_LENGTH)]] = {}
    template_id: uuid.UUID
    parent_case_id: uuid.UUID
    use_customer_from_order: bool = False
    our_reference: Reference | None = None
    cause_code: CauseCode | None = None
    cause_description: CauseDescription | None = None


class CampaignPatch(_In):
    """The fields sent change (``null`` clears an optional one). After release only the
    name, translations, our reference and cause may change."""

    name: Name | None = None
    translations: dict[str, Annotated[str, Field(max_length=NAME_MAX_LENGTH)]] | None = None
    template_id: uuid.UUID | None = None
    parent_case_id: uuid.UUID | None = None
    use_customer_from_order: bool | None = None
    our_reference: Reference | None = None
    cause_code: CauseCode | None = None
    cause_description: CauseDescription | None = None


class CampaignCounts(BaseModel):
    """A campaign's lines and cases, as far as the caller's org units reach."""

    lines: int
    failing: int
    cases_open: int
    cases_closed: int


class CampaignOut(BaseModel):
    id: uuid.UUID
    version: int
    code: str
    name: str
    translations: dict[str, str]
    template_id: uuid.UUID
    parent_case_id: uuid.UUID
    use_customer_from_order: bool
    our_reference: str | None
    cause_code: str | None
    cause_description: str | None
    state: str
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    released_at: datetime | None
    released_by: str | None
    closed_at: datetime | None
    closed_by: str | None


class CampaignDetailOut(CampaignOut):
    counts: CampaignCounts


class SerialIn(_In):
    serial_number: SerialText
    # Needed where the serial number exists on several products.
    product_number: ProductText = ""


def _as_object(item: Any) -> Any:
    # A bare serial number is the object without a product: one shape to validate, so a
    # bad item is named ``serial_numbers.<i>.serial_number`` whichever way it came.
    return {"serial_number": item} if isinstance(item, str) else item


class SerialsIn(_In):
    """Serial numbers as text, or as objects naming the product too."""

    serial_numbers: list[Annotated[SerialIn, BeforeValidator(_as_object)]] = Field(min_length=1)


class SerialsSummary(BaseModel):
    """What an addition did: lines added, lines already there (not added again), added
    lines that failed validation, and cases opened for added lines of a released campaign
    (``cases_pending``: left for ``POST /campaigns/{id}/release``)."""

    added: int
    duplicates: int
    failing: int
    cases_opened: int = 0
    cases_pending: int = 0


class SerialLineOut(BaseModel):
    serial_number: str
    product_number: str
    position: int
    serial_item_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    problem: str | None
    problem_detail: str | None
    case_id: uuid.UUID | None
    added_at: datetime


class ValidationOut(BaseModel):
    lines: int
    failing: int
    # Failing lines by reason.
    problems: dict[str, int]


class ReleaseOut(BaseModel):
    """A release's (or a close's) work: cases opened (closed) by this call, and lines
    (cases) still waiting; ``pending`` > 0 means call it again to go on."""

    campaign: CampaignOut
    done: int
    pending: int


class OrgUnitProgress(BaseModel):
    org_unit_id: uuid.UUID | None
    code: str | None
    name: str | None
    lines: int
    open: int
    closed: int


class ProgressOut(BaseModel):
    totals: CampaignCounts
    org_units: list[OrgUnitProgress]
