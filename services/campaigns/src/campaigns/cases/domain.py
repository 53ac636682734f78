"""Pure rules of the case register: what a case template may require, which of a case's
fields a template's requirement leaves missing, and the vocabularies of cases.

No I/O here (import-linter keeps sqlalchemy and fastapi out): handlers and the campaigns
package apply these rules to what they read and write.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence


class CaseType(enum.StrEnum):
    """What a case template is for. Only "service_campaign" templates serve campaigns."""

    SERVICE_CAMPAIGN = "service_campaign"
    CUSTOMER_NONCONFORMITY = "customer_nonconformity"
    GENERAL = "general"


class BasicType(enum.StrEnum):
    """A case's basic type: what a campaign opens per serial item, or the parent linking
    a campaign's cases."""

    CUSTOMER_NONCONFORMITY = "customer_nonconformity"
    PARENT = "parent"


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ClosedHow(enum.StrEnum):
    """How a case was closed: ticked done at a service order, by hand with a reason, or
    because its campaign was closed."""

    SERVICE_ORDER = "service_order"
    MANUAL = "manual"
    CAMPAIGN_CLOSED = "campaign_closed"


# The case fields a template may require, in the order they are named in messages.
REQUIRABLE_FIELDS: tuple[str, ...] = (
    "our_reference",
    "cause_code",
    "cause_description",
    "customer_id",
)

# How long a manual close's reason may be (the column is String(500)).
REASON_MAX_LENGTH = 500


def unknown_required_fields(required: Sequence[str]) -> list[int]:
    """The positions in ``required`` that name no requirable field (a template's
    ``required_fields.<i>`` a 422 names)."""
    return [i for i, name in enumerate(required) if name not in REQUIRABLE_FIELDS]


def normalised_required(required: Iterable[str]) -> list[str]:
    """A template's required fields without repeats, in the canonical order."""
    wanted = set(required)
    return [name for name in REQUIRABLE_FIELDS if name in wanted]


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    return True


def missing_required(template_required: Iterable[str], values: Mapping[str, object]) -> list[str]:
    """The fields ``template_required`` names that ``values`` leaves empty (absent, None or
    blank text), in the canonical order. Empty when the case is complete.

    Applied when a case is created or changed: parent cases here, campaign cases by the
    campaigns package (a campaign's cases carry its reference and cause and the serial
    item's customer)."""
    required = normalised_required(template_required)
    return [name for name in required if not _filled(values.get(name))]


def format_case_number(prefix: str, width: int, sequence_value: int) -> str:
    """The readable number of the ``sequence_value``-th case: ``CA-000123`` (a value wider
    than ``width`` keeps all its digits)."""
    return f"{prefix}{sequence_value:0{width}d}"
