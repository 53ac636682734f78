"""Campaigns settings, read from ``CAMPAIGNS_*`` environment variables."""

from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CAMPAIGNS_", extra="ignore")

    service_name: str = "campaigns"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_campaigns"
    http_port: int = 8008
    # Case numbers: this prefix and the sequence's value, zero-padded to this width.
    case_number_prefix: str = "CA-"
    number_width: int = 6
    # A campaign's serial numbers: at most this many, and an uploaded CSV at most this big.
    max_serials: int = 100_000
    max_upload_bytes: int = 16 * 1024 * 1024
    # Release opens cases in committed batches of this many serial numbers.
    release_batch_size: int = 1000
