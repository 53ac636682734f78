"""SMS encodings spelled as the shared SMS module spells them: ``gsm-7`` and ``ucs-2``
(``gsm7`` and ``ucs2`` before).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE message SET sms_encoding = CASE sms_encoding"
        " WHEN 'gsm7' THEN 'gsm-7' WHEN 'ucs2' THEN 'ucs-2' END"
        " WHERE sms_encoding IN ('gsm7', 'ucs2')"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE message SET sms_encoding = CASE sms_encoding"
        " WHEN 'gsm-7' THEN 'gsm7' WHEN 'ucs-2' THEN 'ucs2' END"
        " WHERE sms_encoding IN ('gsm-7', 'ucs-2')"
    )
