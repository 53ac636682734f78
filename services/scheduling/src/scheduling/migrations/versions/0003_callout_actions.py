"""Callout list columns, action audit, on-completion messages, recipient resends.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_CALLOUT_COLUMNS = [
    sa.Column("service_type_name", sa.String(200), nullable=True),
    sa.Column("step_description", sa.String(200), nullable=True),
    sa.Column("approved_by", sa.String(100), nullable=True),
    sa.Column("completed_by", sa.String(100), nullable=True),
    sa.Column("cancelled_by", sa.String(100), nullable=True),
    sa.Column("completion_attempt", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("completion_requested_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("completion_message_id", sa.UUID(), nullable=True),
    sa.Column("error_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("resend_at_customer_version", sa.Integer(), nullable=True),
]


def upgrade() -> None:
    op.add_column(
        "customer",
        sa.Column(
            "allowed_methods",
            postgresql.ARRAY(sa.String(20)),
            nullable=False,
            server_default="{}",
        ),
    )
    op.add_column("customer", sa.Column("preferred_method", sa.String(20), nullable=True))
    op.add_column(
        "serial_item",
        sa.Column("translations", postgresql.JSONB(), nullable=False, server_default="{}"),
    )
    for column in _CALLOUT_COLUMNS:
        op.add_column("callout", column)
    # Existing callouts take their names from the service type they were planned from.
    op.execute(
        """
        UPDATE callout SET
          service_type_name = st.definition->>'display_name',
          step_description = (
            SELECT s->>'description' FROM jsonb_array_elements(st.definition->'steps') s
            WHERE (s->>'step_id')::uuid = callout.step_id
          )
        FROM service_type st WHERE st.id = callout.service_type_id
        """
    )
    op.create_index("ix_callout_scheduled_id", "callout", ["scheduled_for", "id"])
    op.create_index("ix_callout_customer", "callout", ["customer_id"])
    op.create_index("ix_callout_org_unit", "callout", ["org_unit", "scheduled_for"])
    op.create_index(
        "ix_callout_customer_version",
        "callout",
        ["customer_id"],
        postgresql_where="resend_at_customer_version IS NOT NULL",
    )
    op.create_table(
        "callout_action",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("callout_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(40), nullable=False),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callout_action")),
    )
    op.create_index(
        op.f("ix_callout_action_callout_id"), "callout_action", ["callout_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_callout_action_callout_id"), table_name="callout_action")
    op.drop_table("callout_action")
    for name in (
        "ix_callout_customer_version",
        "ix_callout_org_unit",
        "ix_callout_customer",
        "ix_callout_scheduled_id",
    ):
        op.drop_index(name, table_name="callout")
    for column in reversed(_CALLOUT_COLUMNS):
        op.drop_column("callout", column.name)
    op.drop_column("serial_item", "translations")
    op.drop_column("customer", "preferred_method")
    op.drop_column("customer", "allowed_methods")
