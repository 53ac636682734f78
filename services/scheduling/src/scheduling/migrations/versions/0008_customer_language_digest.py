"""The customer's language (a callout's message in it) and the daily digest's record
(one per org unit and local day, so the digest goes once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customer", sa.Column("language", sa.String(20), nullable=True))
    op.create_table(
        "callout_digest",
        # The org unit's code; "" for the callouts without an org unit.
        sa.Column("org_unit_code", sa.String(50), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("compiled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awaiting_approval", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("callout_digest")
    op.drop_column("customer", "language")
