"""Service types, their steps and service links; outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.migrations import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "service_type",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("system_name", sa.String(100), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("approval_method", sa.String(20), nullable=False),
        sa.Column("print_tag", sa.String(100), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name="pk_service_type"),
        sa.UniqueConstraint("system_name", name="uq_service_type_system_name"),
    )
    op.create_table(
        "service_type_step",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("service_type_id", UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("schedule", JSONB, nullable=False),
        sa.Column("initial", JSONB, nullable=False),
        sa.Column("on_completion", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_service_type_step"),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_type.id"],
            name="fk_service_type_step_service_type_id_service_type",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("service_type_id", "position", name="uq_service_type_step_position"),
    )
    op.create_table(
        "service_link",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("service_type_id", UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("main_product_id", UUID(as_uuid=True), nullable=False),
        sa.Column("apply_to_main_product", sa.Boolean, nullable=False),
        sa.Column("related_product_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
        sa.Column("pre_code", sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_service_link"),
        sa.ForeignKeyConstraint(
            ["service_type_id"],
            ["service_type.id"],
            name="fk_service_link_service_type_id_service_type",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("service_type_id", "position", name="uq_service_link_position"),
    )
    op.create_index("ix_service_link_main_product_id", "service_link", ["main_product_id"])


def downgrade() -> None:
    op.drop_table("service_link")
    op.drop_table("service_type_step")
    op.drop_table("service_type")
    drop_messaging_tables(op)
