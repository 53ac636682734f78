"""The gateway's tables: users, their access tokens, and failed sign-ins."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
)
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
    # Where the user is told of what concerns them (field work's events, through
    # notifications); optional. The mobile in E.164 (migration 0004).
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    # The account version notifications last accepted (``gateway.accounts_push``); behind
    # ``version`` (or null), the account is pushed again.
    Column("pushed_version", Integer, nullable=True),
    Index(
        "ix_user_account_unpushed",
        "username",
        postgresql_where="pushed_version IS DISTINCT FROM version",
    ),
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
    ),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    # A user's tokens newest first: the live-token cap reads them at every sign-in (0003).
    Index("ix_access_token_user_id_created_at", "user_id", "created_at"),
)

# Failed sign-ins per key (domain.FailureRecord), shared by every gateway replica: a
# username (normalized, known or not: an unknown one is throttled the same) or a client
# address. A row is deleted by a successful sign-in (the username's) or once forget_at
# has passed (swept at the next failure), so guessed usernames do not pile up.
signin_throttle = Table(
    "signin_throttle",
    metadata,
    Column("scope", String(20), primary_key=True),
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", DateTime(timezone=True), nullable=False),
    Column("blocked_until", DateTime(timezone=True), nullable=True),
    Column("forget_at", DateTime(timezone=True), nullable=False, index=True),
)
