"""The schedule engine: which dates each step of a service type is due. No I/O."""

from aftersales_schedule.engine import Occurrence, add_months, occurrences

__all__ = ["Occurrence", "add_months", "occurrences"]
