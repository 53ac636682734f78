"""Use case: tell the users an order event concerns, each by a ``SendMessage`` that
notifications sends itself through the outbox (its ordinary send path: templates aside,
the same rendering, quotas, sent log and senders), in the event's own transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from aftersales_contracts.fieldwork import (
    ServiceOrderBooked,
    ServiceOrderChanged,
    ServiceOrderCreated,
    ServiceOrderSnapshot,
)
from aftersales_contracts.notifications import (
    BusinessObject,
    ChannelChoice,
    InlineContent,
    Recipient,
    SendMessage,
)
from aftersales_kit.identity import Caller
from aftersales_kit.org_units import visible_org_unit_ids
from aftersales_kit.uow import UnitOfWork
from notifications import tables
from notifications.fieldwork_events import domain
from notifications.preferences import handlers as preferences
from notifications.preferences.domain import NotificationEvent, Notify
from notifications.user_accounts import handlers as accounts

REQUESTER = "notifications"
BUSINESS_OBJECT_KIND = "fieldwork.service_order"

OrderEvent = ServiceOrderCreated | ServiceOrderChanged | ServiceOrderBooked


async def tell_users(
    uow: UnitOfWork, message_id: uuid.UUID, event_type: str, event: OrderEvent
) -> list[SendMessage]:
    """Queue one message per user and channel the event concerns; returns them."""
    order = event.order
    assigned = event.assigned_technician_id if isinstance(event, ServiceOrderChanged) else None
    candidates: list[tuple[NotificationEvent, Notify]] = []
    for wanted in domain.wanted_for(event_type, order, assigned):
        found = await preferences.who_to_notify(uow, wanted.event, wanted.among)
        candidates.extend((wanted.event, notify) for notify in found)
    if not candidates:
        return []
    known = await accounts.accounts(uow, domain.usernames(candidates))
    audiences = {
        name: domain.Audience(
            username=name,
            roles=account.roles,
            visible_org_units=await visible_org_unit_ids(
                uow, Caller(username=name, roles=account.roles, org_units=account.org_units)
            ),
            active=account.active,
        )
        for name, account in known.items()
    }
    chosen = domain.select(candidates, audiences, order, changed_by=event.changed_by)
    customer = await _customer_name(uow, order.customer_id)
    commands = [
        _command(message_id, event_type, order, kind, notify, customer) for kind, notify in chosen
    ]
    for command in commands:
        uow.send(command)
    return commands


async def _customer_name(uow: UnitOfWork, customer_id: uuid.UUID | None) -> str | None:
    if customer_id is None:
        return None
    name = await uow.session.scalar(
        select(tables.customer.c.name).where(tables.customer.c.id == customer_id)
    )
    return str(name) if name is not None else None


def _command(
    message_id: uuid.UUID,
    event_type: str,
    order: ServiceOrderSnapshot,
    kind: NotificationEvent,
    notify: Notify,
    customer: str | None,
) -> SendMessage:
    email = notify.channel.value == "email"
    return SendMessage(
        idempotency_key=domain.idempotency_key(message_id, notify),
        requester=REQUESTER,
        requester_reference=f"{kind.value}:{order.order_id}",
        recipient=Recipient(emails=[notify.address])
        if email
        else Recipient(mobiles=[notify.address]),
        channel=ChannelChoice.EMAIL if email else ChannelChoice.SMS,
        content=InlineContent(
            email_subject=domain.SUBJECT, email_body=domain.BODY, sms_text=domain.SMS
        ),
        values=domain.values(kind, event_type, order, customer),
        business_object=BusinessObject(
            kind=BUSINESS_OBJECT_KIND, id=str(order.order_id), version=order.version
        ),
        org_unit_id=order.org_unit_id,
        requested_by=notify.username,
    )
