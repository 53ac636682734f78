"""The HTTP shapes of the gateway's own API (``/auth``, ``/auth/users``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from aftersales_contracts.notifications import E164


class Credentials(BaseModel):
    """The password grant, as JSON or as an OAuth2 form."""

    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int  # seconds


class UserOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    # The org unit codes the user may see; empty: every org unit.
    org_units: list[str] = []
    # Where the user is told of what concerns them (field work's events); optional.
    email: str | None = None
    mobile: str | None = None


class MePatch(BaseModel):
    """``PATCH /auth/me``: one's own e-mail address and mobile number (``null`` removes
    one); nothing else of an account is the user's to change."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    # E.164: "+", the country code, no leading 0.
    mobile: E164 | None = None


# --- user administration (admins only) -------------------------------------------------


class UserIn(BaseModel):
    """A new user. The password is checked by ``domain.check_password``."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=150)
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    roles: list[str] = Field(min_length=1, max_length=10)
    org_units: list[str] = Field(default_factory=list, max_length=200)
    email: EmailStr | None = None
    # E.164: "+", the country code, no leading 0.
    mobile: E164 | None = None


class UserPatch(BaseModel):
    """The fields to change; a field left out stays as it is (``null`` is refused, but
    for ``email`` and ``mobile``, where it removes the address)."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    roles: list[str] | None = Field(default=None, min_length=1, max_length=10)
    org_units: list[str] | None = Field(default=None, max_length=200)
    active: bool | None = None
    email: EmailStr | None = None
    mobile: E164 | None = None


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)


class UserAdminOut(BaseModel):
    """A user as an admin sees it: never its password or hash."""

    id: uuid.UUID
    username: str
    display_name: str
    roles: list[str]
    org_units: list[str]
    email: str | None = None
    mobile: str | None = None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class SessionOut(BaseModel):
    """The console's sign-in: who is signed in; the token itself is in the cookie."""

    user: UserOut
    expires_in: int  # seconds
