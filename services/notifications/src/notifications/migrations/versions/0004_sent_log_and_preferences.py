"""The sent log's keyset index and personal notification preferences.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The sent log pages by (created_at, id) within one business object: the id joins
    # the index so that a page boundary between equal timestamps is still an index range.
    op.create_index(
        "ix_message_sent_log",
        "message",
        [
            "business_object_kind",
            "business_object_id",
            sa.text("created_at DESC"),
            sa.text("id DESC"),
        ],
    )
    op.drop_index("ix_message_business_object", table_name="message")
    op.create_table(
        "notification_preference",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("events", ARRAY(sa.String(40)), nullable=False),
        sa.Column("email_enabled", sa.Boolean, nullable=False),
        sa.Column("sms_enabled", sa.Boolean, nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("mobile", sa.String(20), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channels_changed_by", sa.String(100), nullable=True),
        sa.Column("channels_changed_at", sa.DateTime(timezone=True), nullable=True),
    )
    # "Who chose this event": a GIN index answers events @> / ANY without a scan.
    op.create_index(
        "ix_notification_preference_events",
        "notification_preference",
        ["events"],
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_index("ix_notification_preference_events", table_name="notification_preference")
    op.drop_table("notification_preference")
    op.create_index(
        "ix_message_business_object",
        "message",
        ["business_object_kind", "business_object_id", sa.text("created_at DESC")],
    )
    op.drop_index("ix_message_sent_log", table_name="message")
