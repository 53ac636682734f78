"""Field work settings, read from ``FIELDWORK_*`` environment variables."""

from pathlib import Path

from pydantic import Field
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
    # Protocol attachments (photos, the signed protocol): the directory of the filesystem
    # attachment store (a volume in compose and Kubernetes; made on the first write), the
    # largest file accepted and how many files one protocol may hold (decision 79).
    attachments_dir: Path = Path("var/attachments")
    attachment_max_bytes: int = Field(default=15 * 1024 * 1024, ge=1)
    attachments_per_protocol: int = Field(default=50, ge=1)
    # Where users open the application: a recipient of a document who is a user of the
    # system gets a link to the order (``<public_url>/service-orders/<id>``) instead of the
    # PDF, and internal e-mails carry the same link.
    public_url: str = Field(default="http://localhost:8080", pattern=r"^https?://\S+$")
