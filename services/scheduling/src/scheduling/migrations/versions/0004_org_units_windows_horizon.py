"""Org units and their sending windows, pinned service types, the rolling horizon.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "serial_item", sa.Column("pinned_service_type_id", sa.UUID(), nullable=True)
    )
    op.create_index(
        "ix_serial_item_pinned_service_type",
        "serial_item",
        ["pinned_service_type_id"],
        postgresql_where=sa.text("pinned_service_type_id IS NOT NULL"),
    )
    # The last day a workflow's callouts were generated up to: the horizon loop extends it.
    op.add_column("workflow", sa.Column("generated_until", sa.Date(), nullable=True))
    op.create_index("ix_workflow_generated_until", "workflow", ["generated_until"])
    op.create_table(
        "org_unit",
        sa.Column("id", sa.UUID(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
    )
    op.create_index("ix_org_unit_code", "org_unit", ["code"])
    op.create_index("ix_org_unit_parent_id", "org_unit", ["parent_id"])
    op.create_table(
        "sending_window",
        sa.Column("org_unit_code", sa.String(50), primary_key=True),
        sa.Column("weekdays", postgresql.ARRAY(sa.SmallInteger()), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sending_window")
    op.drop_index("ix_org_unit_parent_id", table_name="org_unit")
    op.drop_index("ix_org_unit_code", table_name="org_unit")
    op.drop_table("org_unit")
    op.drop_index("ix_workflow_generated_until", table_name="workflow")
    op.drop_column("workflow", "generated_until")
    op.drop_index("ix_serial_item_pinned_service_type", table_name="serial_item")
    op.drop_column("serial_item", "pinned_service_type_id")
