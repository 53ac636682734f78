"""Bulk import jobs: the job with its counts, the uploaded file in pieces until it has run,
and the rows that could not be imported.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=True),
        sa.Column("bytes_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("lines_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
        sa.Column("unchanged", sa.Integer, nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_import_job_state", "import_job", ["state"])
    op.create_table(
        "import_chunk",
        sa.Column("job_id", UUID(as_uuid=True), sa.ForeignKey("import_job.id", name="fk_import_chunk_job_id_import_job", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "import_error",
        sa.Column("job_id", UUID(as_uuid=True), sa.ForeignKey("import_job.id", name="fk_import_error_job_id_import_job", ondelete="CASCADE"), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("field", sa.String(200), nullable=True),
        sa.Column("message", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_error")
    op.drop_table("import_chunk")
    op.drop_table("import_job")
