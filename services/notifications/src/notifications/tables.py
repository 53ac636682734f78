"""Notifications' tables: the customer projection and the messages (the sent log)."""

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
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
    # The SMS text's encoding and how many SMS it takes (what the provider bills).
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
    UniqueConstraint("requester", "idempotency_key", name="uq_message_requester_key"),
    # The sent log of one business object, newest first.
    Index(
        "ix_message_business_object",
        "business_object_kind",
        "business_object_id",
        text("created_at DESC"),
    ),
    # Messages waiting for their customer to become known; small, so partial.
    Index(
        "ix_message_awaiting_customer",
        "customer_id",
        postgresql_where=text("status = 'awaiting_recipient'"),
    ),
)
