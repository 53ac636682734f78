"""Events published by catalog: the installed base and the customer register.

Events carry a full snapshot of the aggregate and its ``version`` so that consumers
can keep projections without calling back, and ignore a stale snapshot that arrives
after a newer one.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date

from pydantic import EmailStr

from aftersales_contracts.envelope import Message


class CommunicationMethod(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class ProductRegistered(Message):
    TYPE = "catalog.product.registered"

    product_id: uuid.UUID
    version: int
    product_number: str
    name: str


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
