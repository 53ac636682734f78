"""What scheduling's use cases share, bound once per process: the settings, the clock
(tests hand in a fixed one) and the planner (which keeps its loop's turn and back-off)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from aftersales_kit.clock import Clock
from scheduling.planning import Planner
from scheduling.settings import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock
    planner: Planner

    @classmethod
    def create(cls, settings: Settings, clock: Clock) -> Context:
        return cls(settings, clock, Planner(settings, clock))

    @property
    def zone(self) -> ZoneInfo:
        """The service's time zone: for items without an org unit, and list dates."""
        return self.planner.zone

    def today(self) -> date:
        return self.planner.today()
