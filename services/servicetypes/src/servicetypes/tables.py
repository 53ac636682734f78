"""Servicetypes' tables.

A step's schedule and its two message sets are stored as JSONB documents in the shape of
the contract models (``StepSchedule``, ``MessageSet``): they are value objects read and
written whole, never queried field by field, and they evolve with the contract.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.db import new_metadata

metadata = new_metadata()

service_type = Table(
    "service_type",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("system_name", String(100), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    # Locale -> display name.
    Column("display_name_translations", JSONB, nullable=False, server_default="{}"),
    Column("enabled", Boolean, nullable=False),
    Column("approval_method", String(20), nullable=False),
    Column("print_tag", String(100), nullable=True),
    # Optimistic concurrency: an update names the version it replaces.
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

service_type_step = Table(
    "service_type_step",
    metadata,
    # The step id outlives updates of its type: scheduling's callouts refer to it.
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "service_type_id",
        UUID(as_uuid=True),
        ForeignKey("service_type.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer, nullable=False),
    Column("description", String(200), nullable=False),
    Column("schedule", JSONB, nullable=False),
    Column("initial", JSONB, nullable=False),
    Column("on_completion", JSONB, nullable=False),
    # Price incl. VAT: an exact decimal and its ISO 4217 currency, both or neither.
    Column("price_amount", Numeric(16, 3), nullable=True),
    Column("price_currency", String(3), nullable=True),
    UniqueConstraint("service_type_id", "position", name="uq_service_type_step_position"),
)

service_link = Table(
    "service_link",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "service_type_id",
        UUID(as_uuid=True),
        ForeignKey("service_type.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer, nullable=False),
    # "Which service types apply to this product?" starts here.
    Column("main_product_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("apply_to_main_product", Boolean, nullable=False),
    Column("related_product_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    Column("pre_code", String(50), nullable=True),
    UniqueConstraint("service_type_id", "position", name="uq_service_link_position"),
)
