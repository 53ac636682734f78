"""The print queue: a letter customer's report waits here, per print tag, until the office
prints it; the message keeps the print tag its report asked for.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("message", sa.Column("print_tag", sa.String(100), nullable=True))
    op.create_table(
        "print_job",
        sa.Column("id", sa.UUID(), primary_key=True),
        sa.Column(
            "message_id",
            sa.UUID(),
            sa.ForeignKey("message.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "attachment_id",
            sa.UUID(),
            sa.ForeignKey("attachment.id", ondelete="CASCADE"),
            nullable=False,
        ),
        # "" is the queue of reports without a print tag.
        sa.Column("print_tag", sa.String(100), nullable=False),
        sa.Column("org_unit_id", sa.UUID(), nullable=True),
        sa.Column("customer_id", sa.UUID(), nullable=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("printed_by", sa.String(200), nullable=True),
    )
    op.create_index("uq_print_job_message", "print_job", ["message_id"], unique=True)
    # The office's list: a tag's unprinted jobs, oldest first (keyset on created_at, id).
    op.create_index(
        "ix_print_job_queue", "print_job", ["print_tag", "printed_at", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_print_job_queue", table_name="print_job")
    op.drop_index("uq_print_job_message", table_name="print_job")
    op.drop_table("print_job")
    op.drop_column("message", "print_tag")
