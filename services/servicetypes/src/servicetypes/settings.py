"""Servicetypes settings, read from ``SERVICETYPES_*`` environment variables."""

from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SERVICETYPES_", extra="ignore")

    service_name: str = "servicetypes"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_servicetypes"
    http_port: int = 8002
