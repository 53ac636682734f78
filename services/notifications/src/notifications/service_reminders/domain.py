"""Who is told of an org unit's daily callout digest, and what they are told; free of I/O.

A user hears of it when they chose ``service_reminder``, the gateway has pushed their
account and it is active, they have a planning role (admin, operator, viewer: callouts
are planners' work), and they may see the org unit: unrestricted users every digest,
restricted ones the digests of their org units and their descendants (the digest of the
callouts without an org unit only unrestricted users)."""

from __future__ import annotations

import uuid

from aftersales_contracts.scheduling import CalloutDigestCompiled
from notifications.fieldwork_events.domain import PLANNING_ROLES, Audience
from notifications.preferences.domain import Notify

REQUESTER = "notifications"
BUSINESS_OBJECT_KIND = "scheduling.callout_digest"

SUBJECT = "Service reminder: {{ org_unit }}, {{ day }}"
BODY = (
    "Service reminder for {{ org_unit }}, {{ day }}\n"
    "Awaiting approval: {{ awaiting }}\nFailed: {{ failed }}\n\n{{ callouts }}"
)
SMS = (
    "Service reminder {{ org_unit }} {{ day }}: "
    "{{ awaiting }} awaiting approval, {{ failed }} failed"
)


def may_hear_of(audience: Audience, org_unit_id: uuid.UUID | None) -> bool:
    if not audience.active or not audience.roles & PLANNING_ROLES:
        return False
    if audience.visible_org_units is None:
        return True
    return org_unit_id is not None and org_unit_id in audience.visible_org_units


def org_unit_name(digest: CalloutDigestCompiled) -> str:
    return digest.org_unit_code or "no org unit"


def values(digest: CalloutDigestCompiled) -> dict[str, str]:
    lines = [
        " | ".join(
            part
            for part in (
                c.scheduled_for.isoformat(),
                c.state.replace("_", " "),
                c.service_type_name or "",
                c.step_description or "",
                c.serial_number,
                c.customer_name or "",
            )
            if part
        )
        for c in digest.callouts
    ]
    shown = len(digest.callouts)
    total = digest.awaiting_approval + digest.failed
    if total > shown:
        lines.append(f"... and {total - shown} more")
    return {
        "org_unit": org_unit_name(digest),
        "day": digest.day.isoformat(),
        "awaiting": str(digest.awaiting_approval),
        "failed": str(digest.failed),
        "callouts": "\n".join(lines),
    }


def reference(digest: CalloutDigestCompiled) -> str:
    return f"{digest.org_unit_code or '-'}:{digest.day.isoformat()}"


def idempotency_key(digest: CalloutDigestCompiled, notify: Notify) -> str:
    """One message per org unit, day, user and channel: a digest redelivered, or compiled
    again, sends nothing twice."""
    return f"service-reminder:{reference(digest)}:{notify.username}:{notify.channel.value}"
