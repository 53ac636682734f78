"""Marks from other services: projections of service types (which products they apply
to) and of open campaign cases, for the serial-item list's marks and filters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_type",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    # The links expanded: one row per product the type applies to (no foreign key to
    # product: the projection follows servicetypes, whatever catalog holds).
    op.create_table(
        "service_type_product",
        sa.Column(
            "service_type_id",
            UUID(as_uuid=True),
            sa.ForeignKey("service_type.id", name="fk_service_type_product_service_type_id_service_type", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
    )
    op.create_index("ix_service_type_product_product_id", "service_type_product", ["product_id"])

    # One row per campaign case; closed cases stay (closed_at set) so that a late or
    # redelivered "opened" cannot reopen them.
    op.create_table(
        "campaign_case",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("campaign_id", UUID(as_uuid=True), nullable=False),
        sa.Column("serial_item_id", UUID(as_uuid=True), nullable=False),
        sa.Column("campaign_code", sa.String(100), nullable=False),
        sa.Column("campaign_name", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    # "Has a pending campaign" looks up open cases by item.
    op.create_index(
        "ix_campaign_case_serial_item_id_open",
        "campaign_case",
        ["serial_item_id"],
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_campaign_case_serial_item_id_open", table_name="campaign_case")
    op.drop_table("campaign_case")
    op.drop_index("ix_service_type_product_product_id", table_name="service_type_product")
    op.drop_table("service_type_product")
    op.drop_table("service_type")
