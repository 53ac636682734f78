"""Use case: tell the users who chose "service reminder" of an org unit's daily callout
digest, each by a ``SendMessage`` notifications sends itself through the outbox (the
ordinary send path), in the event's own transaction."""

from __future__ import annotations

from aftersales_contracts.notifications import (
    BusinessObject,
    ChannelChoice,
    InlineContent,
    Recipient,
    SendMessage,
)
from aftersales_contracts.scheduling import CalloutDigestCompiled
from aftersales_kit.identity import Caller
from aftersales_kit.org_units import visible_org_unit_ids
from aftersales_kit.uow import UnitOfWork
from notifications.fieldwork_events.domain import Audience
from notifications.preferences import handlers as preferences
from notifications.preferences.domain import NotificationEvent, Notify
from notifications.service_reminders import domain
from notifications.user_accounts import handlers as accounts


async def tell_users(uow: UnitOfWork, digest: CalloutDigestCompiled) -> list[SendMessage]:
    """Queue one message per user and channel the digest concerns; returns them."""
    found = await preferences.who_to_notify(uow, NotificationEvent.SERVICE_REMINDER)
    if not found:
        return []
    known = await accounts.accounts(uow, sorted({n.username for n in found}))
    chosen: list[Notify] = []
    for notify in found:
        account = known.get(notify.username)
        if account is None:
            continue  # nothing says what they may see
        audience = Audience(
            username=notify.username,
            roles=account.roles,
            visible_org_units=await visible_org_unit_ids(
                uow,
                Caller(username=notify.username, roles=account.roles, org_units=account.org_units),
            ),
            active=account.active,
        )
        if domain.may_hear_of(audience, digest.org_unit_id):
            chosen.append(notify)
    commands = [_command(digest, notify) for notify in chosen]
    for command in commands:
        uow.send(command)
    return commands


def _command(digest: CalloutDigestCompiled, notify: Notify) -> SendMessage:
    email = notify.channel.value == "email"
    return SendMessage(
        idempotency_key=domain.idempotency_key(digest, notify),
        requester=domain.REQUESTER,
        requester_reference=f"{NotificationEvent.SERVICE_REMINDER.value}:{domain.reference(digest)}",
        recipient=Recipient(emails=[notify.address])
        if email
        else Recipient(mobiles=[notify.address]),
        channel=ChannelChoice.EMAIL if email else ChannelChoice.SMS,
        content=InlineContent(
            email_subject=domain.SUBJECT, email_body=domain.BODY, sms_text=domain.SMS
        ),
        values=domain.values(digest),
        business_object=BusinessObject(
            kind=domain.BUSINESS_OBJECT_KIND, id=domain.reference(digest)
        ),
        org_unit_id=digest.org_unit_id,
        requested_by=notify.username,
    )
