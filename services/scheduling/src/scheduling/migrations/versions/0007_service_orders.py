"""A callout's service order: "create service order" asks field work to open a visit;
field work's events tell which order it opened and how it ended.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COLUMNS = (
    ("service_order_requested_at", sa.DateTime(timezone=True)),
    ("service_order_requested_by", sa.String(100)),
    ("service_order_id", sa.UUID()),
    ("service_order_number", sa.String(40)),
    ("service_order_stage", sa.String(20)),
    ("service_order_version", sa.Integer()),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("callout", sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("callout", name)
