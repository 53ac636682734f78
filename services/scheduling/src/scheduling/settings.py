"""Scheduling settings, read from ``SCHEDULING_*`` environment variables."""

from datetime import time

from pydantic_settings import SettingsConfigDict

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
    dispatch_batch_size: int = 100
    # The callout list shows, unless told otherwise, callouts scheduled from today up to
    # this many days ahead.
    list_default_days: int = 30
    # Rows fetched from the database per round trip while an export streams.
    export_batch_size: int = 1000
