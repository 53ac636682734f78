"""The board's column orders: (stage, key, id) for each column's card order, so a column's
first cards (and its next page) are an index range scan whatever the other filters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_service_order_board_new": ["stage", "created_at", "id"],
    "ix_service_order_board_planned": ["stage", "booked_from", "id"],
    "ix_service_order_board_completed": ["stage", "completed_at", "id"],
    "ix_service_order_board_cancelled": ["stage", "cancelled_at", "id"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "service_order", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="service_order")
