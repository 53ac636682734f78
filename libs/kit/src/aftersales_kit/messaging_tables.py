"""The outbox and inbox tables that live in every service's database."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, Integer, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID

from aftersales_kit.db import new_metadata

messaging_metadata = new_metadata()

outbox_message = Table(
    "outbox_message",
    messaging_metadata,
    # A sequence, not the message id, orders the relay.
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("message_id", UUID(as_uuid=True), nullable=False, unique=True),
    Column("exchange", String(200), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("message_type", String(200), nullable=False),
    Column("body", JSONB, nullable=False),
    # W3C trace context of the transaction that wrote the row; the relay re-injects it.
    Column("headers", JSONB, nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
)

inbox_message = Table(
    "inbox_message",
    messaging_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("message_id", UUID(as_uuid=True), primary_key=True),
    Column("message_type", String(200), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
