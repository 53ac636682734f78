"""The serial item's status in the projection: only active items get callouts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "serial_item",
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    )


def downgrade() -> None:
    op.drop_column("serial_item", "status")
