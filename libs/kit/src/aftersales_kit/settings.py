"""The settings base: each service subclasses it with its own environment prefix."""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aftersales_kit.signed_identity import MAX_TTL_SECONDS, MIN_SECRET_LENGTH

DEVELOPMENT = "development"
_CLIENT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")


class InternalClient(BaseModel):
    """An outside system allowed to call a service directly with its own API key
    (``Authorization: Bearer <key>``). Only the key's SHA-256 is configured: the setting
    can be read by whoever deploys without handing them the key."""

    key_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[str] = Field(default_factory=lambda: ["operator"])
    # None: not restricted. A list: only these org units (codes), as a restricted user.
    org_units: list[str] | None = None


class ServiceSettings(BaseSettings):
    """Read from ``<PREFIX>_<FIELD>`` environment variables; defaults suit a developer machine."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "aftersales"
    environment: str = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales"
    database_pool_size: int = 5
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Prepended to every exchange and queue name; test runs use their own.
    broker_prefix: str = ""
    prefetch_count: int = 32
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    # The largest JSON request body a route takes (413 beyond, before it is read whole);
    # uploads that are not JSON (imports) have their own limits.
    max_json_body_bytes: int = 32 * 1024 * 1024
    outbox_poll_seconds: float = 0.5
    outbox_batch_size: int = 100
    # The secret the gateway signs the identity it forwards with, and every service checks
    # it by (aftersales_kit.signed_identity). Required outside development: without it a
    # service would believe any identity headers a caller sends.
    internal_secret: SecretStr | None = None
    # During a rotation: a secret still accepted (not used to sign). Services first get
    # the new secret with the old one here, then the gateway the new one, then this goes.
    internal_secret_previous: SecretStr | None = None
    internal_identity_ttl_seconds: int = Field(default=60, ge=5, le=MAX_TTL_SECONDS)
    # Outside systems that call this service directly (only where the service allows it:
    # notifications), as JSON: {"erp": {"key_sha256": "<hex>", "roles": ["operator"]}}
    # or {"erp": "<hex>"} for the default role, operator.
    internal_clients: dict[str, InternalClient] = {}
    # Shared with the OpenTelemetry SDK, so it keeps the standard name.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "otel_exporter_otlp_endpoint"),
    )

    @field_validator("internal_clients", mode="before")
    @classmethod
    def _client_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                name: {"key_sha256": entry} if isinstance(entry, str) else entry
                for name, entry in value.items()
            }
        return value

    @model_validator(mode="after")
    def _internal_settings_sound(self) -> Self:
        prefix = str(self.model_config.get("env_prefix", "")).upper()
        for name in ("internal_secret", "internal_secret_previous"):
            value: SecretStr | None = getattr(self, name)
            if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{prefix}{name.upper()} must have at least {MIN_SECRET_LENGTH} characters"
                    " (e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        for name in self.internal_clients:
            if not _CLIENT_NAME.fullmatch(name):
                raise ValueError(
                    f"{prefix}INTERNAL_CLIENTS: {name!r} is not a client name"
                    " (1-63 of a-z, 0-9, '.', '_', '-')"
                )
        return self

    def env_name(self, field: str) -> str:
        """The environment variable that sets ``field`` for this service."""
        return f"{str(self.model_config.get('env_prefix', '')).upper()}{field.upper()}"
