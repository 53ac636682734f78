"""The send contract of notifications, open to any system, and the results it reports.

``SendMessage`` arrives as a command (RabbitMQ) or over HTTP; ``SendMessages`` carries a
requester's batch of them in one command. The same idempotency key never sends twice.
Results are events carrying the requester's name and reference, so each requester picks
out its own.
"""

from __future__ import annotations

import enum
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from aftersales_contracts.envelope import Message, MessageKind


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    # Added in v1: a report put in the print queue for a customer whose method is letter
    # (``MessageSent`` once the office marks it printed).
    LETTER = "letter"


class ChannelChoice(enum.StrEnum):
    """``auto`` lets the recipient's allowed and preferred methods decide."""

    AUTO = "auto"
    EMAIL = "email"
    SMS = "sms"


class BlockReason(enum.StrEnum):
    ALLOWED_METHODS = "blocked_by_allowed_methods"
    PREFERRED_NOT_POSSIBLE = "preferred_communication_not_possible"
    SMS_SETUP_MISSING = "sms_setup_missing"
    EMAIL_SETTINGS_MISSING = "email_settings_missing"
    NOTHING_TO_SEND = "nothing_to_send"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# A mobile number in E.164: "+", the country code, the subscriber number, no leading 0,
# at most 15 digits in all.
E164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]


class Recipient(_Part):
    customer_id: uuid.UUID | None = None
    emails: list[EmailStr] = Field(default_factory=list)
    # Explicit mobile numbers for SMS (E.164), used when no customer_id is given.
    mobiles: list[E164] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone(self) -> Recipient:
        if self.customer_id is None and not self.emails and not self.mobiles:
            raise ValueError(
                "a recipient needs a customer_id, an e-mail address or a mobile number"
            )
        return self


class InlineContent(_Part):
    email_subject: str | None = Field(default=None, max_length=998)
    email_body: str | None = None
    sms_text: str | None = None


class TemplateRef(_Part):
    """A saved template of notifications: by ``id``, by ``name``, or the booking
    confirmation of an ``order_kind``; exactly one of them."""

    id: uuid.UUID | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    order_kind: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one(self) -> TemplateRef:
        given = [f for f in ("id", "name", "order_kind") if getattr(self, f) is not None]
        if len(given) != 1:
            raise ValueError("a template reference names exactly one of id, name, order_kind")
        return self


class Attachment(_Part):
    """A file sent with an e-mail; notifications checks the size and the base64."""

    file_name: str = Field(min_length=1, max_length=255)
    media_type: str = Field(
        default="application/octet-stream",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$",
        max_length=255,
    )
    content_base64: str


class ReportRequest(_Part):
    """A PDF rendered from text with placeholders (inline, or the template's report
    text); attached to the e-mail, or only stored for printing when ``attach`` is false.
    ``file_name`` is a pattern with placeholders, made safe for file systems."""

    title: str | None = Field(default=None, max_length=300)
    text: str | None = None
    file_name: str | None = Field(default=None, max_length=300)
    attach: bool = True
    # Added in v1 without breaking it: the print queue the report goes to when the
    # customer's method is letter (seed 000's print tag); none: the untagged queue.
    print_tag: str | None = Field(default=None, min_length=1, max_length=100)


class UserLink(_Part):
    """A link to the business object for recipients who are users of the system (seed
    004: users get a direct link to the order, others the PDF). When every e-mail address
    of the recipient belongs to an active user account notifications knows, the e-mail
    carries this link instead of the attachments (a report too); otherwise the
    attachments go and the link is not added. A requester wanting each person treated
    on their own sends one message per address."""

    url: str = Field(pattern=r"^https?://[^\s<>\"']+$", max_length=2000)
    text: str = Field(min_length=1, max_length=200)


class BusinessObject(_Part):
    """The thing a message concerns, e.g. ``scheduling.callout`` and its id."""

    kind: str = Field(min_length=1, max_length=100)
    id: str = Field(min_length=1, max_length=200)
    version: int | None = None


class SendMessage(Message):
    TYPE = "notifications.send_message"
    KIND = MessageKind.COMMAND

    idempotency_key: str = Field(min_length=1, max_length=200)
    requester: str = Field(min_length=1, max_length=100)
    requester_reference: str = Field(min_length=1, max_length=200)
    recipient: Recipient
    channel: ChannelChoice = ChannelChoice.AUTO
    # Inline parts win over the template's, for this one message only.
    content: InlineContent = Field(default_factory=InlineContent)
    values: dict[str, str] = Field(default_factory=dict)
    business_object: BusinessObject | None = None
    # Added in v1 without breaking it: all optional.
    template: TemplateRef | None = None
    # Whose sending settings (SMTP server, from address, logo, footer) apply.
    org_unit_id: uuid.UUID | None = None
    # For localized words in templates (e.g. a missing customer order number).
    language: str | None = Field(default=None, min_length=2, max_length=10)
    attachments: list[Attachment] = Field(default_factory=list)
    report: ReportRequest | None = None
    # The user on whose behalf the requester asks, for the sent log's "by whom"; without
    # it the sent log names the requesting system. Over HTTP the gateway's
    # X-Aftersales-User header takes precedence.
    requested_by: str | None = Field(default=None, min_length=1, max_length=200)
    # Added in v1 without breaking it: a link instead of the attachments for recipients
    # who are users (``UserLink``).
    user_link: UserLink | None = None


# The most requests one ``SendMessages`` carries.
MAX_SET_SIZE = 500


class SendMessages(Message):
    """Send requests made together — a requester's batch (the callouts a dispatch pass
    found due): one command for many, each exactly the ``SendMessage`` it would send
    alone, and handled as that one would be (its own idempotency key, message, quota and
    result event). Only the command is shared: its trace and, on the broker, its fate (a
    set that cannot be read is dead-lettered whole)."""

    TYPE = "notifications.send_messages"
    KIND = MessageKind.COMMAND

    messages: list[SendMessage] = Field(min_length=1, max_length=MAX_SET_SIZE)


class _Result(Message):
    message_id: uuid.UUID
    idempotency_key: str
    requester: str
    requester_reference: str
    business_object: BusinessObject | None


class MessageSent(_Result):
    TYPE = "notifications.message.sent"

    channel: Channel
    sent_to: list[str]


class MessageFailed(_Result):
    TYPE = "notifications.message.failed"

    channel: Channel | None
    reason: str
    trace_id: str | None = None


class MessageBlocked(_Result):
    TYPE = "notifications.message.blocked"

    reason: BlockReason
    detail: str
    # Added in v1 without breaking it: the trace of the work that decided the block, so
    # a requester can offer "show error" with the trace to follow.
    trace_id: str | None = None


class DeliverEmail(Message):
    """Internal to notifications: hands a rendered e-mail to the e-mail sender workers."""

    TYPE = "notifications.deliver_email"
    KIND = MessageKind.COMMAND

    message_id: uuid.UUID


class DeliverSms(Message):
    """Internal to notifications: hands a rendered SMS to the SMS sender workers."""

    TYPE = "notifications.deliver_sms"
    KIND = MessageKind.COMMAND

    message_id: uuid.UUID
