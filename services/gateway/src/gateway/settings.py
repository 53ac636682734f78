"""Gateway settings, read from ``GATEWAY_*`` environment variables."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings

DEVELOPMENT = "development"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_gateway"
    http_port: int = 8000
    # The gateway's own JSON (sign-in, user administration) is small; a larger body is
    # refused (413) before it is read. Forwarded bodies are the services' to limit.
    max_json_body_bytes: int = 64 * 1024

    # The internal services; they are reached only through the gateway's route table.
    catalog_url: str = "http://127.0.0.1:8001"
    servicetypes_url: str = "http://127.0.0.1:8002"
    scheduling_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    # A dead upstream must answer fast (503); a slow one gets the whole budget (then 504).
    upstream_connect_timeout_seconds: float = Field(default=2.0, gt=0)
    upstream_timeout_seconds: float = Field(default=15.0, gt=0)
    upstream_max_connections: int = Field(default=100, ge=1)

    token_ttl_minutes: int = Field(default=480, ge=1, le=60 * 24 * 30)

    dev_username: str = "dev"
    # No default secret outside development: validated below.
    dev_password: str | None = None

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

    def upstream_urls(self) -> dict[str, str]:
        """Service name -> base URL, keyed like ``domain.ROUTES`` values."""
        return {
            "catalog": self.catalog_url,
            "servicetypes": self.servicetypes_url,
            "scheduling": self.scheduling_url,
            "notifications": self.notifications_url,
        }
