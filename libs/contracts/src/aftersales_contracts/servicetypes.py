"""Events published by servicetypes: the full definition of a service type, versioned."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from aftersales_contracts.envelope import Message


class ApprovalMethod(enum.StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class ScheduleKind(enum.StrEnum):
    NEVER = "never"
    AFTER = "after"
    EXACT_DATE = "exact_date"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class Period(enum.StrEnum):
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


class Anchor(enum.StrEnum):
    STARTUP = "startup"
    STEP = "step"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class StepSchedule(_Part):
    """When a step is due; which fields matter depends on ``kind``."""

    kind: ScheduleKind
    span: int | None = None
    period: Period | None = None
    anchor: Anchor = Anchor.STARTUP
    anchor_step_id: uuid.UUID | None = None
    exact_date: date | None = None
    day: int | None = None
    month: int | None = None
    repeat_every: int | None = None
    repeat_period: Period | None = None
    limit_repetitions: int | None = None


class MessageSet(_Part):
    """What a step sends, initially or on completion; every field may hold placeholders."""

    email_subject: str | None = None
    email_body: str | None = None
    sms_text: str | None = None
    report: str | None = None
    print_tag: str | None = None
    print_text: str | None = None


class Price(_Part):
    """A price including VAT: an exact decimal amount (a string on the wire) and an ISO
    4217 currency code."""

    amount: Decimal
    currency: str


class StepDefinition(_Part):
    step_id: uuid.UUID
    position: int
    description: str
    schedule: StepSchedule
    initial: MessageSet
    on_completion: MessageSet
    # Added after version 1 of the payload; absent means no price.
    price: Price | None = None


class ServiceLinkDefinition(_Part):
    main_product_id: uuid.UUID
    apply_to_main_product: bool
    related_product_ids: list[uuid.UUID]
    pre_code: str | None = None


class ServiceTypeChanged(Message):
    TYPE = "servicetypes.service_type.changed"

    service_type_id: uuid.UUID
    version: int
    system_name: str
    display_name: str
    enabled: bool
    approval_method: ApprovalMethod
    print_tag: str | None
    steps: list[StepDefinition]
    links: list[ServiceLinkDefinition]
    # Added after version 1 of the payload, with defaults so older events still parse.
    # Locale (``sv``, ``sv-SE``) -> display name in that language.
    display_name_translations: dict[str, str] = Field(default_factory=dict)
    # The last event of a deleted type: ``enabled`` false and no links, so a consumer that
    # does not read ``deleted`` still stops applying it (scheduling withdraws its pending
    # callouts); the steps stay for the history of callouts already sent.
    deleted: bool = False
