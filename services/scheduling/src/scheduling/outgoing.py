"""The send requests scheduling hands to notifications: a callout's step message with the
values its placeholders name. Pure."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Protocol

from aftersales_contracts.notifications import (
    BusinessObject,
    ChannelChoice,
    InlineContent,
    Recipient,
    SendMessage,
)
from aftersales_contracts.servicetypes import ServiceTypeChanged
from scheduling import domain
from scheduling.domain import Purpose

REQUESTER = "scheduling"
BUSINESS_OBJECT_KIND = "scheduling.callout"


class CalloutToSend(Protocol):
    """A callout joined with its item, customer and type (``sending.send_query``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def customer_id(self) -> uuid.UUID: ...
    @property
    def step_id(self) -> uuid.UUID: ...
    @property
    def scheduled_for(self) -> date: ...
    @property
    def org_unit(self) -> str | None: ...
    @property
    def definition(self) -> dict[str, Any]: ...
    @property
    def customer_name(self) -> str | None: ...
    @property
    def customer_number(self) -> str | None: ...
    @property
    def serial_number(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def product_name(self) -> str: ...
    @property
    def product_number(self) -> str: ...


def send_message(callout: CalloutToSend, purpose: Purpose, attempt: int) -> SendMessage:
    """The request to send the step's initial or on-completion message, for one attempt
    (the idempotency key carries it, so a result of an older attempt is recognised)."""
    service_type = ServiceTypeChanged.model_validate(callout.definition)
    step = next(s for s in service_type.steps if s.step_id == callout.step_id)
    messages = step.initial if purpose is Purpose.INITIAL else step.on_completion
    return SendMessage(
        idempotency_key=domain.idempotency_key(callout.id, purpose, attempt),
        requester=REQUESTER,
        requester_reference=str(callout.id),
        recipient=Recipient(customer_id=callout.customer_id),
        channel=ChannelChoice.AUTO,
        content=InlineContent(
            email_subject=messages.email_subject,
            email_body=messages.email_body,
            sms_text=messages.sms_text,
        ),
        values={
            "customer_name": callout.customer_name or "",
            "customer_number": callout.customer_number or "",
            "serial_number": callout.serial_number,
            "serial_item_name": callout.name,
            "product_name": callout.product_name,
            "product_number": callout.product_number,
            "scheduled_date": callout.scheduled_for.isoformat(),
            "step_description": step.description,
            "service_type_name": service_type.display_name,
            "org_unit": callout.org_unit or "",
        },
        business_object=BusinessObject(
            kind=BUSINESS_OBJECT_KIND, id=str(callout.id), version=attempt
        ),
    )


def has_completion_message(service_type: ServiceTypeChanged, step_id: uuid.UUID) -> bool:
    """Whether the step has an on-completion message to send (a missing step has none)."""
    step = next((s for s in service_type.steps if s.step_id == step_id), None)
    if step is None:
        return False
    m = step.on_completion
    return any((m.email_subject, m.email_body, m.sms_text))
