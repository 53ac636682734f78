"""Delivery attempts may record the server's answer before the message's outcome: phase
``answered`` with ``answer`` (``sent`` or ``failed``), the ``accepted`` recipients and, for
SMS, the provider's message ids (``provider_ids``), committed the moment the answer is
in. The senders' batches (e-mail and SMS) write every outcome in one commit at the
batch's end; a sender that dies before it leaves each answered message to be recorded
from here by the next delivery, not unconfirmed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 05:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("delivery_attempt", sa.Column("answer", sa.String(20), nullable=True))
    op.add_column(
        "delivery_attempt", sa.Column("accepted", ARRAY(sa.String(320)), nullable=True)
    )
    # As long as ``message.provider_message_ids``'s: they are copied there when recorded.
    op.add_column(
        "delivery_attempt", sa.Column("provider_ids", ARRAY(sa.String(200)), nullable=True)
    )


def downgrade() -> None:
    # The code before this revision knows no ``answered`` phase: an answered attempt still
    # waiting to be recorded is taken back to "maybe sent" (its message becomes unconfirmed
    # at its next delivery) rather than sent again.
    op.execute(
        "UPDATE delivery_attempt SET phase = 'handing_over'"
        " WHERE outcome IS NULL AND phase = 'answered'"
    )
    op.drop_column("delivery_attempt", "provider_ids")
    op.drop_column("delivery_attempt", "accepted")
    op.drop_column("delivery_attempt", "answer")
