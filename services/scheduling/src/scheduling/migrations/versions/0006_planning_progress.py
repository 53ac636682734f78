"""Planning a service type's callouts in committed batches: where the run stands.

A new version of a type resets ``plan_cursor``; the planning loop plans the items after
it, batch by batch, and sets ``planned_version`` when the run is through. Types planned
before this migration were planned inside their event's transaction: they are done.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("service_type", sa.Column("planned_version", sa.Integer(), nullable=True))
    op.add_column("service_type", sa.Column("plan_cursor", sa.UUID(), nullable=True))
    op.execute("UPDATE service_type SET planned_version = version")


def downgrade() -> None:
    op.drop_column("service_type", "plan_cursor")
    op.drop_column("service_type", "planned_version")
