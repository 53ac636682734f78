"""Customers get a home org unit (existing customers: none, so only unrestricted users see
them until one is assigned); import jobs are found by requester (the concurrency limit)
and by when they finished (retention).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "customer",
        sa.Column(
            "org_unit_id",
            UUID(as_uuid=True),
            sa.ForeignKey("org_unit.id", name="fk_customer_org_unit_id_org_unit"),
            nullable=True,
        ),
    )
    op.create_index("ix_customer_org_unit_id", "customer", ["org_unit_id"])
    op.create_index("ix_import_job_requested_by", "import_job", ["requested_by"])
    op.create_index("ix_import_job_finished_at", "import_job", ["finished_at"])


def downgrade() -> None:
    op.drop_index("ix_import_job_finished_at", table_name="import_job")
    op.drop_index("ix_import_job_requested_by", table_name="import_job")
    op.drop_index("ix_customer_org_unit_id", table_name="customer")
    op.drop_column("customer", "org_unit_id")
