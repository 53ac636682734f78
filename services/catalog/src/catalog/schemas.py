"""The HTTP shapes of catalog's API."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from aftersales_contracts.catalog import CommunicationMethod
from catalog.domain import check_preferred_method, normalize_mobile

Code = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProductIn(_In):
    product_number: str = Code
    name: str = Field(min_length=1, max_length=200)


class ProductOut(BaseModel):
    id: uuid.UUID
    product_number: str
    name: str
    version: int


class CustomerIn(_In):
    customer_number: str = Code
    name: str = Field(min_length=1, max_length=200)
    emails: list[EmailStr] = Field(default_factory=list, max_length=10)
    mobiles: list[str] = Field(default_factory=list, max_length=10)
    allowed_methods: list[CommunicationMethod] = Field(
        default_factory=lambda: [CommunicationMethod.EMAIL]
    )
    preferred_method: CommunicationMethod | None = None
    language: str = Field(default="en", min_length=2, max_length=10)

    @field_validator("mobiles")
    @classmethod
    def _e164(cls, mobiles: list[str]) -> list[str]:
        return [normalize_mobile(m) for m in mobiles]

    @model_validator(mode="after")
    def _preferred_allowed(self) -> CustomerIn:
        check_preferred_method(self.allowed_methods, self.preferred_method)
        return self


class CustomerOut(BaseModel):
    id: uuid.UUID
    customer_number: str
    name: str
    emails: list[str]
    mobiles: list[str]
    allowed_methods: list[CommunicationMethod]
    preferred_method: CommunicationMethod | None
    language: str
    version: int


class SerialItemIn(_In):
    serial_number: str = Code
    name: str | None = Field(default=None, max_length=200)
    product_id: uuid.UUID
    owner_customer_id: uuid.UUID
    org_unit: str | None = Field(default=None, max_length=50)
    startup_date: date | None = None


class SerialItemOut(BaseModel):
    id: uuid.UUID
    serial_number: str
    name: str
    product_id: uuid.UUID
    owner_customer_id: uuid.UUID
    org_unit: str | None
    startup_date: date | None
    version: int
