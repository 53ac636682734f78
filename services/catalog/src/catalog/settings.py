"""Catalog settings, read from ``CATALOG_*`` environment variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    service_name: str = "catalog"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_catalog"
    http_port: int = 8001
    # Bulk import limits (README, *Import limits*). The largest file: refused with 413 from
    # its Content-Length before it is read, or as soon as the stream passes it. 200 MiB is
    # over a million customers; a 50 MB file already grew the database by 423 MB.
    import_max_bytes: int = Field(default=200 * 1024**2, ge=1)
    # The most rows one job imports: past it the job stops, failed, saying where.
    import_max_rows: int = Field(default=1_000_000, ge=1)
    # Jobs waiting or running at once, per requester and overall: past either a new
    # upload is 429 with Retry-After (a worker runs one job at a time per replica).
    import_max_jobs_per_requester: int = Field(default=2, ge=1)
    import_max_jobs: int = Field(default=8, ge=1)
    import_retry_after_seconds: int = Field(default=60, ge=1)
    # Finished jobs, with their bad rows, are deleted this long after they finished.
    import_retention_days: float = Field(default=30, gt=0)
    import_retention_interval_seconds: float = Field(default=3600, gt=0)
    import_poll_seconds: float = 2.0
