"""Notifications settings, read from ``NOTIFICATIONS_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from aftersales_kit.settings import ServiceSettings
from notifications.delivery.domain import check_sms_sender_name


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_notifications"
    http_port: int = 8004
    # The e-mail sender is its own process; it serves only health and readiness.
    sender_http_port: int = 8005
    # So is the SMS sender (``notifications-sms-sender``).
    sms_sender_http_port: int = 8006

    # The sender processes (e-mail and SMS): the SMS sender's prefetch and both senders'
    # database pool. Both send in batches (at most SENDER_BATCH_SIZE and their rate
    # limiter's burst), SENDER_CONCURRENT_BATCHES at a time, a batch holding at most
    # CONNECTIONS_PER_BATCH connections whatever its size; a sender refuses to start
    # with a pool smaller than its batches and SENDER_SPARE_CONNECTIONS need
    # (``check_sender_pool``). The SMS sender holds four batches' worth unless told
    # (None): two going out and two full ones waiting, as the e-mail sender does
    # (decision 103). NOTIFICATIONS_PREFETCH_COUNT / DATABASE_POOL_SIZE are the API
    # process's.
    sender_prefetch_count: int | None = Field(default=None, ge=1)
    sender_database_pool_size: int = 20
    # The e-mail sender's prefetch: it sends the deliveries in flight in batches (at most
    # 32 and SMTP_RATE_BURST, two at a time, a batch holding at most three connections
    # whatever its size). Four batches' worth: two going out and two full ones waiting.
    # With two (64), each new batch took what had come in its 2 ms of gathering, ~19, and
    # paid its transactions for that few (decision 101).
    email_sender_prefetch_count: int = 128
    # How long a sender keeps retrying to record an outcome it knows (the server took the
    # message, or refused it) while the database is unreachable, before it gives up and
    # the message becomes unconfirmed at its redelivery. Below the broker's 30 min
    # consumer timeout: the delivery stays unacked meanwhile.
    delivery_outcome_retry_seconds: float = 600.0

    # Defaults point at the local SMTP sink (``python -m aftersales_testing.smtp_sink``).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    # A SecretStr is never printed in logs or reprs; no API returns it.
    smtp_password: SecretStr | None = None
    # Implicit TLS (port 465). With it off, STARTTLS is used when the server offers it.
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 30.0
    # Connections kept open between messages, per server (``delivery.smtp.SmtpConnections``):
    # closed after this long idle (0: a connection per message) or this many messages.
    smtp_keep_open_seconds: float = Field(default=30.0, ge=0)
    smtp_messages_per_connection: int = Field(default=100, ge=1)
    # A transient failure (server away, 4xx, timeout) waits ``base * 2 ** (delivery - 1)``
    # seconds, capped at the maximum, before the delivery goes back to the queue; the
    # queue's delivery limit (5) then decides when it is dead-lettered, so with the
    # defaults an SMTP outage of about 2.5 minutes (5 + 10 + 20 + 40 + 80 s) is ridden out.
    smtp_retry_delay_seconds: float = 5.0
    smtp_retry_max_delay_seconds: float = 120.0
    # A token bucket per SMTP server in each e-mail sender process: at most ``rate``
    # messages a second on average, ``burst`` at once (``delivery.smtp.SmtpRateLimits``).
    smtp_rate_per_second: float = 20.0
    smtp_rate_burst: int = 20
    from_address: str = "service@aftersales.local"
    email_footer: str = "This is an automated message from Aftersales. Please do not reply."

    # SMS through a provider's HTTP API (``notifications.delivery.sms``). Without a provider URL
    # SMS is not set up: a message whose channel comes out as SMS is blocked with
    # ``sms_setup_missing``. ``make run`` points it at the local fake provider.
    # (One provider and sender name for the whole installation for now; per org unit
    # settings come with the org-unit projection.)
    sms_provider_url: str | None = None
    # Sent as a bearer token; a SecretStr is never printed in logs or reprs.
    sms_api_key: SecretStr | None = None
    # An alphanumeric sender ID: at most 11 letters, digits or spaces, with a letter.
    sms_sender_name: str = "Aftersales"
    sms_timeout_seconds: float = 10.0
    # A transient failure (timeout, 5xx, 429) waits ``base * 2 ** (delivery - 1)`` seconds,
    # capped at the maximum, before the delivery goes back to the queue; the queue's
    # delivery limit bounds the attempts, then the command waits in the dead-letter queue.
    sms_retry_delay_seconds: float = 2.0
    sms_retry_max_delay_seconds: float = 60.0
    # A token bucket per SMS sender process: at most ``rate`` provider calls a second on
    # average, ``burst`` at once. Several processes share the provider's limit between them.
    sms_rate_per_second: float = 10.0
    sms_rate_burst: int = 10

    # Templates, org units' sending settings, attachments, reports (``templates``,
    # ``org_settings``, ``templates.reports``). A Fernet key (``Fernet.generate_key()``) that
    # encrypts org units' SMTP passwords at rest; without one no password can be stored.
    secrets_key: SecretStr | None = None
    # With it, a message naming an org unit that has no sending settings is blocked
    # (``email_settings_missing``) instead of going through the installation's server.
    require_org_unit_email_settings: bool = False
    # Decoded sizes: one attachment, all of a message's together, and how many.
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachments_max_total_bytes: int = 20 * 1024 * 1024
    attachments_max_count: int = 10
    # Send quotas (cost limits), checked by ``sending.quotas``. Per request: the addresses
    # a request names itself, and the SMS segments it bills (numbers x segments of the
    # rendered text); over them a request is refused (422 naming the field; a command
    # fails). Per requester and channel per UTC day: messages queued and SMS segments;
    # over them 429 with Retry-After up to the next UTC midnight (a command fails). The
    # day's counts are in PostgreSQL (``send_quota``), shared by every replica.
    max_emails_per_request: int = 50
    max_mobiles_per_request: int = 10
    max_sms_segments_per_request: int = 50
    daily_emails_per_requester: int = 10_000
    daily_sms_per_requester: int = 1_000
    daily_sms_segments_per_requester: int = 5_000
    # The language of localized template words when neither the request nor the
    # customer gives one.
    default_language: str = "en"

    @field_validator("sms_sender_name")
    @classmethod
    def _sender_name(cls, value: str) -> str:
        return check_sms_sender_name(value)

    @property
    def sms_configured(self) -> bool:
        return bool(self.sms_provider_url)

    def for_sender(self, role: str) -> Settings:
        """These settings for a sender process (``sender``, ``sms-sender``): its own name
        in traces and logs, its prefetch and pool; refused when the pool is too small."""
        check_sender_pool(self.sender_database_pool_size)
        if role == "sender":
            prefetch = self.email_sender_prefetch_count
        else:
            batch = sender_batch_size(self.sms_rate_burst)
            prefetch = self.sender_prefetch_count or 2 * SENDER_CONCURRENT_BATCHES * batch
        return self.model_copy(
            update={
                "service_name": f"{self.service_name}-{role}",
                "prefetch_count": prefetch,
                "database_pool_size": self.sender_database_pool_size,
            }
        )


# The most deliveries a sender's batch takes (the kit's default), and no more than its
# rate limiter's burst: a batch takes its tokens at once or goes one by one, and one
# larger than the burst never could.
SENDER_BATCH_SIZE = 32
# Batches a sender applies at once, each on an SMTP connection (or provider request) of
# its own: a batch spends most of its time waiting for the server's answers, one message
# after another, so one at a time leaves the process mostly idle (bench/README.md).
SENDER_CONCURRENT_BATCHES = 2
# What a batch holds while it sends, whatever its size: its transaction, its
# hand-overs', an attempt written apart.
CONNECTIONS_PER_BATCH = 3
# Connections a sender needs besides its batches': the outbox relay, readiness.
SENDER_SPARE_CONNECTIONS = 2


def sender_batch_size(burst: int) -> int:
    """The most deliveries a sender's batch takes under a rate limiter of ``burst``."""
    return max(1, min(SENDER_BATCH_SIZE, burst))


class SenderPoolTooSmall(ValueError):
    pass


def check_sender_pool(pool_size: int) -> None:
    """A sender's batches in flight hold their connections while they talk to the
    server: a pool without them (and the spares) makes a batch wait for a connection
    until the pool's timeout, and readiness with it. What a sender holds in hand (its
    prefetch) waits without one."""
    needed = SENDER_CONCURRENT_BATCHES * CONNECTIONS_PER_BATCH + SENDER_SPARE_CONNECTIONS
    if pool_size < needed:
        raise SenderPoolTooSmall(
            f"NOTIFICATIONS_SENDER_DATABASE_POOL_SIZE is {pool_size}: a sender needs at "
            f"least {needed} ({SENDER_CONCURRENT_BATCHES} batches at once holding "
            f"{CONNECTIONS_PER_BATCH} each, and {SENDER_SPARE_CONNECTIONS} spare)"
        )
