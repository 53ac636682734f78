"""Scheduling's tables: projections of catalog and servicetypes, workflows and callouts."""

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.db import new_metadata

metadata = new_metadata()

customer = Table(
    "customer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("customer_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("emails", ARRAY(String(320)), nullable=False),
    Column("mobiles", ARRAY(String(20)), nullable=False),
)

serial_item = Table(
    "serial_item",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("serial_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("product_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("product_number", String(100), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("owner_customer_id", UUID(as_uuid=True), nullable=False),
    Column("org_unit", String(50), nullable=True),
    Column("startup_date", Date, nullable=True),
    Column("status", String(20), nullable=False, server_default="active"),
)

service_type = Table(
    "service_type",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    # The whole ServiceTypeChanged payload: recomputation needs nothing else.
    Column("definition", JSONB, nullable=False),
)

workflow = Table(
    "workflow",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("service_type_id", UUID(as_uuid=True), nullable=False),
    Column("serial_item_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("service_type_id", "serial_item_id", name="uq_workflow_type_item"),
)

callout = Table(
    "callout",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("workflow_id", UUID(as_uuid=True), nullable=False),
    Column("service_type_id", UUID(as_uuid=True), nullable=False),
    Column("serial_item_id", UUID(as_uuid=True), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=False),
    Column("step_id", UUID(as_uuid=True), nullable=False),
    Column("occurrence", Integer, nullable=False),
    Column("org_unit", String(50), nullable=True),
    Column("scheduled_for", Date, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("state", String(40), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("send_requested_at", DateTime(timezone=True), nullable=True),
    Column("send_attempt", Integer, nullable=False, server_default="0"),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    Column("message_id", UUID(as_uuid=True), nullable=True),
    Column("send_to", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("trace_id", String(32), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("workflow_id", "step_id", "occurrence", name="uq_callout_occurrence"),
    # The dispatcher's query: approved, not yet requested, due.
    Index(
        "ix_callout_due",
        "due_at",
        postgresql_where="state = 'approved' AND send_requested_at IS NULL",
    ),
    Index("ix_callout_serial_item", "serial_item_id", "scheduled_for"),
    Index("ix_callout_state_scheduled", "state", "scheduled_for"),
)
