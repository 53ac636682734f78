"""Events published by catalog: the installed base and the customer register.

Events carry a full snapshot of the aggregate and its ``version`` so that consumers
can keep projections without calling back, and ignore a stale snapshot that arrives
after a newer one.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Iterator
from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from aftersales_contracts.envelope import Message


class CommunicationMethod(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class CustomerKind(enum.StrEnum):
    COMPANY = "company"
    PERSON = "person"


class SerialItemStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SCRAPPED = "scrapped"


class InstallationAddress(BaseModel):
    """Where an item is installed; ``country`` is ISO 3166 alpha-2, coordinates optional."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    street: str
    postal_code: str
    city: str
    country: str
    latitude: float | None = None
    longitude: float | None = None


class Contact(BaseModel):
    """A contact person of a customer, and which documents they receive."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    contact_id: uuid.UUID
    name: str
    email: EmailStr | None = None
    mobile: str | None = None
    role: str | None = None
    send_service_protocol: bool = False
    send_work_order: bool = False
    receive_booking_confirmations: bool = False


class ProductRegistered(Message):
    TYPE = "catalog.product.registered"

    product_id: uuid.UUID
    version: int
    product_number: str
    name: str
    # Added with catalog phase 1; defaulted so that older snapshots still parse.
    translations: dict[str, str] = Field(default_factory=dict)
    product_group: str | None = None
    active: bool = True


class ProductChanged(ProductRegistered):
    """The full product snapshot after any change (the same shape as its registration)."""

    TYPE = "catalog.product.changed"


class CustomerRegistered(Message):
    TYPE = "catalog.customer.registered"

    customer_id: uuid.UUID
    version: int
    customer_number: str
    name: str
    emails: list[EmailStr]
    mobiles: list[str]
    allowed_methods: list[CommunicationMethod]
    preferred_method: CommunicationMethod | None
    language: str
    # Added with catalog phase 1; defaulted so that older snapshots still parse.
    kind: CustomerKind = CustomerKind.COMPANY
    time_zone: str | None = None
    active: bool = True
    contacts: list[Contact] = Field(default_factory=list)
    # Added 2026-11-30 (customers per org unit); None: no home org unit.
    org_unit_id: uuid.UUID | None = None


# The most snapshots a set event carries: a bulk import publishes one per batch of rows.
MAX_SET_SIZE = 1000


class CustomersRegistered(Message):
    """Customers registered together — a bulk import's batch: one message for many, each
    the snapshot its own ``CustomerRegistered`` would carry. A consumer applies it as it
    would apply each of those events (every one is versioned, so the rules for order and
    duplicates are the same)."""

    TYPE = "catalog.customers.registered"

    customers: list[CustomerRegistered] = Field(min_length=1, max_length=MAX_SET_SIZE)

    def __len__(self) -> int:
        return len(self.customers)


def each_customer(
    payloads: Iterable[CustomerRegistered | CustomersRegistered],
) -> Iterator[CustomerRegistered]:
    """The customer snapshots of single and set events alike, in order."""
    for payload in payloads:
        if isinstance(payload, CustomersRegistered):
            yield from payload.customers
        else:
            yield payload


class CustomerChanged(CustomerRegistered):
    """The full customer snapshot after any change, contacts and communication settings
    included (the same shape as its registration, so projections handle both alike)."""

    TYPE = "catalog.customer.changed"


class CustomerCommunicationChanged(CustomerRegistered):
    """Published besides ``CustomerChanged`` when how to reach the customer changed: its
    e-mail addresses, mobile numbers, allowed or preferred methods, language or contacts.
    For consumers that act on that alone (lifting a block on a callout, say)."""

    TYPE = "catalog.customer.communication_changed"

    changed_fields: list[str]


class CustomerDeactivated(Message):
    TYPE = "catalog.customer.deactivated"

    customer_id: uuid.UUID
    version: int
    customer_number: str


class OrgUnitChanged(Message):
    """An org unit's snapshot after it was created or changed."""

    TYPE = "catalog.org_unit.changed"

    org_unit_id: uuid.UUID
    version: int
    code: str
    name: str
    time_zone: str
    parent_id: uuid.UUID | None


class SerialItemRegistered(Message):
    TYPE = "catalog.serial_item.registered"

    serial_item_id: uuid.UUID
    version: int
    serial_number: str
    name: str
    product_id: uuid.UUID
    product_number: str
    product_name: str
    owner_customer_id: uuid.UUID
    org_unit: str | None
    startup_date: date | None
    # Added with catalog phase 2; defaulted so that older snapshots still parse.
    translations: dict[str, str] = Field(default_factory=dict)
    initial_order_customer_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    delivery_date: date | None = None
    installation_address: InstallationAddress | None = None
    status: SerialItemStatus = SerialItemStatus.ACTIVE
    # A service type id as given; catalog does not know service types and cannot check it.
    pinned_service_type_id: uuid.UUID | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    # Added with issue 17: the item's action code; a service link with a pre-code applies
    # only to items of that code. None (and older snapshots) match no pre-coded link.
    action_code: str | None = None


class SerialItemsRegistered(Message):
    """Serial items registered together — a bulk import's batch: one message for many,
    each the snapshot its own ``SerialItemRegistered`` would carry, applied by consumers
    as those events would be."""

    TYPE = "catalog.serial_items.registered"

    items: list[SerialItemRegistered] = Field(min_length=1, max_length=MAX_SET_SIZE)

    def __len__(self) -> int:
        return len(self.items)


def each_item(
    payloads: Iterable[SerialItemRegistered | SerialItemsRegistered],
) -> Iterator[SerialItemRegistered]:
    """The item snapshots of single and set events alike, in order."""
    for payload in payloads:
        if isinstance(payload, SerialItemsRegistered):
            yield from payload.items
        else:
            yield payload


class SerialItemChanged(SerialItemRegistered):
    """The full item snapshot after any change (the same shape as its registration)."""

    TYPE = "catalog.serial_item.changed"


class SerialItemOwnerChanged(SerialItemRegistered):
    """The full item snapshot after its owner changed: ``owner_customer_id`` is the new
    owner, ``previous_owner_customer_id`` the one before."""

    TYPE = "catalog.serial_item.owner_changed"

    previous_owner_customer_id: uuid.UUID


class SerialItemDeactivated(Message):
    TYPE = "catalog.serial_item.deactivated"

    serial_item_id: uuid.UUID
    version: int
    serial_number: str
    product_id: uuid.UUID
