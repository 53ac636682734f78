"""An org unit's own SMS sender name (``org_settings``): its messages' SMS go out under
it; without one, the installation's ``NOTIFICATIONS_SMS_SENDER_NAME``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("org_unit_settings", sa.Column("sms_sender_name", sa.String(11), nullable=True))


def downgrade() -> None:
    op.drop_column("org_unit_settings", "sms_sender_name")
