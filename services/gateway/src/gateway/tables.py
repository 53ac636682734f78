"""The gateway's tables: users and their access tokens."""

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from aftersales_kit.db import new_metadata

metadata = new_metadata()

# "user" is a reserved word in PostgreSQL, hence user_account.
user_account = Table(
    "user_account",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("roles", ARRAY(String(50)), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The org unit codes the user may see; empty: every org unit (migration 0002).
    Column("org_units", ARRAY(String(50)), nullable=False, server_default="{}"),
    # Raised by every change to the account: the ETag that If-Match names.
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

access_token = Table(
    "access_token",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # SHA-256 hex of the bearer token; the token itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column(
        "user_id",
        UUID(as_uuid=True),
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)
