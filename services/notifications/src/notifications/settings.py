"""Notifications settings, read from ``NOTIFICATIONS_*`` environment variables."""

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_notifications"
    http_port: int = 8004
    # The e-mail sender is its own process; it serves only health and readiness.
    sender_http_port: int = 8005

    # Defaults point at the local SMTP sink (``python -m aftersales_testing.smtp_sink``).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    # A SecretStr is never printed in logs or reprs; no API returns it.
    smtp_password: SecretStr | None = None
    # Implicit TLS (port 465). With it off, STARTTLS is used when the server offers it.
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 30.0
    # A transient failure (server away, 4xx) waits this long before the delivery goes
    # back to the queue; the queue's delivery limit then decides when it is dead-lettered,
    # so the limit times this delay is how long an SMTP outage is ridden out.
    smtp_retry_delay_seconds: float = 5.0
    from_address: str = "service@aftersales.local"
    email_footer: str = "This is an automated message from Aftersales. Please do not reply."
