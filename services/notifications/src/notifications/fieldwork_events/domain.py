"""Who is told of a field work event, and what they are told; free of I/O.

An order event concerns a user when they chose its kind of event (their personal
preferences) and may see the order: an active account at the gateway; a technician-only
user only for orders they are the technician of (the order's or a booking's); an org-unit
restricted user only for orders in their org units or below. "Assigned to an order" goes
to the assigned technician's user alone. Nobody is told of their own change, and nobody
is told twice of one event (assigned wins over changed).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from aftersales_contracts.fieldwork import ServiceOrderSnapshot
from notifications.preferences.domain import NotificationEvent, Notify

PLANNING_ROLES = frozenset({"admin", "operator", "viewer"})
TECHNICIAN_ROLE = "technician"


@dataclass(frozen=True)
class Audience:
    """What decides whether a user may hear of an order. ``visible_org_units`` None:
    every org unit."""

    username: str
    roles: frozenset[str]
    visible_org_units: frozenset[uuid.UUID] | None
    active: bool


def technicians_of(order: ServiceOrderSnapshot) -> set[str]:
    """The usernames of the order's technician and of every booked technician."""
    names = {b.technician_username for b in order.bookings} | {order.technician_username}
    return {n.strip().lower() for n in names if n}


def may_hear_of(audience: Audience, order: ServiceOrderSnapshot) -> bool:
    """Field work's visibility rule, applied to a user who is not calling."""
    if not audience.active:
        return False
    if not audience.roles & PLANNING_ROLES:
        return TECHNICIAN_ROLE in audience.roles and audience.username in technicians_of(order)
    if audience.visible_org_units is None:
        return True
    return order.org_unit_id is not None and order.org_unit_id in audience.visible_org_units


@dataclass(frozen=True)
class Wanted:
    """One kind of notification an event calls for; ``among`` None: whoever chose it."""

    event: NotificationEvent
    among: frozenset[str] | None


def wanted_for(
    event_type: str, order: ServiceOrderSnapshot, assigned_technician_id: uuid.UUID | None
) -> list[Wanted]:
    """The notifications an order event calls for, the most specific first."""
    result: list[Wanted] = []
    if event_type == "fieldwork.order.booked":
        return [Wanted(NotificationEvent.BOOKED, None)]
    if (
        event_type == "fieldwork.order.changed"
        and assigned_technician_id is not None
        and assigned_technician_id == order.technician_id
        and order.technician_username
    ):
        result.append(
            Wanted(
                NotificationEvent.ORDER_ASSIGNED,
                frozenset({order.technician_username.strip().lower()}),
            )
        )
    result.append(Wanted(NotificationEvent.ORDER_CREATED_OR_CHANGED, None))
    return result


def select(
    candidates: Iterable[tuple[NotificationEvent, Notify]],
    audiences: dict[str, Audience],
    order: ServiceOrderSnapshot,
    *,
    changed_by: str | None,
) -> list[tuple[NotificationEvent, Notify]]:
    """The notifications to send: candidates in the order given (most specific event
    first), each user told of one event only, never of their own change, and only of an
    order they may see (a user the gateway has not told us of is not told: nothing says
    what they may see)."""
    author = changed_by.strip().lower() if changed_by else None
    told: dict[str, NotificationEvent] = {}
    result: list[tuple[NotificationEvent, Notify]] = []
    for event, notify in candidates:
        if notify.username == author or told.get(notify.username, event) != event:
            continue
        audience = audiences.get(notify.username)
        if audience is None or not may_hear_of(audience, order):
            continue
        told[notify.username] = event
        result.append((event, notify))
    return result


_HEADLINES = {
    (NotificationEvent.ORDER_ASSIGNED, "fieldwork.order.changed"): "Order assigned to you",
    (NotificationEvent.BOOKED, "fieldwork.order.booked"): "Order booked",
    (NotificationEvent.ORDER_CREATED_OR_CHANGED, "fieldwork.order.created"): "New order",
    (NotificationEvent.ORDER_CREATED_OR_CHANGED, "fieldwork.order.changed"): "Order changed",
}

# Placeholders only: an order's or customer's text never reads as a placeholder.
SUBJECT = "{{ headline }}: {{ order }}"
BODY = "{{ headline }}: {{ order }}\nCustomer: {{ customer }}\nWhen: {{ when }}"
SMS = "{{ headline }}: {{ order }}, {{ customer }}, {{ when }}"


def when(order: ServiceOrderSnapshot) -> str:
    """The first standing booking as booked (local date and times), or "not booked"."""
    if not order.bookings:
        return "not booked"
    first = min(order.bookings, key=lambda b: b.starts_at)
    return f"{first.local_date.isoformat()} {first.local_start:%H:%M}-{first.local_end:%H:%M}"


def values(
    event: NotificationEvent, event_type: str, order: ServiceOrderSnapshot, customer: str | None
) -> dict[str, str]:
    return {
        "headline": _HEADLINES.get((event, event_type), "Order changed"),
        "order": order.number,
        "customer": customer or "unknown customer",
        "when": when(order),
    }


def idempotency_key(message_id: uuid.UUID, notify: Notify) -> str:
    """One message per event, user and channel: a redelivered event sends nothing again."""
    return f"fieldwork-event:{message_id}:{notify.username}:{notify.channel.value}"


def usernames(candidates: Collection[tuple[NotificationEvent, Notify]]) -> list[str]:
    return sorted({n.username for _, n in candidates})
