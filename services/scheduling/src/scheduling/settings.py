"""Scheduling settings, read from ``SCHEDULING_*`` environment variables."""

from datetime import time

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aftersales_contracts.notifications import MAX_SET_SIZE
from aftersales_kit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SCHEDULING_", extra="ignore")

    service_name: str = "scheduling"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/aftersales_scheduling"
    http_port: int = 8003
    # How far ahead callouts are generated, and how far back a late occurrence is still sent.
    horizon_days: int = 400
    catch_up_days: int = 30
    # The rolling horizon: how often workflows whose callouts end before today + horizon
    # get their next occurrences, and how many workflows one transaction plans.
    horizon_interval_seconds: float = 3600.0
    horizon_batch_size: int = 200
    # A new version of a service type is planned for its items in committed batches of
    # this many items (the first with its event, the rest by the planning loop, which
    # looks for unfinished runs every ``planning_interval_seconds`` when idle).
    planning_batch_size: int = 1000
    planning_interval_seconds: float = 1.0
    # The default sending window, every day, in the org unit's time zone (``time_zone``
    # for items without an org unit): org units with their own window
    # (``PUT /callouts/sending-windows/{code}``) use that instead.
    sending_window_start: time = time(0, 0)
    sending_window_end: time = time(23, 59, 59)
    time_zone: str = "UTC"
    dispatch_interval_seconds: float = 1.0
    # A dispatch pass's requests go as one SendMessages (decision 102): no more than
    # one command carries.
    dispatch_batch_size: int = Field(default=100, ge=1, le=MAX_SET_SIZE)
    # The callout list shows, unless told otherwise, callouts scheduled from this many
    # days back (yesterday's failed, blocked and sent ones stay in view) up to
    # ``list_default_days`` ahead.
    list_default_days: int = Field(default=30, ge=0)
    list_default_past_days: int = Field(default=30, ge=0)
    # "Update recipient" (and "update recipient and synchronize") with a customer version
    # scheduling has not seen waits for it this long, then gives up: the callout keeps its
    # state with the error "the recipient's update did not arrive within N hours". The
    # loop looks for such callouts every ``recipient_wait_interval_seconds``.
    recipient_update_timeout_hours: float = Field(default=24.0, gt=0)
    recipient_wait_interval_seconds: float = 60.0
    # The daily digest (seed 004's "service reminder"): each org unit's callouts awaiting
    # approval or failed, compiled once a day from this local time on (the org unit's
    # time zone); the loop looks every ``digest_interval_seconds``.
    digest_time: time = time(7, 0)
    digest_interval_seconds: float = Field(default=60.0, gt=0)
    # Rows fetched from the database per round trip while an export streams.
    export_batch_size: int = 1000
