"""Delivery attempts: each hand-over to SMTP or the SMS provider is recorded (committed)
before it happens, so a redelivered or re-driven delivery tells "maybe sent" from "not
sent"; messages can be ``unconfirmed``; a list of messages by status.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_attempt",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        # No foreign key on purpose: the attempt is written on a second connection while
        # the delivery's own transaction holds the message row, and a foreign key check
        # would wait for that lock (the delivery waiting on itself).
        sa.Column("message_id", UUID(as_uuid=True), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipients", ARRAY(sa.String(320)), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolution", sa.String(20), nullable=True),
        sa.UniqueConstraint("message_id", "number", name="uq_delivery_attempt_message_id"),
    )
    op.create_index(
        "ix_delivery_attempt_open",
        "delivery_attempt",
        ["message_id"],
        postgresql_where=sa.text("outcome IS NULL"),
    )
    op.create_index(
        "ix_message_status",
        "message",
        ["status", sa.text("created_at DESC"), sa.text("id DESC")],
    )


def downgrade() -> None:
    # The code before this revision knows no `unconfirmed`: such a message is queued
    # again (its attempt, which may have been sent, is no longer remembered).
    op.execute("UPDATE message SET status = 'queued' WHERE status = 'unconfirmed'")
    op.drop_index("ix_message_status", table_name="message")
    op.drop_index("ix_delivery_attempt_open", table_name="delivery_attempt")
    op.drop_table("delivery_attempt")
