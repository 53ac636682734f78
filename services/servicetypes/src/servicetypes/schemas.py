"""The HTTP shapes of servicetypes' API.

Steps and links use the contract models (``StepSchedule``, ``MessageSet``,
``StepDefinition``, ``ServiceLinkDefinition``), so the API and the event carry one
shape. Input models only forbid unknown fields (a typo is an error, not silently
dropped) and add what a client needs before ids exist: ``anchor_step_position``.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aftersales_contracts.servicetypes import (
    ApprovalMethod,
    MessageSet,
    Price,
    ServiceLinkDefinition,
    StepDefinition,
    StepSchedule,
)
from aftersales_contracts.sms import SmsEncoding
from servicetypes.domain import StepDraft

_FORBID = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StepScheduleIn(StepSchedule):
    model_config = _FORBID

    # The 0-based index, in this request's ``steps``, of the step an "after step" schedule
    # counts from; an alternative to ``anchor_step_id`` before the steps have ids.
    anchor_step_position: int | None = None


class MessageSetIn(MessageSet):
    model_config = _FORBID


class PriceIn(_In):
    """Incl. VAT. Send the amount as a string ("1250.00") to keep it exact; a JSON number
    is read through its decimal text. The domain checks the currency and its decimals."""

    amount: Decimal = Field(allow_inf_nan=False)
    currency: str = Field(min_length=1, max_length=3)


class StepIn(_In):
    # Only on an update: the id of an existing step of this type, to keep its identity
    # (scheduling's callouts refer to it). Left out, the step is new and gets an id.
    step_id: uuid.UUID | None = None
    # Optional, so that a definition read with GET can be sent back; the order of
    # ``steps`` is what counts, and a position given must equal the step's index.
    position: int | None = None
    description: str = Field(min_length=1, max_length=200)
    schedule: StepScheduleIn
    initial: MessageSetIn = MessageSetIn()
    on_completion: MessageSetIn = MessageSetIn()
    price: PriceIn | None = None

    def draft(self) -> StepDraft:
        return StepDraft(
            description=self.description,
            schedule=StepSchedule.model_validate(
                self.schedule.model_dump(exclude={"anchor_step_position"})
            ),
            initial=MessageSet.model_validate(self.initial.model_dump()),
            on_completion=MessageSet.model_validate(self.on_completion.model_dump()),
            step_id=self.step_id,
            position=self.position,
            anchor_step_position=self.schedule.anchor_step_position,
            price=Price(amount=self.price.amount, currency=self.price.currency)
            if self.price
            else None,
        )


class ServiceLinkIn(ServiceLinkDefinition):
    model_config = _FORBID

    apply_to_main_product: bool = True
    related_product_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    pre_code: str | None = Field(default=None, min_length=1, max_length=50)

    def definition(self) -> ServiceLinkDefinition:
        return ServiceLinkDefinition.model_validate(self.model_dump())


class ServiceTypeIn(_In):
    display_name: str = Field(min_length=1, max_length=200)
    # Locale -> display name; the domain checks the locales and texts.
    display_name_translations: dict[str, str] = Field(default_factory=dict)
    # Checked by the domain (an identifier), so the message says what is wrong.
    system_name: str = Field(min_length=1, max_length=100)
    enabled: bool = True
    approval_method: ApprovalMethod = ApprovalMethod.MANUAL
    print_tag: str | None = Field(default=None, max_length=100)
    steps: list[StepIn] = Field(default_factory=list, max_length=50)
    links: list[ServiceLinkIn] = Field(default_factory=list, max_length=100)


class SmsLengthOut(BaseModel):
    """One SMS text of a step: its fixed text's encoding, length (GSM-7 septets or UCS-2
    code units) and segments; each placeholder adds its value when rendered."""

    field: str
    encoding: SmsEncoding
    characters: int
    segments: int
    remaining: int
    placeholders: list[str]


class ServiceTypeUpdate(ServiceTypeIn):
    """The body of an update: a GET answer may be sent back as it is, ``id`` and all."""

    id: uuid.UUID | None = None
    # The version being replaced, when the client does not send ``If-Match``.
    version: int | None = Field(default=None, ge=1)
    # Computed by the service (see ``ServiceTypeOut.sms``); accepted and ignored.
    sms: list[SmsLengthOut] | None = None


class ServiceTypeOut(BaseModel):
    id: uuid.UUID
    version: int
    system_name: str
    display_name: str
    display_name_translations: dict[str, str] = Field(default_factory=dict)
    enabled: bool
    approval_method: ApprovalMethod
    print_tag: str | None
    steps: list[StepDefinition]
    links: list[ServiceLinkDefinition]
    sms: list[SmsLengthOut] = Field(default_factory=list)


class ServiceTypeList(BaseModel):
    items: list[ServiceTypeOut]


class PlaceholderOut(BaseModel):
    name: str
    description: str


class PlaceholderList(BaseModel):
    syntax: str = "{{ name }}"
    fields: list[str]
    items: list[PlaceholderOut]


class ServiceTypeDeleted(BaseModel):
    id: uuid.UUID
    system_name: str
    # The version of the deletion event (the last version plus one).
    version: int
    pending_callouts: str = "cancelled"
    detail: str


class PreviewIn(_In):
    """A draft service type (the body of a create) and the startup to preview it from.

    The startup is the item's startup date in its org unit's zone (``startup_date``), or
    an instant (``startup_at``) with the org unit's ``time_zone``.
    """

    service_type: ServiceTypeIn
    startup_date: date | None = None
    startup_at: AwareDatetime | None = None
    time_zone: str | None = Field(default=None, max_length=64)
    # The last date to compute; by default five years after the startup.
    until: date | None = None


class PreviewOccurrence(BaseModel):
    on: date
    step_id: uuid.UUID
    position: int
    description: str
    # 0 for the step's first date, 1 for its first repeat, ...
    index: int


class PreviewStep(BaseModel):
    step_id: uuid.UUID
    position: int
    description: str
    dates: list[date]


class PreviewOut(BaseModel):
    # The saved type and version previewed; null for a draft.
    service_type_id: uuid.UUID | None
    version: int | None
    startup_date: date
    until: date
    occurrences: list[PreviewOccurrence]
    steps: list[PreviewStep]
    # True when the list stops at the cap before ``until``.
    truncated: bool
    sms: list[SmsLengthOut]
