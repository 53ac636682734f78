"""A serial item's action code (the "pre-code" a service link may name): optional.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("serial_item", sa.Column("action_code", sa.String(50), nullable=True))


def downgrade() -> None:
    op.drop_column("serial_item", "action_code")
