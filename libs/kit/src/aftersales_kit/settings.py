"""The settings base: each service subclasses it with its own environment prefix."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # Shared with the OpenTelemetry SDK, so it keeps the standard name.
    otel_exporter_otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT", "otel_exporter_otlp_endpoint"),
    )
