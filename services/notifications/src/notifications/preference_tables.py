"""The table of personal notification preferences (kept apart from ``tables.py``, on the
same metadata, so that the preferences work and the sending work change separate files)."""

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table
from sqlalchemy.dialects.postgresql import ARRAY

from notifications.tables import metadata

# One row per user (the gateway's username) who saved preferences.
notification_preference = Table(
    "notification_preference",
    metadata,
    Column("username", String(100), primary_key=True),
    Column("events", ARRAY(String(40)), nullable=False),
    # One switch per channel: the user sets it, and an admin may too.
    Column("email_enabled", Boolean, nullable=False),
    Column("sms_enabled", Boolean, nullable=False),
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    # The ETag: every change, the user's or an admin's, raises it.
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Who last switched a channel on the user's behalf (an admin), and when.
    Column("channels_changed_by", String(100), nullable=True),
    Column("channels_changed_at", DateTime(timezone=True), nullable=True),
    # "Who chose this event" (``events @> ARRAY[...]``) without a scan.
    Index("ix_notification_preference_events", "events", postgresql_using="gin"),
)
