"""What campaigns' use cases share, bound once per process: the settings and the clock
(tests hand in a fixed one)."""

from __future__ import annotations

from dataclasses import dataclass

from aftersales_kit.clock import Clock
from campaigns.settings import Settings


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock
