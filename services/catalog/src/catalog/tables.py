"""Catalog's tables."""

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from aftersales_kit.db import new_metadata

metadata = new_metadata()

product = Table(
    "product",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("product_number", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
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
    Column("org_unit", String(50), nullable=True),
    Column("startup_date", Date, nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("product_id", "serial_number", name="uq_serial_item_product_serial"),
)
