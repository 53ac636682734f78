"""Catalog's tables."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.db import new_metadata

metadata = new_metadata()

product = Table(
    "product",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("product_number", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("translations", JSONB, nullable=False, server_default="{}"),
    Column("product_group", String(100), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

customer = Table(
    "customer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("customer_number", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("emails", ARRAY(String(320)), nullable=False),
    Column("mobiles", ARRAY(String(20)), nullable=False),
    Column("allowed_methods", ARRAY(String(20)), nullable=False),
    Column("preferred_method", String(20), nullable=True),
    Column("language", String(10), nullable=False),
    Column("kind", String(20), nullable=False, server_default="company"),
    Column("time_zone", String(64), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The customer's home org unit (migration 0006): who sees it (``catalog.visibility``).
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), nullable=True, index=True),
)

customer_contact = Table(
    "customer_contact",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column(
        "customer_id",
        UUID(as_uuid=True),
        ForeignKey("customer.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    Column("role", String(100), nullable=True),
    Column("send_service_protocol", Boolean, nullable=False),
    Column("send_work_order", Boolean, nullable=False),
    Column("receive_booking_confirmations", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

org_unit = Table(
    "org_unit",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("code", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("parent_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), nullable=True, index=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

serial_item = Table(
    "serial_item",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("serial_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("product_id", UUID(as_uuid=True), ForeignKey("product.id"), nullable=False),
    Column(
        "owner_customer_id",
        UUID(as_uuid=True),
        ForeignKey("customer.id"),
        nullable=False,
        index=True,
    ),
    # Free text before org units existed; since 0003 the code of the unit org_unit_id names.
    Column("org_unit", String(50), nullable=True),
    Column("startup_date", Date, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("translations", JSONB, nullable=False, server_default="{}"),
    Column(
        "initial_order_customer_id",
        UUID(as_uuid=True),
        ForeignKey("customer.id"),
        nullable=True,
        index=True,
    ),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), nullable=True, index=True),
    Column("delivery_date", Date, nullable=True),
    Column("installation_address", JSONB, nullable=True),
    Column("status", String(20), nullable=False, server_default="active", index=True),
    Column("pinned_service_type_id", UUID(as_uuid=True), nullable=True),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    # The action code a service link's pre-code names (migration 0007).
    Column("action_code", String(50), nullable=True),
    UniqueConstraint("product_id", "serial_number", name="uq_serial_item_product_serial"),
)

# Projections of other services' events, for the serial items' marks (migration 0004).
service_type = Table(
    "service_type",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

service_type_product = Table(
    "service_type_product",
    metadata,
    Column(
        "service_type_id",
        UUID(as_uuid=True),
        ForeignKey("service_type.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("product_id", UUID(as_uuid=True), primary_key=True, index=True),
    # Null when a link names the product without a pre-code (every item matches), else
    # the pre-codes of the links that name it: an item's action code must be one of them
    # (migration 0008; rows stored before it are null until the type's next version).
    Column("pre_codes", ARRAY(String(50)), nullable=True),
)

campaign_case = Table(
    "campaign_case",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("campaign_id", UUID(as_uuid=True), nullable=False),
    Column("serial_item_id", UUID(as_uuid=True), nullable=False),
    Column("campaign_code", String(100), nullable=False),
    Column("campaign_name", String(200), nullable=False),
    Column("outcome", String(20), nullable=True),
    Column("opened_at", DateTime(timezone=True), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

# --- bulk imports ---------------------------------------------------------------------

import_job = Table(
    "import_job",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("format", String(10), nullable=False),
    # "upload" jobs are run by the service's workers; "cli" jobs by the command that made them.
    Column("source", String(10), nullable=False),
    Column("file_name", String(255), nullable=True),
    Column("requested_by", String(100), nullable=True, index=True),
    Column("state", String(20), nullable=False, index=True),
    Column("size_bytes", BigInteger, nullable=True),
    Column("bytes_done", BigInteger, nullable=False, server_default="0"),
    # Rows up to this line are committed: a resumed job skips them.
    Column("lines_done", Integer, nullable=False, server_default="0"),
    Column("created", Integer, nullable=False, server_default="0"),
    Column("updated", Integer, nullable=False, server_default="0"),
    Column("unchanged", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True, index=True),
)

# An uploaded file, kept in pieces until its job has run, so that any replica can run it.
import_chunk = Table(
    "import_chunk",
    metadata,
    Column(
        "job_id",
        UUID(as_uuid=True),
        ForeignKey("import_job.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

import_error = Table(
    "import_error",
    metadata,
    Column(
        "job_id",
        UUID(as_uuid=True),
        ForeignKey("import_job.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("line", Integer, primary_key=True),
    Column("field", String(200), nullable=True),
    Column("message", Text, nullable=False),
)
