"""What field work's use cases share, bound once per process: the settings and the clock
(tests hand in a fixed one)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aftersales_kit.clock import Clock
from fieldwork.settings import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of orders and technicians without an org unit."""
        return ZoneInfo(self.settings.time_zone)
