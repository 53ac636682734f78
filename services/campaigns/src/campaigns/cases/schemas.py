"""The HTTP shapes of case templates and cases.

``TemplateFields`` is a whole template as a client writes it (a create's body, and a PATCH
merged onto the stored template, validated again); ``TemplatePatch`` names only what
changes. A case is answered as ``CaseOut`` in lists and ``CaseDetail`` alone."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aftersales_contracts.campaigns import CaseOutcome
from campaigns.cases import domain
from campaigns.cases.domain import BasicType, CaseStatus, CaseType, ClosedHow


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Each entry is checked on its own, so a 422 names ``required_fields.<i>``.
RequiredField = Literal["our_reference", "cause_code", "cause_description", "customer_id"]
RequiredFields = Annotated[
    list[RequiredField],
    Field(max_length=len(domain.REQUIRABLE_FIELDS) * 4),
    AfterValidator(domain.normalised_required),
]
TemplateName = Annotated[str, Field(min_length=1, max_length=200)]


class TemplateFields(_In):
    name: TemplateName
    case_type: CaseType
    # Which of a case's fields a case made from this template must have filled.
    required_fields: RequiredFields = Field(default_factory=list)


class TemplateIn(TemplateFields):
    pass


class TemplatePatch(_In):
    name: TemplateName | None = None
    case_type: CaseType | None = None
    required_fields: RequiredFields | None = None


class TemplateOut(BaseModel):
    id: uuid.UUID
    version: int
    name: str
    case_type: CaseType
    required_fields: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


Title = Annotated[str, Field(min_length=1, max_length=300)]
OurReference = Annotated[str, Field(min_length=1, max_length=200)]
CauseCode = Annotated[str, Field(min_length=1, max_length=50)]
CauseDescription = Annotated[str, Field(min_length=1, max_length=4000)]


class ParentCaseFields(_In):
    """A parent case as a client writes it: what links a campaign's cases."""

    title: Title
    template_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    our_reference: OurReference | None = None
    cause_code: CauseCode | None = None
    cause_description: CauseDescription | None = None


class ParentCaseIn(ParentCaseFields):
    pass


class ParentCasePatch(_In):
    """The fields sent change; ``null`` clears an optional one (not the title)."""

    title: Title | None = None
    template_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    our_reference: OurReference | None = None
    cause_code: CauseCode | None = None
    cause_description: CauseDescription | None = None


class CloseIn(_In):
    reason: Annotated[str, Field(min_length=1, max_length=domain.REASON_MAX_LENGTH)]
    # What the close means for the campaign's follow-up: the work was done elsewhere
    # ("completed", the default) or will not be done ("cancelled": scrapped, not reachable).
    outcome: CaseOutcome = CaseOutcome.COMPLETED


class CaseOut(BaseModel):
    id: uuid.UUID
    version: int
    number: str
    basic_type: BasicType
    title: str
    template_id: uuid.UUID | None
    parent_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    serial_item_id: uuid.UUID | None
    serial_number: str | None
    org_unit_id: uuid.UUID | None
    our_reference: str | None
    cause_code: str | None
    cause_description: str | None
    status: CaseStatus
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    closed_how: ClosedHow | None
    close_reason: str | None
    service_order_id: uuid.UUID | None
    service_order_number: str | None


class CaseRef(BaseModel):
    id: uuid.UUID
    number: str
    title: str
    status: CaseStatus


class CampaignRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    state: str


class TemplateRef(BaseModel):
    id: uuid.UUID
    name: str
    case_type: CaseType
    required_fields: list[str]


class ChildCounts(BaseModel):
    """A parent's children by status (those the caller may see)."""

    open: int
    closed: int


class CaseDetail(CaseOut):
    parent: CaseRef | None
    campaign: CampaignRef | None
    template: TemplateRef | None
    # Set for a parent case only.
    children: ChildCounts | None
