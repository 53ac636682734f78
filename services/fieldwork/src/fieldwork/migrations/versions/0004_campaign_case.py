"""Campaign cases of serial items, from campaigns' case events: what an order offers to
tick as done at its completion.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_case",
        sa.Column("case_id", sa.UUID(), nullable=False),
        sa.Column("campaign_id", sa.UUID(), nullable=False),
        sa.Column("campaign_code", sa.String(length=50), nullable=False),
        sa.Column("campaign_name", sa.String(length=200), nullable=False),
        sa.Column(
            "translations",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("serial_item_id", sa.UUID(), nullable=False),
        sa.Column("case_number", sa.String(length=20), nullable=True),
        sa.Column("cause_code", sa.String(length=50), nullable=True),
        sa.Column("cause_description", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("org_unit_id", sa.UUID(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("service_order_id", sa.UUID(), nullable=True),
        sa.Column("service_order_number", sa.String(length=20), nullable=True),
        sa.Column("close_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_campaign_case_status")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_campaign_case")),
    )
    op.create_index(
        "ix_campaign_case_item", "campaign_case", ["serial_item_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_case_item", table_name="campaign_case")
    op.drop_table("campaign_case")
