"""The HTTP shapes of technicians, vehicles and order kinds.

``*Fields`` is a whole record as a client writes it (a create's body, and a PATCH merged
onto the stored record, validated again); ``*Patch`` names only what changes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from fieldwork.resources import domain


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _normalized(normalize: Any) -> Any:
    """A validator that runs a domain normalization, its refusal a 422 on the field."""

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the str type refuses it with its own message
        try:
            return normalize(value)
        except domain.InvalidValue as error:
            raise PydanticCustomError("invalid", str(error)) from None

    return BeforeValidator(check)


Username = Annotated[str, _normalized(domain.normalize_username)]
Registration = Annotated[str, _normalized(domain.normalize_registration)]
KindCode = Annotated[str, _normalized(domain.normalize_kind_code)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Mobile = Annotated[str, Field(pattern=domain.E164, max_length=20)]


class Interval(_In):
    start: str = Field(examples=["08:00"], max_length=5)
    end: str = Field(examples=["16:00"], max_length=5)


# ISO weekday ("1" Monday .. "7" Sunday) -> that day's intervals; a missing day is off.
WorkingHours = dict[str, list[Interval]]


class AddressIn(_In):
    street: str = Field(min_length=1, max_length=200)
    postal_code: str = Field(default="", max_length=20)
    city: str = Field(min_length=1, max_length=100)
    # ISO 3166 alpha-2 (SE), or empty when not known.
    country: str = Field(default="", pattern=r"^([A-Z]{2})?$")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_coordinates(self) -> AddressIn:
        try:
            domain.check_coordinates(self.latitude, self.longitude)
        except domain.InvalidValue as error:
            raise ValueError(str(error)) from None
        return self


class Address(BaseModel):
    street: str
    postal_code: str
    city: str
    country: str
    latitude: float | None
    longitude: float | None


def _checked_hours(hours: WorkingHours) -> WorkingHours:
    plain = {day: [i.model_dump() for i in intervals] for day, intervals in hours.items()}
    try:
        checked = domain.check_working_hours(plain)
    except domain.InvalidValue as error:
        # The weekday and interval at fault lead the message: "3.1.end: ..."
        raise PydanticCustomError(
            "working_hours", "{where}: {message}", {"where": error.field, "message": str(error)}
        ) from None
    return {day: [Interval(**i) for i in intervals] for day, intervals in checked.items()}


def _default_hours() -> WorkingHours:
    return _checked_hours(
        {
            day: [Interval(**i) for i in intervals]
            for day, intervals in domain.DEFAULT_WORKING_HOURS.items()
        }
    )


CheckedHours = Annotated[WorkingHours, AfterValidator(_checked_hours)]


# --- technicians ---------------------------------------------------------------------


class TechnicianFields(_In):
    name: Name
    # The gateway user they sign in with; null: a technician without a sign-in.
    username: Username | None = None
    org_unit_id: uuid.UUID | None = None
    home_base: AddressIn | None = None
    # Missing: Monday to Friday 08:00-16:00. Sorted, days off left out.
    working_hours: CheckedHours = Field(
        default_factory=_default_hours,
        examples=[{"1": [{"start": "08:00", "end": "12:00"}, {"start": "12:30", "end": "16:30"}]}],
    )
    email: EmailStr | None = Field(default=None, max_length=320)
    mobile: Mobile | None = None
    active: bool = True


class TechnicianIn(TechnicianFields):
    pass


class TechnicianPatch(_In):
    """Only the fields sent change; ``null`` clears an optional one."""

    name: Name | None = None
    username: Username | None = None
    org_unit_id: uuid.UUID | None = None
    home_base: AddressIn | None = None
    working_hours: CheckedHours | None = None
    email: EmailStr | None = Field(default=None, max_length=320)
    mobile: Mobile | None = None


class TechnicianOut(BaseModel):
    id: uuid.UUID
    version: int
    name: str
    username: str | None
    org_unit_id: uuid.UUID | None
    home_base: Address | None
    working_hours: dict[str, list[Interval]]
    email: str | None
    mobile: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


# --- vehicles ------------------------------------------------------------------------


class VehicleFields(_In):
    registration: Registration
    name: Name
    org_unit_id: uuid.UUID | None = None
    active: bool = True


class VehicleIn(VehicleFields):
    pass


class VehiclePatch(_In):
    registration: Registration | None = None
    name: Name | None = None
    org_unit_id: uuid.UUID | None = None


class VehicleOut(BaseModel):
    id: uuid.UUID
    version: int
    registration: str
    name: str
    org_unit_id: uuid.UUID | None
    active: bool
    created_at: datetime
    updated_at: datetime


# --- order kinds ---------------------------------------------------------------------


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# The text a free-text message from an order of the kind starts from (seed 004); a blank
# text is none.
DefaultMessageText = Annotated[
    Annotated[str, Field(max_length=5000)] | None, BeforeValidator(_blank_is_none)
]


class OrderKindFields(_In):
    # Fixed once created: orders' snapshots and booking-confirmation templates refer to it.
    code: KindCode
    name: Name
    # Null: offered in every org unit.
    org_unit_id: uuid.UUID | None = None
    active: bool = True
    # The review refuses to close a case of this kind without photos.
    requires_photos: bool = False
    default_message_text: DefaultMessageText = None


class OrderKindIn(OrderKindFields):
    pass


class OrderKindPatch(_In):
    name: Name | None = None
    org_unit_id: uuid.UUID | None = None
    requires_photos: bool | None = None
    default_message_text: DefaultMessageText = None


class OrderKindOut(BaseModel):
    id: uuid.UUID
    version: int
    code: str
    name: str
    org_unit_id: uuid.UUID | None
    active: bool
    requires_photos: bool
    default_message_text: str | None
    created_at: datetime
    updated_at: datetime
