"""Users' e-mail address and mobile number, and the account version notifications last
accepted (``gateway.accounts_push``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("email", sa.String(320), nullable=True))
    op.add_column("user_account", sa.Column("mobile", sa.String(20), nullable=True))
    # Null: never pushed, so every existing account goes to notifications once.
    op.add_column("user_account", sa.Column("pushed_version", sa.Integer(), nullable=True))
    op.create_index(
        "ix_user_account_unpushed",
        "user_account",
        ["username"],
        postgresql_where=sa.text("pushed_version IS DISTINCT FROM version"),
    )


def downgrade() -> None:
    op.drop_index("ix_user_account_unpushed", table_name="user_account")
    op.drop_column("user_account", "pushed_version")
    op.drop_column("user_account", "mobile")
    op.drop_column("user_account", "email")
