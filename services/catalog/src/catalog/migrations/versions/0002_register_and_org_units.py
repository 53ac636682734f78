"""Customer kind, time zone, active flag and contacts; product translations, group and
active flag; org units; indexes for the list filters, search and keyset sorting.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Trigram index: "name contains" search (ILIKE '%x%') cannot use a b-tree.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.add_column("customer", sa.Column("kind", sa.String(20), nullable=False, server_default="company"))
    op.add_column("customer", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("customer", sa.Column("active", sa.Boolean, nullable=False, server_default="true"))
    op.create_table(
        "customer_contact",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), sa.ForeignKey("customer.id", name="fk_customer_contact_customer_id_customer", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("mobile", sa.String(20), nullable=True),
        sa.Column("role", sa.String(100), nullable=True),
        sa.Column("send_service_protocol", sa.Boolean, nullable=False),
        sa.Column("send_work_order", sa.Boolean, nullable=False),
        sa.Column("receive_booking_confirmations", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_customer_contact_customer_id", "customer_contact", ["customer_id"])

    op.add_column("product", sa.Column("translations", JSONB, nullable=False, server_default="{}"))
    op.add_column("product", sa.Column("product_group", sa.String(100), nullable=True))
    op.add_column("product", sa.Column("active", sa.Boolean, nullable=False, server_default="true"))

    op.create_table(
        "org_unit",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("parent_id", UUID(as_uuid=True), sa.ForeignKey("org_unit.id", name="fk_org_unit_parent_id_org_unit"), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("code", name="uq_org_unit_code"),
    )
    op.create_index("ix_org_unit_parent_id", "org_unit", ["parent_id"])

    # Keyset pagination: (sort key, id) per whitelisted sort field.
    op.create_index("ix_customer_name_id", "customer", ["name", "id"])
    op.create_index("ix_customer_created_at_id", "customer", ["created_at", "id"])
    op.create_index("ix_customer_customer_number_id", "customer", ["customer_number", "id"])
    op.create_index("ix_customer_active_kind", "customer", ["active", "kind"])
    op.create_index(
        "ix_customer_name_trgm", "customer", ["name"], postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
    )
    op.create_index("ix_product_name_id", "product", ["name", "id"])
    op.create_index("ix_product_created_at_id", "product", ["created_at", "id"])
    op.create_index("ix_product_product_number_id", "product", ["product_number", "id"])
    op.create_index("ix_product_active_group", "product", ["active", "product_group"])
    # Prefix search (LIKE 'x%') uses a b-tree only with the pattern operator class.
    op.create_index(
        "ix_product_product_number_pattern", "product", ["product_number"], postgresql_ops={"product_number": "varchar_pattern_ops"}
    )


def downgrade() -> None:
    for name, table in (
        ("ix_product_product_number_pattern", "product"),
        ("ix_product_active_group", "product"),
        ("ix_product_product_number_id", "product"),
        ("ix_product_created_at_id", "product"),
        ("ix_product_name_id", "product"),
        ("ix_customer_name_trgm", "customer"),
        ("ix_customer_active_kind", "customer"),
        ("ix_customer_customer_number_id", "customer"),
        ("ix_customer_created_at_id", "customer"),
        ("ix_customer_name_id", "customer"),
    ):
        op.drop_index(name, table_name=table)
    op.drop_table("org_unit")
    for column in ("active", "product_group", "translations"):
        op.drop_column("product", column)
    op.drop_table("customer_contact")
    for column in ("active", "time_zone", "kind"):
        op.drop_column("customer", column)
