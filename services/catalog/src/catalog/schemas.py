"""The HTTP shapes of catalog's API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aftersales_contracts.catalog import CommunicationMethod, CustomerKind, SerialItemStatus
from catalog.domain import (
    check_attributes,
    check_country,
    check_locale,
    check_preferred_method,
    check_time_zone,
    normalize_mobile,
)

Code = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Group = Field(default=None, min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")


def _translations(translations: dict[str, str]) -> dict[str, str]:
    for locale, text in translations.items():
        check_locale(locale)
        if not text.strip() or len(text) > 200:
            raise ValueError(f"the {locale!r} name must be 1 to 200 characters")
    return translations


class ProductFields(_In):
    """What an update may set: everything but the product number."""

    name: str = Field(min_length=1, max_length=200)
    translations: dict[str, str] = Field(default_factory=dict, max_length=50)
    product_group: str | None = Group

    _locales = field_validator("translations")(_translations)


class ProductIn(ProductFields):
    product_number: str = Code


class ProductPatch(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    translations: dict[str, str] | None = Field(default=None, max_length=50)
    product_group: str | None = Group


class ProductOut(BaseModel):
    id: uuid.UUID
    product_number: str
    name: str
    translations: dict[str, str]
    product_group: str | None
    active: bool
    version: int


def _time_zone(name: str | None) -> str | None:
    return None if name is None else check_time_zone(name)


class CustomerFields(_In):
    """What an update may set: everything but the customer number."""

    name: str = Field(min_length=1, max_length=200)
    emails: list[EmailStr] = Field(default_factory=list, max_length=10)
    mobiles: list[str] = Field(default_factory=list, max_length=10)
    allowed_methods: list[CommunicationMethod] = Field(
        default_factory=lambda: [CommunicationMethod.EMAIL]
    )
    preferred_method: CommunicationMethod | None = None
    language: str = Field(default="en", min_length=2, max_length=10)
    kind: CustomerKind = CustomerKind.COMPANY
    time_zone: str | None = Field(default=None, max_length=64)
    # The customer's home org unit: a caller restricted to org units sees and changes only
    # the customers of its units (``catalog.visibility``); none: unrestricted callers only.
    org_unit_id: uuid.UUID | None = None

    _zone = field_validator("time_zone")(_time_zone)

    @field_validator("mobiles")
    @classmethod
    def _e164(cls, mobiles: list[str]) -> list[str]:
        return [normalize_mobile(m) for m in mobiles]

    @field_validator("preferred_method")
    @classmethod
    def _preferred_allowed(
        cls, preferred: CommunicationMethod | None, info: ValidationInfo
    ) -> CommunicationMethod | None:
        # Fields validate in order: allowed_methods is checked (or failed) by now.
        if "allowed_methods" in info.data:
            check_preferred_method(info.data["allowed_methods"], preferred)
        return preferred


class CustomerIn(CustomerFields):
    customer_number: str = Code


class CustomerPatch(_In):
    """A partial update; the merged result is checked like a full one."""

    name: str | None = None
    emails: list[str] | None = None
    mobiles: list[str] | None = None
    allowed_methods: list[str] | None = None
    preferred_method: str | None = None
    language: str | None = None
    kind: str | None = None
    time_zone: str | None = None
    org_unit_id: str | None = None


class ContactIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    mobile: str | None = None
    role: str | None = Field(default=None, min_length=1, max_length=100)
    send_service_protocol: bool = False
    send_work_order: bool = False
    receive_booking_confirmations: bool = False

    @field_validator("mobile")
    @classmethod
    def _e164(cls, mobile: str | None) -> str | None:
        return None if mobile is None else normalize_mobile(mobile)


class ContactOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    name: str
    email: str | None
    mobile: str | None
    role: str | None
    send_service_protocol: bool
    send_work_order: bool
    receive_booking_confirmations: bool


class CustomerOut(BaseModel):
    id: uuid.UUID
    customer_number: str
    name: str
    emails: list[str]
    mobiles: list[str]
    allowed_methods: list[CommunicationMethod]
    preferred_method: CommunicationMethod | None
    language: str
    kind: CustomerKind
    time_zone: str | None
    org_unit_id: uuid.UUID | None = None
    active: bool
    contacts: list[ContactOut] = Field(default_factory=list)
    version: int


class AddressIn(_In):
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(min_length=1, max_length=20)
    city: str = Field(min_length=1, max_length=100)
    country: str = Field(min_length=2, max_length=2)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    _country = field_validator("country")(check_country)

    @model_validator(mode="after")
    def _both_coordinates(self) -> AddressIn:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class SerialItemFields(_In):
    """What an update may set: everything but the serial number, the product and the owner
    (``POST /serial-items/{id}/owner``).

    ``pinned_service_type_id`` is kept as given: service types live in another service,
    and catalog never calls it, so it cannot check that the type exists.
    """

    name: str = Field(min_length=1, max_length=200)
    translations: dict[str, str] = Field(default_factory=dict, max_length=50)
    initial_order_customer_id: uuid.UUID | None = None
    org_unit_id: uuid.UUID | None = None
    startup_date: date | None = None
    delivery_date: date | None = None
    installation_address: AddressIn | None = None
    status: SerialItemStatus = SerialItemStatus.ACTIVE
    pinned_service_type_id: uuid.UUID | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    # The action code a service link's pre-code names (servicetypes keeps pre-codes of at
    # most 50 characters and compares them exactly).
    action_code: str | None = Field(default=None, min_length=1, max_length=50)

    _locales = field_validator("translations")(_translations)
    _attributes = field_validator("attributes")(check_attributes)


class SerialItemIn(SerialItemFields):
    serial_number: str = Code
    product_id: uuid.UUID
    owner_customer_id: uuid.UUID
    name: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    # Free text from before org units existed: an org unit's code links that unit.
    org_unit: str | None = Field(default=None, max_length=50)


class SerialItemPatch(_In):
    """A partial update; the merged result is checked like a full one."""

    name: str | None = None
    translations: dict[str, Any] | None = None
    initial_order_customer_id: str | None = None
    org_unit_id: str | None = None
    startup_date: str | None = None
    delivery_date: str | None = None
    installation_address: dict[str, Any] | None = None
    status: str | None = None
    pinned_service_type_id: str | None = None
    attributes: dict[str, Any] | None = None
    action_code: str | None = None


class OwnerIn(_In):
    owner_customer_id: uuid.UUID


class AddressOut(BaseModel):
    street: str
    postal_code: str
    city: str
    country: str
    latitude: float | None
    longitude: float | None


class SerialItemOut(BaseModel):
    id: uuid.UUID
    serial_number: str
    name: str
    translations: dict[str, str]
    product_id: uuid.UUID
    owner_customer_id: uuid.UUID
    initial_order_customer_id: uuid.UUID | None
    org_unit_id: uuid.UUID | None
    org_unit: str | None
    startup_date: date | None
    delivery_date: date | None
    installation_address: AddressOut | None
    status: SerialItemStatus
    pinned_service_type_id: uuid.UUID | None
    attributes: dict[str, str]
    action_code: str | None = None
    version: int


class ServiceTypeMark(BaseModel):
    id: uuid.UUID
    name: str


class CampaignMark(BaseModel):
    campaign_id: uuid.UUID
    case_id: uuid.UUID
    code: str
    name: str


class SerialItemView(SerialItemOut):
    """An item as the read endpoints show it: with the marks other services' events put
    on it. Kept apart from ``SerialItemOut``, whose fields are the item's events."""

    service_types: list[ServiceTypeMark]
    pending_campaigns: list[CampaignMark]


class OrgUnitFields(_In):
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = Field(min_length=1, max_length=64)
    parent_id: uuid.UUID | None = None

    _zone = field_validator("time_zone")(check_time_zone)


class OrgUnitIn(OrgUnitFields):
    code: str = Field(min_length=1, max_length=50, pattern=r"^\S(.*\S)?$")


class OrgUnitOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    time_zone: str
    parent_id: uuid.UUID | None
    version: int
