"""The schedule engine: which dates each step of a service type is due, and which items a
type applies to. No I/O."""

from aftersales_schedule.applicability import applies_to, link_products, linked_products
from aftersales_schedule.engine import (
    Occurrence,
    add_months,
    calendar_interval,
    local_date,
    occurrences,
    shift,
)

__all__ = [
    "Occurrence",
    "add_months",
    "applies_to",
    "calendar_interval",
    "link_products",
    "linked_products",
    "local_date",
    "occurrences",
    "shift",
]
