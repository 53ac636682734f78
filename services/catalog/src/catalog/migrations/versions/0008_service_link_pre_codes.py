"""The pre-codes of the service links that name a product (issue 17 item 8): marks match
a pre-coded link only to items of that action code, as scheduling plans them.

``service_type_product.pre_codes`` is null when some link names the product without a
pre-code (every item of the product matches), otherwise the link pre-codes an item's
action code must be one of. Rows stored before this revision stay null, so those marks
go by product as before until the type's next ServiceTypeChanged refills its rows.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "service_type_product",
        sa.Column("pre_codes", postgresql.ARRAY(sa.String(50)), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("service_type_product", "pre_codes")
