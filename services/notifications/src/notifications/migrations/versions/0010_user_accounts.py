"""The gateway's user accounts as it pushes them: addresses, roles, org units
(``notifications.user_accounts``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("username", sa.String(150), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("mobile", sa.String(20), nullable=True),
        sa.Column("roles", ARRAY(sa.String(50)), nullable=False),
        sa.Column("org_units", ARRAY(sa.String(50)), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("user_account")
