"""The HTTP shapes of the user accounts the gateway pushes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from aftersales_contracts.notifications import E164


class UserAccountIn(BaseModel):
    """``PUT /user-accounts/{username}``: the account as the gateway holds it now."""

    model_config = ConfigDict(extra="forbid")

    # The gateway's account version: an older one than stored changes nothing.
    version: int = Field(ge=1)
    display_name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    mobile: E164 | None = None
    roles: list[str] = Field(default_factory=list, max_length=10)
    org_units: list[str] = Field(default_factory=list, max_length=200)
    active: bool = True


class UserAccountOut(BaseModel):
    username: str
    version: int
    # False: a newer version was stored already, this one was not applied.
    applied: bool
