"""A step's price incl. VAT and a service type's display-name translations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "service_type",
        sa.Column("display_name_translations", JSONB, nullable=False, server_default="{}"),
    )
    op.add_column("service_type_step", sa.Column("price_amount", sa.Numeric(16, 3), nullable=True))
    op.add_column("service_type_step", sa.Column("price_currency", sa.String(3), nullable=True))
    op.create_check_constraint(
        "ck_service_type_step_price_complete",
        "service_type_step",
        "(price_amount IS NULL) = (price_currency IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint("ck_service_type_step_price_complete", "service_type_step")
    op.drop_column("service_type_step", "price_currency")
    op.drop_column("service_type_step", "price_amount")
    op.drop_column("service_type", "display_name_translations")
