"""Send quotas: per requester, channel and UTC day, the messages queued and the SMS
segments they bill (``notifications.sending.quotas``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "send_quota",
        sa.Column("requester", sa.String(100), primary_key=True),
        sa.Column("channel", sa.String(10), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("sms_segments", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_quota")
