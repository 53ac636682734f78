"""Notifications' tables, on one metadata (the Alembic history's): the projections of
catalog's customers and org units, the messages, templates, org units' sending settings,
attachments and notification preferences."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from aftersales_kit.db import new_metadata

metadata = new_metadata()

# A projection of catalog's customer register, fed by ``CustomerRegistered``.
customer = Table(
    "customer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("emails", ARRAY(String(320)), nullable=False),
    Column("mobiles", ARRAY(String(20)), nullable=False),
    Column("allowed_methods", ARRAY(String(20)), nullable=False),
    Column("preferred_method", String(20), nullable=True),
    Column("language", String(10), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# A projection of catalog's org units (``OrgUnitChanged``): codes and the tree, so that
# the org unit codes the gateway names for a caller become the ids messages and sending
# settings carry (``notifications.visibility``).
org_unit = Table(
    "org_unit",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("code", String(100), nullable=False),
    Column("parent_id", UUID(as_uuid=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_org_unit_code", "code"),
    Index("ix_org_unit_parent", "parent_id"),
)

message = Table(
    "message",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("requester", String(100), nullable=False),
    Column("requester_reference", String(200), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("requested_by", String(200), nullable=True),
    Column("business_object_kind", String(100), nullable=True),
    Column("business_object_id", String(200), nullable=True),
    Column("business_object_version", Integer, nullable=True),
    # What the requester asked for ...
    Column("channel_choice", String(10), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=True),
    Column("requested_emails", ARRAY(String(320)), nullable=False),
    Column("requested_mobiles", ARRAY(String(20)), nullable=False, server_default="{}"),
    # ... and what it became.
    Column("channel", String(10), nullable=True),
    Column("recipients", ARRAY(String(320)), nullable=False),
    Column("subject", Text, nullable=True),
    Column("body_html", Text, nullable=True),
    Column("body_text", Text, nullable=True),
    Column("sms_text", Text, nullable=True),
    # The SMS text's encoding (``gsm-7``, ``ucs-2``; migration 0006) and how many SMS it
    # takes (what the provider bills).
    Column("sms_encoding", String(10), nullable=True),
    Column("sms_segments", Integer, nullable=True),
    Column("status", String(30), nullable=False),
    Column("reason", Text, nullable=True),
    Column("detail", Text, nullable=True),
    Column("trace_id", String(32), nullable=True),
    Column("sent_to", ARRAY(String(320)), nullable=True),
    # The SMS provider's ids, one per number in ``sent_to``.
    Column("provider_message_ids", ARRAY(String(200)), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    # Whose sending settings apply, which template it came from, its language (0003).
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("template_id", UUID(as_uuid=True), nullable=True),
    Column("language", String(10), nullable=True),
    # The print queue its report goes to when the customer's method is letter (0012).
    Column("print_tag", String(100), nullable=True),
    UniqueConstraint("requester", "idempotency_key", name="uq_message_requester_key"),
    # The sent log of one business object, newest first, with the id as the keyset's
    # tie-breaker (migration 0004 replaced ix_message_business_object with it).
    Index(
        "ix_message_sent_log",
        "business_object_kind",
        "business_object_id",
        text("created_at DESC"),
        text("id DESC"),
    ),
    # Messages by status, newest first (``GET /messages?status=unconfirmed``; 0007).
    Index("ix_message_status", "status", text("created_at DESC"), text("id DESC")),
    # Messages waiting for their customer to become known; small, so partial.
    Index(
        "ix_message_awaiting_customer",
        "customer_id",
        postgresql_where=text("status = 'awaiting_recipient'"),
    ),
)

# Each hand-over of a message to SMTP or the SMS provider, recorded and committed before
# it happens (``notifications.delivery.attempts``, migration 0007): an attempt with no
# outcome that a later delivery finds means "maybe sent". No foreign key to ``message``:
# it is written on a second connection while the delivery holds the message row, and
# the key's check would wait for that lock.
delivery_attempt = Table(
    "delivery_attempt",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("message_id", UUID(as_uuid=True), nullable=False),
    Column("number", Integer, nullable=False),
    Column("channel", String(10), nullable=False),
    Column("recipients", ARRAY(String(320)), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    # ``AttemptPhase``: the code writes ``preparing`` when it begins; the default is for
    # rows from before 0008 (and a sender of older code), which may have handed it over.
    Column("phase", String(20), nullable=False, server_default="handing_over"),
    # Phase ``answered`` (migration 0014): the server's answer, ``sent`` or ``failed``, the
    # recipients it accepted and, for SMS, the provider's message ids, committed before
    # the message's outcome is.
    Column("answer", String(20), nullable=True),
    Column("accepted", ARRAY(String(320)), nullable=True),
    Column("provider_ids", ARRAY(String(200)), nullable=True),
    # None while it runs (or when its sender died in it); then ``AttemptOutcome``.
    Column("outcome", String(20), nullable=True),
    Column("detail", Text, nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    # An operator's choice for an unconfirmed attempt: ``resend`` or ``confirmed_sent``.
    Column("resolved_by", String(200), nullable=True),
    Column("resolution", String(20), nullable=True),
    UniqueConstraint("message_id", "number", name="uq_delivery_attempt_message_id"),
    Index("ix_delivery_attempt_open", "message_id", postgresql_where=text("outcome IS NULL")),
)

# Reusable templates (``notifications.templates``): "e-mail with template", booking
# confirmations per order kind, callout texts. Bodies are stored sanitized.
message_template = Table(
    "message_template",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("order_kind", String(100), nullable=True),
    Column("email_subject", Text, nullable=True),
    Column("email_body", Text, nullable=True),
    Column("sms_text", Text, nullable=True),
    Column("report_title", Text, nullable=True),
    Column("report_text", Text, nullable=True),
    Column("report_file_name", String(300), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", name="uq_message_template_name"),
    Index(
        "uq_message_template_booking_order_kind",
        "order_kind",
        unique=True,
        postgresql_where=text("kind = 'booking_confirmation'"),
    ),
)

# An org unit's own sending settings (``notifications.org_settings``); the SMTP
# password only encrypted (Fernet), never returned.
org_unit_settings = Table(
    "org_unit_settings",
    metadata,
    Column("org_unit_id", UUID(as_uuid=True), primary_key=True),
    Column("smtp_host", String(255), nullable=True),
    Column("smtp_port", Integer, nullable=True),
    Column("smtp_use_tls", Boolean, nullable=False, server_default=text("false")),
    Column("smtp_username", String(320), nullable=True),
    Column("smtp_password_encrypted", Text, nullable=True),
    Column("from_address", String(320), nullable=True),
    Column("logo_url", String(2000), nullable=True),
    Column("footer", Text, nullable=True),
    # The SMS sender name for the org unit's messages (migration 0011); none: the
    # installation's NOTIFICATIONS_SMS_SENDER_NAME.
    Column("sms_sender_name", String(11), nullable=True),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# A message's attachments and its report (PDF); a report for printing only has no
# message (``POST /reports``) or is not attached (``attach`` false).
attachment = Table(
    "attachment",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("message_id", UUID(as_uuid=True), ForeignKey("message.id", ondelete="CASCADE")),
    Column("position", Integer, nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("media_type", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("is_report", Boolean, nullable=False),
    Column("attach", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_attachment_message", "message_id", "position"),
)

# One row per user (the gateway's username) who saved preferences.
notification_preference = Table(
    "notification_preference",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("events", ARRAY(String(40)), nullable=False),
    # One switch per channel: the user sets it, and an admin may too.
    Column("email_enabled", Boolean, nullable=False),
    Column("sms_enabled", Boolean, nullable=False),
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    # The ETag: every change, the user's or an admin's, raises it.
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Who last switched a channel on the user's behalf (an admin), and when.
    Column("channels_changed_by", String(100), nullable=True),
    Column("channels_changed_at", DateTime(timezone=True), nullable=True),
    # "Who chose this event" (``events @> ARRAY[...]``) without a scan.
    Index("ix_notification_preference_events", "events", postgresql_using="gin"),
)

# Send quotas (``sending.quotas``): what each requester had queued per channel on one UTC
# day. One upsert per accepted request; every replica counts in the same row.
send_quota = Table(
    "send_quota",
    metadata,
    Column("requester", String(100), primary_key=True),
    Column("channel", String(10), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("messages", Integer, nullable=False),
    Column("sms_segments", Integer, nullable=False),
)

# The gateway's user accounts as it pushes them (``user_accounts``): the addresses users are
# told at (their own preferences may name others), and the roles and org units that say
# which orders they may hear of. Newest ``version`` wins (the gateway's account version).
user_account = Table(
    "user_account",
    metadata,
    Column("username", String(150), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    Column("roles", ARRAY(String(50)), nullable=False),
    # Org unit codes; empty: every org unit (as at the gateway).
    Column("org_units", ARRAY(String(50)), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The print queue (``print_queue``, migration 0012): a letter customer's report, per
# print tag ("" for none), until the office marks it printed.
print_job = Table(
    "print_job",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "message_id",
        UUID(as_uuid=True),
        ForeignKey("message.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "attachment_id",
        UUID(as_uuid=True),
        ForeignKey("attachment.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("print_tag", String(100), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("customer_id", UUID(as_uuid=True), nullable=True),
    Column("file_name", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("printed_at", DateTime(timezone=True), nullable=True),
    Column("printed_by", String(200), nullable=True),
    Index("uq_print_job_message", "message_id", unique=True),
    Index("ix_print_job_queue", "print_tag", "printed_at", "created_at", "id"),
)
