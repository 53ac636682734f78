"""Campaigns' tables: projections of catalog, the case register campaigns need (templates,
parent cases, customer nonconformity cases), campaigns and their serial numbers.

Seed 001: a campaign opens one case (basic type customer nonconformity) per serial number,
made from a case template of type "service campaign" and linked to a parent case.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.db import new_metadata
from aftersales_kit.org_units import org_unit_table

metadata = new_metadata()

# Readable case numbers, unique per installation: CA-000123.
case_number_seq = Sequence("case_number_seq", metadata=metadata, start=1)

# --- projections of catalog (newest version wins) -----------------------------------------

org_unit = org_unit_table(metadata)

customer = Table(
    "customer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("customer_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
)

product = Table(
    "product",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("product_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
)

serial_item = Table(
    "serial_item",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("serial_number", String(100), nullable=False),
    Column("product_id", UUID(as_uuid=True), nullable=False),
    Column("product_number", String(100), nullable=False),
    Column("owner_customer_id", UUID(as_uuid=True), nullable=True),
    Column("initial_order_customer_id", UUID(as_uuid=True), nullable=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("status", String(20), nullable=False, server_default="active"),
    # A campaign's list names items by serial number: validation looks them up by it.
    Index("ix_serial_item_serial_number", "serial_number"),
)

# --- the case register ---------------------------------------------------------------------

# Which information a case made from the template can or must carry. ``case_type``
# "service_campaign" templates are the ones a campaign may use.
case_template = Table(
    "case_template",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("case_type", String(30), nullable=False),
    # Field names a case from this template must have filled: a subset of
    # our_reference, cause_code, cause_description, customer_id.
    Column("required_fields", ARRAY(String(50)), nullable=False, server_default="{}"),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("name", name="uq_case_template_name"),
)

# A case. ``basic_type``: "customer_nonconformity" (what a campaign opens) or "parent" (the
# case that links all of a campaign's cases). ``closed_how``: "service_order" (ticked done
# at an order), "manual" (closed by hand, with a reason) or "campaign_closed".
case = Table(
    "case",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("number", String(20), nullable=False, unique=True),
    Column("basic_type", String(30), nullable=False),
    Column("title", String(300), nullable=False),
    Column("template_id", UUID(as_uuid=True), ForeignKey("case_template.id"), nullable=True),
    Column("parent_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=True),
    Column("campaign_id", UUID(as_uuid=True), nullable=True),
    Column("customer_id", UUID(as_uuid=True), nullable=True),
    Column("serial_item_id", UUID(as_uuid=True), nullable=True),
    Column("serial_number", String(100), nullable=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("our_reference", String(200), nullable=True),
    Column("cause_code", String(50), nullable=True),
    Column("cause_description", Text, nullable=True),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(200), nullable=True),
    Column("closed_how", String(20), nullable=True),
    Column("close_reason", String(500), nullable=True),
    Column("service_order_id", UUID(as_uuid=True), nullable=True),
    Column("service_order_number", String(20), nullable=True),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    # Release is idempotent: one case per campaign and serial item, whatever reruns.
    Index(
        "uq_case_campaign_item",
        "campaign_id",
        "serial_item_id",
        unique=True,
        postgresql_where="campaign_id IS NOT NULL",
    ),
    # Following a campaign: its cases by status and org unit, keyset on (number).
    Index("ix_case_campaign", "campaign_id", "status", "org_unit_id", "number"),
    Index("ix_case_serial_item", "serial_item_id", "status"),
    Index("ix_case_parent", "parent_id"),
)

# --- campaigns --------------------------------------------------------------------------------

campaign = Table(
    "campaign",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("code", String(50), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # Locale -> the name in that language.
    Column("translations", JSONB, nullable=False, server_default="{}"),
    Column("template_id", UUID(as_uuid=True), ForeignKey("case_template.id"), nullable=False),
    Column("parent_case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    # Off: a case's customer is the serial item's owner; on: its initial-order customer.
    Column("use_customer_from_order", Boolean, nullable=False, server_default="false"),
    Column("our_reference", String(200), nullable=True),
    Column("cause_code", String(50), nullable=True),
    Column("cause_description", Text, nullable=True),
    # draft -> released -> closed
    Column("state", String(10), nullable=False, server_default="draft"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True), nullable=True),
    Column("released_by", String(200), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(200), nullable=True),
    CheckConstraint("state IN ('draft', 'released', 'closed')", name="state"),
)

# A campaign's serial numbers as entered or uploaded, each with what validation found:
# the item and the customer it resolves to, or the ``problem`` that keeps the campaign from
# being released. ``case_id`` is set once release opened its case.
campaign_serial = Table(
    "campaign_serial",
    metadata,
    Column("campaign_id", UUID(as_uuid=True), ForeignKey("campaign.id"), nullable=False),
    Column("serial_number", String(100), nullable=False),
    # Serial numbers are unique per product in catalog: a line may name the product too
    # ("" when it does not; a serial number on several products is then ambiguous).
    Column("product_number", String(100), nullable=False, server_default=""),
    # Entry order (the line of the list or file), for showing the list as given.
    Column("position", BigInteger, nullable=False),
    Column("serial_item_id", UUID(as_uuid=True), nullable=True),
    Column("customer_id", UUID(as_uuid=True), nullable=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    # not_found, ambiguous, no_owner, no_initial_order_customer, customer_unknown, inactive
    Column("problem", String(40), nullable=True),
    Column("problem_detail", String(300), nullable=True),
    Column("case_id", UUID(as_uuid=True), nullable=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint(
        "campaign_id", "serial_number", "product_number", name="pk_campaign_serial"
    ),
    Index("ix_campaign_serial_position", "campaign_id", "position"),
    Index(
        "ix_campaign_serial_problem",
        "campaign_id",
        "position",
        postgresql_where="problem IS NOT NULL",
    ),
    Index(
        "ix_campaign_serial_pending",
        "campaign_id",
        "position",
        postgresql_where="problem IS NULL AND case_id IS NULL",
    ),
)
