"""Field work's tables: projections of catalog and servicetypes, the resources (technicians,
vehicles, order kinds), service cases holding service orders, bookings, the order's
history and the booking confirmations sent.

The model covers both halves of field work (decision 67): a *service case* groups a
customer's problem; each *service order* is one intervention (one trip) inside a case;
an order created on its own gets a case of its own. Protocols hang off orders (issue 16).
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    Sequence,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from aftersales_kit.db import new_metadata
from aftersales_kit.org_units import org_unit_table

metadata = new_metadata()

# Readable numbers, unique per installation: SO-000123 and SC-000045.
order_number_seq = Sequence("service_order_number_seq", metadata=metadata, start=1)
case_number_seq = Sequence("service_case_number_seq", metadata=metadata, start=1)

# --- projections (newest version wins; aftersales_kit.projections) -----------------------

org_unit = org_unit_table(metadata)

customer = Table(
    "customer",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("customer_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("language", String(10), nullable=False, server_default="en"),
    Column("emails", ARRAY(String(320)), nullable=False, server_default="{}"),
    Column("mobiles", ARRAY(String(20)), nullable=False, server_default="{}"),
    # catalog's Contact list as it came (contact_id, name, email, mobile, role, flags).
    Column("contacts", JSONB, nullable=False, server_default="[]"),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
)

serial_item = Table(
    "serial_item",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("serial_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("product_number", String(100), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("owner_customer_id", UUID(as_uuid=True), nullable=False, index=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    # catalog's InstallationAddress (street ... latitude, longitude), or null.
    Column("installation_address", JSONB, nullable=True),
    Column("status", String(20), nullable=False, server_default="active"),
)

service_type = Table(
    "service_type",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
)

# --- resources ---------------------------------------------------------------------------

technician = Table(
    "technician",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    # The gateway user the technician signs in with (normalized, lower case); a technician
    # sees the orders assigned to them through it.
    Column("username", String(100), nullable=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True, index=True),
    # The home base the day's route starts from: Address fields with coordinates.
    Column("home_base", JSONB, nullable=True),
    # ISO weekday "1".."7" -> [{"start": "08:00", "end": "16:00"}, ...] in the org unit's
    # local time; a missing weekday is a day off.
    Column("working_hours", JSONB, nullable=False, server_default="{}"),
    Column("email", String(320), nullable=True),
    Column("mobile", String(20), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index(
        "uq_technician_username",
        "username",
        unique=True,
        postgresql_where="username IS NOT NULL",
    ),
)

vehicle = Table(
    "vehicle",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("registration", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True, index=True),
    Column("active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("registration", name="uq_vehicle_registration"),
)

# The admin-kept list of order kinds (repair, maintenance, installation, work order ...);
# ``org_unit_id`` null: offered in every org unit.
order_kind = Table(
    "order_kind",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("code", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("active", Boolean, nullable=False, server_default="true"),
    # Review: a protocol of an order of this kind needs photos before it can be closed.
    Column("requires_photos", Boolean, nullable=False, server_default="false"),
    # The text a free-text message from an order of this kind starts from (seed 004).
    Column("default_message_text", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # One code per org unit, and once among the kinds for every org unit.
    UniqueConstraint(
        "code", "org_unit_id", name="uq_order_kind_code", postgresql_nulls_not_distinct=True
    ),
)

# --- cases and orders --------------------------------------------------------------------

# Seed 002's service case: a customer's problem; its orders are the field interventions.
service_case = Table(
    "service_case",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("number", String(20), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("customer_id", UUID(as_uuid=True), nullable=True, index=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True, index=True),
    # planned / in_progress / completed / cancelled / problem (issue 16 drives it).
    Column("status", String(20), nullable=False, server_default="planned"),
    Column("service_object_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(200), nullable=True),
    # Seed 002's case: the contact, when the work is planned to start, and why it is in
    # Problem (a visit's customer absent, a protocol's reported problem).
    Column("contact_id", UUID(as_uuid=True), nullable=True),
    Column("planned_start", DateTime(timezone=True), nullable=True),
    Column("problem_reason", String(500), nullable=True),
    # The dispatcher's review: sent back to the technician (why, when, by whom), or closed
    # and marked ready for invoicing.
    Column("sent_back_at", DateTime(timezone=True), nullable=True),
    Column("sent_back_by", String(200), nullable=True),
    Column("sent_back_reason", String(500), nullable=True),
    Column("invoicing_ready_at", DateTime(timezone=True), nullable=True),
    Column("invoicing_ready_by", String(200), nullable=True),
    CheckConstraint(
        "status IN ('planned', 'in_progress', 'completed', 'cancelled', 'problem')",
        name="status",
    ),
)

service_order = Table(
    "service_order",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("number", String(20), nullable=False, unique=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("service_case.id"), nullable=False),
    Column("kind_id", UUID(as_uuid=True), ForeignKey("order_kind.id"), nullable=True),
    Column("customer_id", UUID(as_uuid=True), nullable=True),
    Column("contact_id", UUID(as_uuid=True), nullable=True),
    # The intervention location: a serial item (its installation address copied into
    # ``location`` when set and refreshed by catalog's events while the order is open), or a
    # free address. ``location`` holds Address fields; the coordinates may be null.
    Column("serial_item_id", UUID(as_uuid=True), nullable=True, index=True),
    Column("location", JSONB, nullable=True),
    Column("service_object_ids", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("technician_id", UUID(as_uuid=True), ForeignKey("technician.id"), nullable=True),
    Column("vehicle_id", UUID(as_uuid=True), ForeignKey("vehicle.id"), nullable=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("customer_order_number", String(100), nullable=True),
    Column("facility_name", String(200), nullable=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("service_type_id", UUID(as_uuid=True), nullable=True),
    # The callout the order was opened for (scheduling's "create service order").
    Column("callout_id", UUID(as_uuid=True), nullable=True),
    # A trip of its case (seed 002): a field trip or a customer visit, and its distance
    # in km, pre-filled from the technician's home base to the location when both have
    # coordinates.
    Column("trip_type", String(20), nullable=False, server_default="field_trip"),
    Column("distance_km", Numeric(8, 1), nullable=True),
    Column("stage", String(20), nullable=False, server_default="new"),
    # Technician status; null while nothing is planned.
    Column("status", String(20), nullable=True),
    # The start of the earliest standing booking: the board's and the lists' "booked time".
    Column("booked_from", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("cancelled_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("stage IN ('new', 'planned', 'completed', 'cancelled')", name="stage"),
    CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name="priority"),
    Index("uq_service_order_callout", "callout_id", unique=True),
    # The board and the lists: by stage and org unit, newest first, keyset on (created_at, id).
    Index("ix_service_order_stage", "stage", "org_unit_id", "created_at", "id"),
    Index("ix_service_order_technician", "technician_id", "stage", "booked_from"),
    Index("ix_service_order_customer", "customer_id", "created_at"),
    Index("ix_service_order_created", "created_at", "id"),
    Index("ix_service_order_case", "case_id"),
    # Each board column's card order, any other filter (migration 0003).
    Index("ix_service_order_board_new", "stage", "created_at", "id"),
    Index("ix_service_order_board_planned", "stage", "booked_from", "id"),
    Index("ix_service_order_board_completed", "stage", "completed_at", "id"),
    Index("ix_service_order_board_cancelled", "stage", "cancelled_at", "id"),
)

# A planned visit: one technician, one interval. ``state``: standing (counts for stage,
# planning and overlaps), missed (the customer was absent), released (unplanned by a move
# back to New, or removed). Only standing bookings block a technician's time.
booking = Table(
    "booking",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("order_id", UUID(as_uuid=True), ForeignKey("service_order.id"), nullable=False),
    Column("technician_id", UUID(as_uuid=True), ForeignKey("technician.id"), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    # As the planner booked it, in the order's org unit's time zone.
    Column("local_date", Date, nullable=False),
    Column("local_start", Time, nullable=False),
    Column("local_end", Time, nullable=False),
    Column("state", String(20), nullable=False, server_default="standing"),
    # A planner booked over an overlap or outside working hours on purpose: what was
    # overridden (["overlap", "working_hours"]) and by whom.
    Column("overrides", ARRAY(String(20)), nullable=False, server_default="{}"),
    Column("override_reason", String(500), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("ends_at > starts_at", name="interval"),
    CheckConstraint("state IN ('standing', 'missed', 'released')", name="state"),
    Index("ix_booking_order", "order_id"),
    # Planning and overlap checks: a technician's standing bookings in time order.
    Index(
        "ix_booking_technician_time",
        "technician_id",
        "starts_at",
        postgresql_where="state = 'standing'",
    ),
    Index("ix_booking_day", "local_date", "technician_id", postgresql_where="state = 'standing'"),
)

# Every change of an order, timestamped: created, changed, status, stage, booking,
# absence, confirmation sent. Time accounting (travel, work, break) reads the status rows.
order_history = Table(
    "order_history",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("order_id", UUID(as_uuid=True), ForeignKey("service_order.id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("by", String(200), nullable=True),
    Column("kind", String(30), nullable=False),
    Column("from_value", String(50), nullable=True),
    Column("to_value", String(50), nullable=True),
    Column("detail", JSONB, nullable=False, server_default="{}"),
    Index("ix_order_history_order", "order_id", "id"),
)

# Booking confirmations and every other message about an order (protocols, work orders,
# free texts, internal e-mails) sent through notifications: the order's sent log.
# ``purpose`` says which; ``bookings_fingerprint`` holds the fingerprint of what was sent
# (the standing bookings for a confirmation, the document for a PDF), so an entry is
# flagged when that changed after sending.
order_message = Table(
    "order_message",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("order_id", UUID(as_uuid=True), ForeignKey("service_order.id"), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("purpose", String(30), nullable=False, server_default="booking_confirmation"),
    Column("channel", String(10), nullable=False),
    Column("recipients", ARRAY(String(320)), nullable=False),
    Column("bookings_fingerprint", String(64), nullable=False),
    Column("order_version", Integer, nullable=False),
    # requested, sent, failed, blocked: from notifications' results.
    Column("state", String(20), nullable=False, server_default="requested"),
    Column("detail", String(500), nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("requested_by", String(200), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("message_id", UUID(as_uuid=True), nullable=True),
    Index("ix_order_message_order", "order_id", "requested_at"),
)

# "Create service order" commands (scheduling's OpenServiceOrder) whose customer or serial
# item has not reached field work's projections yet: kept, not dead-lettered, and opened
# by the callouts package's retry loop once both have arrived.
waiting_callout_order = Table(
    "waiting_callout_order",
    metadata,
    Column("callout_id", UUID(as_uuid=True), primary_key=True),
    # The command's payload, as received.
    Column("command", JSONB, nullable=False),
    # What it waits for ("customer <id>, serial item <id>").
    Column("waiting_for", String(300), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("tried_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Index("ix_waiting_callout_order_tried", "tried_at"),
)

# Campaign cases of serial items (campaigns' ``campaigns.case.opened/closed``): an order
# shows the open ones of its serial items, and its completion names those ticked done.
# Closed is final: a close is recorded even when it arrives before its open, and an open
# arriving after its close changes nothing.
campaign_case = Table(
    "campaign_case",
    metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("campaign_id", UUID(as_uuid=True), nullable=False),
    Column("campaign_code", String(50), nullable=False),
    Column("campaign_name", String(200), nullable=False),
    # Locale -> the campaign's name in that language.
    Column("translations", JSONB, nullable=False, server_default="{}"),
    Column("serial_item_id", UUID(as_uuid=True), nullable=False),
    Column("case_number", String(20), nullable=True),
    Column("cause_code", String(50), nullable=True),
    Column("cause_description", Text, nullable=True),
    Column("customer_id", UUID(as_uuid=True), nullable=True),
    Column("org_unit_id", UUID(as_uuid=True), nullable=True),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("opened_at", DateTime(timezone=True), nullable=True),
    # completed or cancelled, with when, at which service order, or why.
    Column("outcome", String(20), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("service_order_id", UUID(as_uuid=True), nullable=True),
    Column("service_order_number", String(20), nullable=True),
    Column("close_reason", String(500), nullable=True),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    # An order's open cases, by its serial items.
    Index("ix_campaign_case_item", "serial_item_id", "status"),
)


# --- the second half: products, trips' technicians, protocols, documents ------------------

# Catalog's products: what a protocol's consumed items name.
product = Table(
    "product",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("product_number", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
)

# Every technician assigned to a trip (the order's responsible technician among them).
order_technician = Table(
    "order_technician",
    metadata,
    Column("order_id", UUID(as_uuid=True), ForeignKey("service_order.id"), nullable=False),
    Column("technician_id", UUID(as_uuid=True), ForeignKey("technician.id"), nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Column("assigned_by", String(200), nullable=True),
    PrimaryKeyConstraint("order_id", "technician_id", name="pk_order_technician"),
    Index("ix_order_technician_technician", "technician_id"),
)

# The service protocol (seed 002), filled on site: of a case, and of one of its orders
# when created from it. draft -> completed; a completed protocol may be sent back to
# draft by the dispatcher's review.
protocol = Table(
    "protocol",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("case_id", UUID(as_uuid=True), ForeignKey("service_case.id"), nullable=False),
    Column("order_id", UUID(as_uuid=True), ForeignKey("service_order.id"), nullable=True),
    Column("status", String(20), nullable=False, server_default="draft"),
    Column("fault_description", Text, nullable=False, server_default=""),
    Column("solution_description", Text, nullable=False, server_default=""),
    # The technician reports a problem (e.g. missing parts): the case goes to Problem.
    Column("problem_reported", Boolean, nullable=False, server_default="false"),
    Column("problem_description", String(1000), nullable=True),
    # The PDF shows the photos (seed 004's protocol setting "show images").
    Column("show_images", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("completed_by", String(200), nullable=True),
    CheckConstraint("status IN ('draft', 'completed')", name="status"),
    Index("ix_protocol_case", "case_id"),
    Index("ix_protocol_order", "order_id"),
)

# Consumed items: a catalog product or free text, a quantity and its unit.
protocol_item = Table(
    "protocol_item",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("protocol_id", UUID(as_uuid=True), ForeignKey("protocol.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", UUID(as_uuid=True), nullable=True),
    Column("product_number", String(100), nullable=True),
    Column("description", String(500), nullable=False),
    Column("quantity", Numeric(12, 3), nullable=False),
    Column("unit", String(20), nullable=False),
    CheckConstraint("quantity > 0", name="quantity"),
    Index("ix_protocol_item_protocol", "protocol_id", "position"),
)

# Works: what was done and how long it took (minutes), by whom.
protocol_work = Table(
    "protocol_work",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("protocol_id", UUID(as_uuid=True), ForeignKey("protocol.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("description", String(1000), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("technician_id", UUID(as_uuid=True), nullable=True),
    Column("work_date", Date, nullable=True),
    CheckConstraint("minutes >= 0", name="minutes"),
    Index("ix_protocol_work_protocol", "protocol_id", "position"),
)

# Photos before and after, the signed handover protocol: the bytes live in the attachment
# store (fieldwork.storage), the row says what and where.
protocol_attachment = Table(
    "protocol_attachment",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("protocol_id", UUID(as_uuid=True), ForeignKey("protocol.id"), nullable=False),
    # photo_before, photo_after, signed_protocol
    Column("kind", String(20), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(300), nullable=False, unique=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", String(200), nullable=True),
    Index("ix_protocol_attachment_protocol", "protocol_id", "uploaded_at"),
)

# Per org unit (seed 004): where internal e-mails go ("articles to order", "ordered
# articles", "delivered parts", planners told of bookings outside working hours) and
# whether the protocol PDF's file name carries the machine (serial) number.
org_unit_document_settings = Table(
    "org_unit_document_settings",
    metadata,
    Column("org_unit_id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("articles_to_order_emails", ARRAY(String(320)), nullable=False, server_default="{}"),
    Column("ordered_articles_emails", ARRAY(String(320)), nullable=False, server_default="{}"),
    Column("delivered_parts_emails", ARRAY(String(320)), nullable=False, server_default="{}"),
    Column("planner_emails", ARRAY(String(320)), nullable=False, server_default="{}"),
    Column(
        "protocol_file_name_with_machine_number", Boolean, nullable=False, server_default="false"
    ),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=True),
)
