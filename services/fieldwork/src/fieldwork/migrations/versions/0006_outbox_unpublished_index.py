"""outbox: a partial index on unpublished rows for the relay's batch query

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 13:35:00
"""

from alembic import op

from aftersales_kit.migrations import create_unpublished_index, drop_unpublished_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_unpublished_index(op)


def downgrade() -> None:
    drop_unpublished_index(op)
