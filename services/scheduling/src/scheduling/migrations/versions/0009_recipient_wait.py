"""A callout waiting for its customer's new version ("update recipient", "update
recipient and synchronize"): since when and for which action, so a version that never
comes times out into a visible error instead of waiting for ever.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "callout", sa.Column("customer_wait_since", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("callout", sa.Column("customer_wait_action", sa.String(40), nullable=True))
    # Callouts already waiting start their wait now (they time out like the new ones).
    op.execute(
        "UPDATE callout SET customer_wait_since = now(), customer_wait_action = 'update_recipient'"
        " WHERE resend_at_customer_version IS NOT NULL"
    )
    op.create_index(
        "ix_callout_customer_wait",
        "callout",
        ["customer_wait_since"],
        postgresql_where=sa.text("resend_at_customer_version IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_callout_customer_wait", table_name="callout")
    op.drop_column("callout", "customer_wait_action")
    op.drop_column("callout", "customer_wait_since")
