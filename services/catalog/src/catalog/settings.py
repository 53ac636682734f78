"""Catalog settings, read from ``CATALOG_*`` environment variables."""

from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    service_name: str = "catalog"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_catalog"
    http_port: int = 8001
    # Bulk import: the largest file accepted, and how often idle workers look for jobs.
    import_max_bytes: int = 2 * 1024**3
    import_poll_seconds: float = 2.0
