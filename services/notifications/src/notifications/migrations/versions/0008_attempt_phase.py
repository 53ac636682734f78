"""Delivery attempts record their phase: ``preparing`` (nothing handed over yet: an
attempt whose sender died here is resent) and ``handing_over`` (committed just before
SMTP DATA or the SMS provider's request: one that died here is unconfirmed).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Attempts written before this revision, and by a sender still running the code before
    # it during a rolling upgrade, recorded no phase: they may have handed the message over,
    # so they default to `handing_over` (maybe sent). The code from here on writes
    # `preparing` itself.
    op.add_column(
        "delivery_attempt",
        sa.Column("phase", sa.String(20), nullable=False, server_default="handing_over"),
    )


def downgrade() -> None:
    # The code before this revision takes every unfinished attempt for "maybe sent": one
    # that never got past preparing is certainly not sent, so it is ended `not_sent` now
    # (its message is then sent, not held as unconfirmed). A sender still running this
    # code fails to record its hand-over once the column is gone, so it sends nothing.
    op.execute(
        "UPDATE delivery_attempt SET outcome = 'not_sent', ended_at = now(),"
        " detail = 'abandoned before the hand-over (recorded on downgrade)'"
        " WHERE outcome IS NULL AND phase = 'preparing'"
    )
    op.drop_column("delivery_attempt", "phase")
