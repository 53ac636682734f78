"""This feature's consumers: which queue feeds which use case."""

from __future__ import annotations

from aftersales_kit.runtime import ServiceRuntime
from campaigns.context import Context


def register(runtime: ServiceRuntime, ctx: Context) -> None:
    """Attach this feature's consumers to ``runtime``."""
