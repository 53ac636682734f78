"""Templates, per-org-unit sending settings, attachments and reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_template",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("order_kind", sa.String(100), nullable=True),
        sa.Column("email_subject", sa.Text, nullable=True),
        sa.Column("email_body", sa.Text, nullable=True),
        sa.Column("sms_text", sa.Text, nullable=True),
        sa.Column("report_title", sa.Text, nullable=True),
        sa.Column("report_text", sa.Text, nullable=True),
        sa.Column("report_file_name", sa.String(300), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("name", name="uq_message_template_name"),
    )
    op.create_index(
        "uq_message_template_booking_order_kind",
        "message_template",
        ["order_kind"],
        unique=True,
        postgresql_where=sa.text("kind = 'booking_confirmation'"),
    )
    op.create_table(
        "org_unit_settings",
        sa.Column("org_unit_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("smtp_host", sa.String(255), nullable=True),
        sa.Column("smtp_port", sa.Integer, nullable=True),
        sa.Column("smtp_use_tls", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("smtp_username", sa.String(320), nullable=True),
        sa.Column("smtp_password_encrypted", sa.Text, nullable=True),
        sa.Column("from_address", sa.String(320), nullable=True),
        sa.Column("logo_url", sa.String(2000), nullable=True),
        sa.Column("footer", sa.Text, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "attachment",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "message_id",
            UUID(as_uuid=True),
            sa.ForeignKey("message.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("is_report", sa.Boolean, nullable=False),
        sa.Column("attach", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attachment_message", "attachment", ["message_id", "position"])
    op.add_column("message", sa.Column("org_unit_id", UUID(as_uuid=True), nullable=True))
    op.add_column("message", sa.Column("template_id", UUID(as_uuid=True), nullable=True))
    op.add_column("message", sa.Column("language", sa.String(10), nullable=True))


def downgrade() -> None:
    op.drop_column("message", "language")
    op.drop_column("message", "template_id")
    op.drop_column("message", "org_unit_id")
    op.drop_table("attachment")
    op.drop_table("org_unit_settings")
    op.drop_table("message_template")
