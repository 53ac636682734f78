"""The customer projection the send path waits for: catalog's customer snapshots (the
newest wins), whom a customer's messages go to, and the release of the messages that
waited for a customer notifications had not seen yet."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text

from aftersales_contracts.catalog import CommunicationMethod, CustomerRegistered
from aftersales_contracts.notifications import ChannelChoice
from aftersales_kit.projections import newest, upsert_if_newer
from aftersales_kit.uow import UnitOfWork
from notifications.print_queue import handlers as print_queue
from notifications.sending import messages, outcomes
from notifications.sending.domain import Addressee, decide
from notifications.sending.rendering import Rendered
from notifications.tables import customer

log = logging.getLogger(__name__)


async def lock(uow: UnitOfWork, customer_id: uuid.UUID) -> None:
    """Serialize a request for a customer with that customer's projection update.

    Without it a request that finds no customer and a CustomerRegistered that finds no
    waiting message could pass each other, and the message would wait forever.
    """
    await uow.session.execute(select(func.pg_advisory_xact_lock(_lock_key(customer_id))))


async def addressees(
    uow: UnitOfWork, customer_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Addressee | None]:
    """``addressee`` for the customers of a batch of requests: every one locked in one
    statement, in the projection's order (``project_customers``: by id, so a batch and
    an import's projection never wait for each other in a cycle), and read in one query."""
    ordered = sorted(set(customer_ids))
    if not ordered:
        return {}
    await uow.session.execute(_LOCK_MANY, {"keys": [_lock_key(c) for c in ordered]})
    rows = (
        await uow.session.execute(select(customer).where(customer.c.id.in_(ordered)))
    ).mappings()
    found = {row["id"]: _addressee(dict(row)) for row in rows}
    return {c: found.get(c) for c in ordered}


def _lock_key(customer_id: uuid.UUID) -> int:
    return int.from_bytes(customer_id.bytes[:8], "big", signed=True)


# The keys in the order given (a function scan keeps the array's order).
_LOCK_MANY = text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k")


def _addressee(row: Mapping[str, Any]) -> Addressee:
    return Addressee(
        emails=tuple(row["emails"]),
        mobiles=tuple(row["mobiles"]),
        allowed=frozenset(CommunicationMethod(m) for m in row["allowed_methods"]),
        preferred=CommunicationMethod(row["preferred_method"]) if row["preferred_method"] else None,
        language=row["language"],
    )


async def _stored(uow: UnitOfWork, customer_id: uuid.UUID) -> Addressee | None:
    row = (
        (await uow.session.execute(select(customer).where(customer.c.id == customer_id)))
        .mappings()
        .first()
    )
    return _addressee(dict(row)) if row is not None else None


async def addressee(uow: UnitOfWork, customer_id: uuid.UUID) -> Addressee | None:
    """The customer's addresses and permissions; None while the customer is not known.
    Holds the customer's lock until the transaction ends (see ``lock``)."""
    await lock(uow, customer_id)
    return await _stored(uow, customer_id)


def _rendered(row: Mapping[str, Any]) -> Rendered:
    return Rendered(
        subject=row["subject"],
        body_html=row["body_html"],
        body_text=row["body_text"],
        sms_text=row["sms_text"],
    )


async def project_customer(
    event: CustomerRegistered, uow: UnitOfWork, *, now: datetime, sms_ready: bool = False
) -> None:
    """Keep the customer projection (an older snapshot than the one stored is ignored);
    release the messages that waited for this customer; commit."""
    await _project(event, uow, now=now, sms_ready=sms_ready)
    await uow.commit()


async def project_customers(
    events: Iterable[CustomerRegistered],
    uow: UnitOfWork,
    *,
    now: datetime,
    sms_ready: bool = False,
) -> None:
    """``project_customer`` for a batch of snapshots in one transaction (a bulk import's
    set event, or several events at once): the newest of each customer, locked in one
    order; committed by the caller."""
    latest = newest(events, lambda c: c.customer_id)
    for customer_id in sorted(latest):  # one lock order everywhere: no deadlocks
        await _project(latest[customer_id], uow, now=now, sms_ready=sms_ready)


async def _project(
    event: CustomerRegistered, uow: UnitOfWork, *, now: datetime, sms_ready: bool
) -> None:
    await lock(uow, event.customer_id)
    stored = await upsert_if_newer(
        uow.session,
        customer,
        {
            "id": event.customer_id,
            "version": event.version,
            "name": event.name,
            "emails": [str(e) for e in event.emails],
            "mobiles": list(event.mobiles),
            "allowed_methods": [m.value for m in event.allowed_methods],
            "preferred_method": event.preferred_method.value if event.preferred_method else None,
            "language": event.language,
            "updated_at": now,
        },
    )
    if stored is None:
        log.info(
            "stale customer snapshot ignored",
            extra={"customer_id": str(event.customer_id), "version": event.version},
        )
    current = await _stored(uow, event.customer_id)
    assert current is not None  # stored now, or newer before
    for row in await messages.awaiting_customer(uow, event.customer_id):
        decision = decide(
            ChannelChoice(row["channel_choice"]),
            current,
            _rendered(row),
            sms_ready=sms_ready,
            report=await print_queue.has_report(uow, row["id"]),
        )
        await outcomes.record(uow, row, decision, now=now)
        await print_queue.follow(uow, row, decision, now=now)
