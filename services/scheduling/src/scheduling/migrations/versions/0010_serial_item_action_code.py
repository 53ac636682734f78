"""The item projection keeps the item's action code: a service link with a pre-code
applies only to items of that code.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("serial_item", sa.Column("action_code", sa.String(50), nullable=True))


def downgrade() -> None:
    op.drop_column("serial_item", "action_code")
