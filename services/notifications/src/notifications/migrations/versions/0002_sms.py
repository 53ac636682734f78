"""SMS: requested mobile numbers, the text's encoding and segments, the provider's ids.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "message",
        sa.Column("requested_mobiles", ARRAY(sa.String(20)), nullable=False, server_default="{}"),
    )
    op.add_column("message", sa.Column("sms_encoding", sa.String(10), nullable=True))
    op.add_column("message", sa.Column("sms_segments", sa.Integer, nullable=True))
    op.add_column(
        "message", sa.Column("provider_message_ids", ARRAY(sa.String(200)), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("message", "provider_message_ids")
    op.drop_column("message", "sms_segments")
    op.drop_column("message", "sms_encoding")
    op.drop_column("message", "requested_mobiles")
