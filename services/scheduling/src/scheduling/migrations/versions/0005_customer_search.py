"""Indexes for the callout list's customer filter: part of the name (trigrams) and a
number prefix, so a search looks up the few matching customers first instead of scanning
every customer for every request (bench/README.md: 28 s p50 over 200,000 customers).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_customer_name_trgm ON customer USING gin (name gin_trgm_ops)")
    op.execute(
        "CREATE INDEX ix_customer_number_pattern ON customer (customer_number varchar_pattern_ops)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_customer_number_pattern")
    op.execute("DROP INDEX ix_customer_name_trgm")
