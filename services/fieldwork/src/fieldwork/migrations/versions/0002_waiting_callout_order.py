"""Callout orders waiting for their customer or serial item to reach field work.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waiting_callout_order",
        sa.Column("callout_id", sa.UUID(), nullable=False),
        sa.Column("command", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("waiting_for", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("callout_id", name=op.f("pk_waiting_callout_order")),
    )
    op.create_index(
        "ix_waiting_callout_order_tried", "waiting_callout_order", ["tried_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_waiting_callout_order_tried", table_name="waiting_callout_order")
    op.drop_table("waiting_callout_order")
