"""Field work settings, read from ``FIELDWORK_*`` environment variables."""

from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDWORK_", extra="ignore")

    service_name: str = "fieldwork"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_fieldwork"
    http_port: int = 8007
    # The time zone of orders without an org unit (an org unit brings its own).
    time_zone: str = "UTC"
    # Order numbers: this prefix and the sequence's value, zero-padded to this width.
    order_number_prefix: str = "SO-"
    case_number_prefix: str = "SC-"
    number_width: int = 6
    # The company name a booking confirmation's {{ company }} carries.
    company_name: str = "Aftersales"
