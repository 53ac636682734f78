"""A projection of catalog's org units, for the org-unit visibility rule.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_unit",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        # Not unique here: catalog's codes are, but snapshots of a renamed unit and of the
        # unit that took its old code may arrive in either order.
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("parent_id", UUID(as_uuid=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_org_unit_code", "org_unit", ["code"])
    op.create_index("ix_org_unit_parent", "org_unit", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_org_unit_parent", table_name="org_unit")
    op.drop_index("ix_org_unit_code", table_name="org_unit")
    op.drop_table("org_unit")
