"""Customer projection, messages; outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from aftersales_kit.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "customer",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("emails", ARRAY(sa.String(320)), nullable=False),
        sa.Column("mobiles", ARRAY(sa.String(20)), nullable=False),
        sa.Column("allowed_methods", ARRAY(sa.String(20)), nullable=False),
        sa.Column("preferred_method", sa.String(20), nullable=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "message",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("requester", sa.String(100), nullable=False),
        sa.Column("requester_reference", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=True),
        sa.Column("business_object_kind", sa.String(100), nullable=True),
        sa.Column("business_object_id", sa.String(200), nullable=True),
        sa.Column("business_object_version", sa.Integer, nullable=True),
        sa.Column("channel_choice", sa.String(10), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=True),
        sa.Column("requested_emails", ARRAY(sa.String(320)), nullable=False),
        sa.Column("channel", sa.String(10), nullable=True),
        sa.Column("recipients", ARRAY(sa.String(320)), nullable=False),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("body_html", sa.Text, nullable=True),
        sa.Column("body_text", sa.Text, nullable=True),
        sa.Column("sms_text", sa.Text, nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("trace_id", sa.String(32), nullable=True),
        sa.Column("sent_to", ARRAY(sa.String(320)), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("requester", "idempotency_key", name="uq_message_requester_key"),
    )
    op.create_index(
        "ix_message_business_object",
        "message",
        ["business_object_kind", "business_object_id", sa.text("created_at DESC")],
    )
    op.create_index(
        "ix_message_awaiting_customer",
        "message",
        ["customer_id"],
        postgresql_where=sa.text("status = 'awaiting_recipient'"),
    )


def downgrade() -> None:
    op.drop_table("message")
    op.drop_table("customer")
    drop_messaging_tables(op)
