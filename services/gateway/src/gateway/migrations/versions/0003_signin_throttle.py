"""Failed sign-ins per username and per client address, for throttling.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_throttle",
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forget_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_signin_throttle"),
    )
    op.create_index("ix_signin_throttle_forget_at", "signin_throttle", ["forget_at"])
    # The live-token cap counts a user's tokens at every sign-in.
    op.create_index(
        "ix_access_token_user_id_created_at", "access_token", ["user_id", "created_at"]
    )
    op.drop_index("ix_access_token_user_id", table_name="access_token")


def downgrade() -> None:
    op.create_index("ix_access_token_user_id", "access_token", ["user_id"])
    op.drop_index("ix_access_token_user_id_created_at", table_name="access_token")
    op.drop_table("signin_throttle")
