"""The send requests scheduling hands to notifications: a callout's step message with the
values its placeholders name. Pure."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol

from aftersales_contracts.notifications import (
    BusinessObject,
    ChannelChoice,
    InlineContent,
    Recipient,
    ReportRequest,
    SendMessage,
)
from aftersales_contracts.servicetypes import MessageSet, ServiceTypeChanged
from scheduling import domain
from scheduling.domain import Purpose

REQUESTER = "scheduling"
BUSINESS_OBJECT_KIND = "scheduling.callout"


class CalloutToSend(Protocol):
    """A callout joined with its item and customer (``dispatch.send_query``)."""

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
    @property
    def translations(self) -> dict[str, str]: ...
    @property
    def customer_language(self) -> str | None: ...
    @property
    def org_unit_id(self) -> uuid.UUID | None: ...
    @property
    def approved_by(self) -> str | None: ...
    @property
    def completed_by(self) -> str | None: ...


# A report without a print text of its own still says what it is about.
DEFAULT_REPORT_TEXT = (
    "{{ step_description }}\n{{ serial_item_name }} ({{ serial_number }})\n{{ scheduled_date }}"
)
REPORT_FILE_NAME = "{{ service_type_name }} {{ serial_number }}"


def report_request(
    messages: MessageSet, service_type: ServiceTypeChanged, step_description: str
) -> ReportRequest | None:
    """The step's report (seed 000: "Report", "Print tag", "Print text"), rendered by
    notifications as a PDF: attached to the e-mail, or put in the print tag's print queue
    for a customer whose method is letter. None when the step names no report and has no
    print text. The step's print tag wins over the type's."""
    if not (messages.report or messages.print_text):
        return None
    return ReportRequest(
        title=messages.report or step_description,
        text=messages.print_text or DEFAULT_REPORT_TEXT,
        file_name=REPORT_FILE_NAME,
        print_tag=(messages.print_tag or service_type.print_tag or None),
    )


def _language(value: str | None) -> str | None:
    # What notifications takes (2-10 characters); anything else: its own default.
    return value if value is not None and 2 <= len(value) <= 10 else None


def send_message(
    callout: CalloutToSend, service_type: ServiceTypeChanged, purpose: Purpose, attempt: int
) -> SendMessage:
    """The request to send the step's initial or on-completion message (of the callout's
    ``service_type``), for one attempt (the idempotency key carries it, so a result of an
    older attempt is recognised)."""
    step = next(s for s in service_type.steps if s.step_id == callout.step_id)
    messages = step.initial if purpose is Purpose.INITIAL else step.on_completion
    # Who asked: the approving or "send now" user, the completing one for the
    # on-completion message; None when the system did (automatic approval).
    requested_by = callout.approved_by if purpose is Purpose.INITIAL else callout.completed_by
    language = callout.customer_language
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
            "serial_item_name": domain.localized(callout.name, callout.translations, language),
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
        # The org unit's own SMTP server, from address, logo and footer apply.
        org_unit_id=callout.org_unit_id,
        requested_by=requested_by or None,
        language=_language(language),
        report=report_request(messages, service_type, step.description),
    )


def has_completion_message(service_type: ServiceTypeChanged, step_id: uuid.UUID) -> bool:
    """Whether the step has an on-completion message to send (a missing step has none)."""
    step = next((s for s in service_type.steps if s.step_id == step_id), None)
    if step is None:
        return False
    m = step.on_completion
    return any((m.email_subject, m.email_body, m.sms_text))
