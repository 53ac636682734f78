"""User administration: a user's org units (empty: all) and a version for If-Match.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "user_account",
        sa.Column("org_units", ARRAY(sa.String(50)), nullable=False, server_default="{}"),
    )
    op.add_column(
        "user_account", sa.Column("version", sa.Integer, nullable=False, server_default="1")
    )
    op.add_column(
        "user_account",
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_column("user_account", "updated_at")
    op.drop_column("user_account", "version")
    op.drop_column("user_account", "org_units")
