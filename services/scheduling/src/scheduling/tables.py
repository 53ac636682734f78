"""Scheduling's tables: projections of catalog and servicetypes, workflows and callouts."""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.db import new_metadata
from aftersales_kit.org_units import org_unit_table

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
    # How the customer may and wishes to be reached: what "send to" shows before sending.
    Column("allowed_methods", ARRAY(String(20)), nullable=False, server_default="{}"),
    Column("preferred_method", String(20), nullable=True),
    # The customer's language: a callout's message names the item in it (0008).
    Column("language", String(20), nullable=True),
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
    # Locale -> the item's name in that language (the list's "serial number name").
    Column("translations", JSONB, nullable=False, server_default="{}"),
    # The service type the item pins whatever its product (catalog's "service type").
    Column("pinned_service_type_id", UUID(as_uuid=True), nullable=True),
    # Catalog's action code: a link with a pre-code applies only to items of it (0010).
    Column("action_code", String(50), nullable=True),
    Index(
        "ix_serial_item_pinned_service_type",
        "pinned_service_type_id",
        postgresql_where="pinned_service_type_id IS NOT NULL",
    ),
)

# Catalog's org unit tree: codes for visibility, time zones for the sending windows.
org_unit = org_unit_table(metadata)

# The "communication workflow settings" scheduling owns: when an org unit's callouts may
# be sent (ISO weekdays 1-7, local start and end in the org unit's time zone).
sending_window = Table(
    "sending_window",
    metadata,
    Column("org_unit_code", String(50), primary_key=True),
    Column("weekdays", ARRAY(SmallInteger), nullable=False),
    Column("start_time", Time, nullable=False),
    Column("end_time", Time, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
)

service_type = Table(
    "service_type",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    # The whole ServiceTypeChanged payload: recomputation needs nothing else.
    Column("definition", JSONB, nullable=False),
    # Planning a version runs in committed batches of items (ordered by id): the last
    # item planned, and the version whose run finished (behind ``version``: in progress).
    Column("planned_version", Integer, nullable=True),
    Column("plan_cursor", UUID(as_uuid=True), nullable=True),
)

workflow = Table(
    "workflow",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("service_type_id", UUID(as_uuid=True), nullable=False),
    Column("serial_item_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Callouts exist up to this day; the horizon loop extends workflows that fall behind.
    Column("generated_until", Date, nullable=True, index=True),
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
    # Copied from the service type when planned, so the list filters and sorts on them
    # without reading the type's JSON; a sent callout keeps the names it was sent under.
    Column("service_type_name", String(200), nullable=True),
    Column("step_description", String(200), nullable=True),
    Column("approved_by", String(100), nullable=True),
    Column("completed_by", String(100), nullable=True),
    Column("cancelled_by", String(100), nullable=True),
    # The on-completion message: its attempt (the result's key), request and message id.
    Column("completion_attempt", Integer, nullable=False, server_default="0"),
    Column("completion_requested_at", DateTime(timezone=True), nullable=True),
    Column("completion_message_id", UUID(as_uuid=True), nullable=True),
    Column("error_at", DateTime(timezone=True), nullable=True),
    # "Update recipient": resend once the customer projection reaches this version.
    Column("resend_at_customer_version", Integer, nullable=True),
    # Since when it waits for that version, and for which action (update recipient resends,
    # update recipient and synchronize only re-reads): the wait times out (migration 0009).
    Column("customer_wait_since", DateTime(timezone=True), nullable=True),
    Column("customer_wait_action", String(40), nullable=True),
    # "Create service order": when and by whom field work was asked to open the visit, and
    # the order field work opened (its events: number, stage, and their version).
    Column("service_order_requested_at", DateTime(timezone=True), nullable=True),
    Column("service_order_requested_by", String(100), nullable=True),
    Column("service_order_id", UUID(as_uuid=True), nullable=True),
    Column("service_order_number", String(40), nullable=True),
    Column("service_order_stage", String(20), nullable=True),
    Column("service_order_version", Integer, nullable=True),
    UniqueConstraint("workflow_id", "step_id", "occurrence", name="uq_callout_occurrence"),
    # The dispatcher's query: approved, not yet requested, due.
    Index(
        "ix_callout_due",
        "due_at",
        postgresql_where="state = 'approved' AND send_requested_at IS NULL",
    ),
    Index("ix_callout_serial_item", "serial_item_id", "scheduled_for"),
    Index("ix_callout_state_scheduled", "state", "scheduled_for"),
    # The list's default order and its keyset.
    Index("ix_callout_scheduled_id", "scheduled_for", "id"),
    # A customer's callouts, and the list filtered by customer within its dates (the
    # customer-name filter reads the few matching customers' callouts through it; 0012).
    Index("ix_callout_customer_scheduled", "customer_id", "scheduled_for"),
    Index("ix_callout_org_unit", "org_unit", "scheduled_for"),
    Index(
        "ix_callout_customer_version",
        "customer_id",
        postgresql_where="resend_at_customer_version IS NOT NULL",
    ),
    Index(
        "ix_callout_customer_wait",
        "customer_wait_since",
        postgresql_where="resend_at_customer_version IS NOT NULL",
    ),
)

# Who did what to a callout, and when: every user action writes a row.
callout_action = Table(
    "callout_action",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("callout_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("from_state", String(40), nullable=False),
    Column("to_state", String(40), nullable=False),
    Column("detail", Text, nullable=True),
)

# The daily digest's record (``digest``, migration 0008): one row per org unit and local
# day once its digest is compiled, so it goes once however many replicas look.
callout_digest = Table(
    "callout_digest",
    metadata,
    # The org unit's code; "" for the callouts without an org unit.
    Column("org_unit_code", String(50), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("compiled_at", DateTime(timezone=True), nullable=False),
    Column("awaiting_approval", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
)
