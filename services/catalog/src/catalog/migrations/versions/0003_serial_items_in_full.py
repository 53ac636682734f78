"""Serial-number items in full: translations, initial-order customer, org unit reference,
delivery date, installation address, status, pinned service type, free attributes; indexes
for the list filters, serial-number prefix search and keyset sorting.

The free-text ``org_unit`` column stays: rows whose text is an existing org unit's code get
that unit's id; other old values are kept as they are until an org unit is assigned.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("serial_item", sa.Column("translations", JSONB, nullable=False, server_default="{}"))
    op.add_column(
        "serial_item",
        sa.Column(
            "initial_order_customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey("customer.id", name="fk_serial_item_initial_order_customer_id_customer"),
            nullable=True,
        ),
    )
    op.add_column(
        "serial_item",
        sa.Column(
            "org_unit_id",
            UUID(as_uuid=True),
            sa.ForeignKey("org_unit.id", name="fk_serial_item_org_unit_id_org_unit"),
            nullable=True,
        ),
    )
    op.add_column("serial_item", sa.Column("delivery_date", sa.Date, nullable=True))
    op.add_column("serial_item", sa.Column("installation_address", JSONB, nullable=True))
    op.add_column("serial_item", sa.Column("status", sa.String(20), nullable=False, server_default="active"))
    op.create_check_constraint(
        "ck_serial_item_status", "serial_item", "status IN ('active', 'inactive', 'scrapped')"
    )
    op.add_column("serial_item", sa.Column("pinned_service_type_id", UUID(as_uuid=True), nullable=True))
    op.add_column("serial_item", sa.Column("attributes", JSONB, nullable=False, server_default="{}"))

    op.execute(
        "UPDATE serial_item s SET org_unit_id = o.id FROM org_unit o"
        " WHERE s.org_unit_id IS NULL AND s.org_unit = o.code"
    )

    # Filters (owner_customer_id has its index from 0001; product_id leads the unique key).
    op.create_index("ix_serial_item_initial_order_customer_id", "serial_item", ["initial_order_customer_id"])
    op.create_index("ix_serial_item_org_unit_id", "serial_item", ["org_unit_id"])
    op.create_index("ix_serial_item_status", "serial_item", ["status"])
    op.create_index(
        "ix_serial_item_pinned_service_type_id",
        "serial_item",
        ["pinned_service_type_id"],
        postgresql_where=sa.text("pinned_service_type_id IS NOT NULL"),
    )
    # Prefix search (LIKE 'x%') uses a b-tree only with the pattern operator class.
    op.create_index(
        "ix_serial_item_serial_number_pattern",
        "serial_item",
        ["serial_number"],
        postgresql_ops={"serial_number": "varchar_pattern_ops"},
    )
    # Keyset pagination: (sort key, id) per whitelisted sort field.
    op.create_index("ix_serial_item_serial_number_id", "serial_item", ["serial_number", "id"])
    op.create_index("ix_serial_item_name_id", "serial_item", ["name", "id"])
    op.create_index("ix_serial_item_created_at_id", "serial_item", ["created_at", "id"])


def downgrade() -> None:
    for name in (
        "ix_serial_item_created_at_id",
        "ix_serial_item_name_id",
        "ix_serial_item_serial_number_id",
        "ix_serial_item_serial_number_pattern",
        "ix_serial_item_pinned_service_type_id",
        "ix_serial_item_status",
        "ix_serial_item_org_unit_id",
        "ix_serial_item_initial_order_customer_id",
    ):
        op.drop_index(name, table_name="serial_item")
    op.drop_constraint("ck_serial_item_status", "serial_item", type_="check")
    for column in (
        "attributes",
        "pinned_service_type_id",
        "status",
        "installation_address",
        "delivery_date",
        "org_unit_id",
        "initial_order_customer_id",
        "translations",
    ):
        op.drop_column("serial_item", column)
