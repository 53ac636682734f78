"""callout: the customer index also orders by scheduled_for (the customer-name filter)

The list filtered by a name part that few customers share reads those customers'
callouts within the list's dates: with the date in the index, only the matching rows
are fetched (14-20 ms at 3.2 million callouts instead of 100-380; bench/README.md). It
replaces the customer_id index, which its leading column serves as well.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:05:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_callout_customer_scheduled", "callout", ["customer_id", "scheduled_for"])
    op.drop_index("ix_callout_customer", table_name="callout")


def downgrade() -> None:
    op.create_index("ix_callout_customer", "callout", ["customer_id"])
    op.drop_index("ix_callout_customer_scheduled", table_name="callout")
