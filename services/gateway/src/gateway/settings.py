"""Gateway settings, read from ``GATEWAY_*`` environment variables."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from aftersales_kit.settings import ServiceSettings
from gateway.domain import ThrottlePolicy

DEVELOPMENT = "development"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_gateway"
    http_port: int = 8000
    # The gateway's own JSON (sign-in, user administration) and sign-in forms are small:
    # a larger body is refused (413) before it is read. Forwarded bodies are the
    # services' to limit.
    max_json_body_bytes: int = 64 * 1024

    # The internal services; they are reached only through the gateway's route table.
    catalog_url: str = "http://127.0.0.1:8001"
    servicetypes_url: str = "http://127.0.0.1:8002"
    scheduling_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    fieldwork_url: str = "http://127.0.0.1:8007"
    campaigns_url: str = "http://127.0.0.1:8008"
    # A dead upstream must answer fast (503); a slow one gets the whole budget (then 504).
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    upstream_timeout_seconds: float = Field(default=15.0, gt=0)
    upstream_max_connections: int = Field(default=100, ge=1)

    token_ttl_minutes: int = Field(default=480, ge=1, le=60 * 24 * 30)
    # Signing in once more revokes the user's oldest live tokens beyond this many.
    max_live_tokens_per_user: int = Field(default=20, ge=1, le=1000)

    # Sign-in throttling (domain.ThrottlePolicy): this many failures in a row for one
    # username lock it out, then each further one doubles the lockout, up to the maximum;
    # failures are forgotten after a quiet window. A client address gets more, since an
    # office's users may share one address behind NAT.
    signin_max_failures: int = Field(default=5, ge=1, le=1000)
    signin_max_failures_per_address: int = Field(default=20, ge=1, le=100_000)
    signin_window_seconds: int = Field(default=15 * 60, ge=1, le=7 * 24 * 3600)
    signin_lockout_seconds: int = Field(default=30, ge=1, le=24 * 3600)
    signin_max_lockout_seconds: int = Field(default=15 * 60, ge=1, le=7 * 24 * 3600)
    # Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated):
    # none by default, so a client cannot choose the address it is counted against.
    trusted_proxies: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = []

    # Argon2id costs ~64 MiB and a quarter of a CPU-second per hash: at most this many run
    # at once (sign-in, user administration); a request waits this long for its turn, then
    # is answered 503.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    password_hash_wait_seconds: float = Field(default=5.0, gt=0, le=300)

    # The built console (services/console/dist); unset: found beside the sources, if built.
    console_dir: Path | None = None
    # The console's session cookie is sent over HTTPS only; unset: everywhere but in
    # development (``make run`` serves plain HTTP on 127.0.0.1).
    session_cookie_secure: bool | None = None

    dev_username: str = "dev"
    # No default secret outside development: validated below.
    dev_password: str | None = None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [
                ipaddress.ip_network(v.strip(), strict=False) for v in value.split(",") if v.strip()
            ]
        return value

    @model_validator(mode="after")
    def _lockout_within_its_cap(self) -> Self:
        if self.signin_lockout_seconds > self.signin_max_lockout_seconds:
            raise ValueError(
                "GATEWAY_SIGNIN_LOCKOUT_SECONDS must not exceed GATEWAY_SIGNIN_MAX_LOCKOUT_SECONDS"
            )
        return self

    @model_validator(mode="after")
    def _dev_password_only_defaults_in_development(self) -> Self:
        if self.dev_password is None:
            if self.environment != DEVELOPMENT:
                raise ValueError(
                    f"GATEWAY_DEV_PASSWORD must be set when environment is {self.environment!r}"
                )
            self.dev_password = "dev"
        elif not self.dev_password:
            raise ValueError("GATEWAY_DEV_PASSWORD must not be empty")
        return self

    def cookie_secure(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.environment != DEVELOPMENT

    def signin_policies(self) -> tuple[ThrottlePolicy, ThrottlePolicy]:
        """The throttling rules for a username and for a client address."""
        common = {
            "window": timedelta(seconds=self.signin_window_seconds),
            "first_lockout": timedelta(seconds=self.signin_lockout_seconds),
            "max_lockout": timedelta(seconds=self.signin_max_lockout_seconds),
        }
        return (
            ThrottlePolicy(max_failures=self.signin_max_failures, **common),
            ThrottlePolicy(max_failures=self.signin_max_failures_per_address, **common),
        )

    def upstream_urls(self) -> dict[str, str]:
        """Service name -> base URL, keyed like ``domain.ROUTES`` values."""
        return {
            "catalog": self.catalog_url,
            "servicetypes": self.servicetypes_url,
            "scheduling": self.scheduling_url,
            "notifications": self.notifications_url,
            "fieldwork": self.fieldwork_url,
            "campaigns": self.campaigns_url,
        }
