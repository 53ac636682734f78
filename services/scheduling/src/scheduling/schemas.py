"""The HTTP shapes of scheduling's API."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict, Field

from scheduling.domain import CalloutState


class CalloutOut(BaseModel):
    id: uuid.UUID
    service_type_id: uuid.UUID
    service_type_name: str | None
    serial_item_id: uuid.UUID
    serial_number: str | None
    # Localized with ?lang= (the item's translation, else its default name).
    serial_item_name: str | None
    customer_id: uuid.UUID
    customer_number: str | None
    customer_name: str | None
    step_id: uuid.UUID
    step_description: str | None
    occurrence: int
    org_unit: str | None
    scheduled_for: date
    due_at: datetime
    state: CalloutState
    approved_at: datetime | None
    approved_by: str | None
    send_requested_at: datetime | None
    sent_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    # Where it was sent (sent, completed); until then where it would go now, by the rule
    # notifications sends by (``aftersales_contracts.channels``): every address or number.
    send_to: str | None
    # The message notifications rendered and sent: GET /messages/{message_id}.
    message_id: uuid.UUID | None
    completion_message_id: uuid.UUID | None
    error: str | None
    trace_id: str | None
    error_at: datetime | None
    # "Update recipient" (or "... and synchronize", the action in customer_wait_action)
    # waits for this customer version since customer_wait_since, until it arrives or the
    # wait times out (SCHEDULING_RECIPIENT_UPDATE_TIMEOUT_HOURS).
    resend_at_customer_version: int | None
    customer_wait_since: datetime | None = None
    customer_wait_action: str | None = None
    # "Create service order": when it was asked for and by whom, then the order field work
    # opened (number, stage: new, planned, completed or cancelled).
    service_order_requested_at: datetime | None
    service_order_requested_by: str | None
    service_order_id: uuid.UUID | None
    service_order_number: str | None
    service_order_stage: str | None
    created_at: datetime


class ColumnOut(BaseModel):
    key: str
    label: str
    hidden_by_default: bool
    sortable: bool
    filter: str | None


class Selection(BaseModel):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


class UpdateRecipient(BaseModel):
    """Sent after the new contact data was saved in catalog (``PATCH /customers/{id}``):
    the version catalog answered with; the action ("update recipient": resend; "update
    recipient and synchronize": re-read the recipient) is done once scheduling's copy of
    the customer has reached it, or gives up after the configured hours. Without it the
    action is done at once."""

    customer_version: int | None = Field(default=None, ge=1)


class RowResult(BaseModel):
    id: uuid.UUID
    state: CalloutState | None
    reason: str | None = None


class SelectionResult(BaseModel):
    acted: list[RowResult]
    skipped: list[RowResult]


class ApproveAllResult(BaseModel):
    approved: int


class MessageLink(BaseModel):
    purpose: str
    message_id: uuid.UUID
    href: str


class MessageOut(BaseModel):
    callout_id: uuid.UUID
    messages: list[MessageLink]
    warning: str | None


class SettingRow(BaseModel):
    field: str
    initial: str | None
    on_completion: str | None


class SettingsOut(BaseModel):
    callout_id: uuid.UUID
    step_description: str
    fields: list[SettingRow]
    initial: dict[str, str | None]
    on_completion: dict[str, str | None]


class ErrorOut(BaseModel):
    callout_id: uuid.UUID
    state: CalloutState
    reason: str | None
    trace_id: str | None
    occurred_at: datetime | None


class ActionOut(BaseModel):
    action: str
    actor: str
    at: datetime
    from_state: CalloutState
    to_state: CalloutState
    detail: str | None


class RecalculationOut(BaseModel):
    serial_item_id: uuid.UUID
    workflows: int
    # The callouts it changed (each also in its history as "recalculate").
    created: int
    moved: int
    updated: int
    withdrawn: int


class Weekday(enum.StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def iso(self) -> int:
        return list(Weekday).index(self) + 1

    @classmethod
    def from_iso(cls, number: int) -> Weekday:
        return list(cls)[number - 1]


class SendingWindowIn(BaseModel):
    """An org unit's weekly sending window, local times in the org unit's time zone."""

    model_config = ConfigDict(extra="forbid")

    weekdays: list[Weekday] = Field(min_length=1, max_length=7)
    start: time
    end: time


class SendingWindowOut(BaseModel):
    org_unit_code: str
    time_zone: str
    weekdays: list[Weekday]
    start: time
    end: time
    # False: the org unit has no window of its own and uses the service-wide default.
    configured: bool
    updated_at: datetime | None
    updated_by: str | None
    # When callouts of this org unit may next be sent (now, when the window is open).
    next_opening: datetime | None


class PlanningRunOut(BaseModel):
    """A service type version being planned for its items, committed batch by batch."""

    service_type_id: uuid.UUID
    display_name: str
    version: int
    planned_version: int | None = Field(description="the last version planned for every item")
    items_planned: int
    items_total: int = Field(description="items the type links or that pin it")
