"""Products, customers, serial-number items; outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from aftersales_kit.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "product",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("product_number", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("product_number", name="uq_product_product_number"),
    )
    op.create_table(
        "customer",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_number", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("emails", ARRAY(sa.String(320)), nullable=False),
        sa.Column("mobiles", ARRAY(sa.String(20)), nullable=False),
        sa.Column("allowed_methods", ARRAY(sa.String(20)), nullable=False),
        sa.Column("preferred_method", sa.String(20), nullable=True),
        sa.Column("language", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("customer_number", name="uq_customer_customer_number"),
    )
    op.create_table(
        "serial_item",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("serial_number", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("product_id", UUID(as_uuid=True), sa.ForeignKey("product.id", name="fk_serial_item_product_id_product"), nullable=False),
        sa.Column("owner_customer_id", UUID(as_uuid=True), sa.ForeignKey("customer.id", name="fk_serial_item_owner_customer_id_customer"), nullable=False),
        sa.Column("org_unit", sa.String(50), nullable=True),
        sa.Column("startup_date", sa.Date, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("product_id", "serial_number", name="uq_serial_item_product_serial"),
    )
    op.create_index("ix_serial_item_owner_customer_id", "serial_item", ["owner_customer_id"])


def downgrade() -> None:
    op.drop_table("serial_item")
    op.drop_table("customer")
    op.drop_table("product")
    drop_messaging_tables(op)
