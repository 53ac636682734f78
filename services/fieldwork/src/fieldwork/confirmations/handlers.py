"""Use cases of booking confirmations: offer one, send it through notifications (a
``SendMessage`` in the outbox, with the tags field work computes and the booking as an
``.ics``), the booking as a calendar file, the order's sent log, and notifications'
results moving the log's entries."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import (
    Attachment,
    BusinessObject,
    ChannelChoice,
    MessageBlocked,
    MessageFailed,
    MessageSent,
    Recipient,
    SendMessage,
    TemplateRef,
)
from aftersales_kit.identity import Caller
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.confirmations import domain
from fieldwork.confirmations.domain import OrderFacts, Person, ServiceObject, Visit
from fieldwork.confirmations.schemas import (
    ConfirmationChannel,
    ConfirmationIn,
    ConfirmationOut,
    SentLogEntry,
    SentLogOut,
    SentOut,
    Suggestion,
)
from fieldwork.context import Context
from fieldwork.documents import domain as document_domain
from fieldwork.documents import handlers as documents
from fieldwork.visibility import Scope

REQUESTER = "fieldwork"
BUSINESS_OBJECT_KIND = "fieldwork.service_order"
PURPOSE = "booking_confirmation"
# Who may send a confirmation: those who plan (a viewer or a technician reads only).
SENDING_ROLES = frozenset({"admin", "operator"})

o = tables.service_order.c
b = tables.booking.c
m = tables.order_message.c


class OrderNotFound(NotFound):
    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"no service order with id {order_id}")


@dataclass(frozen=True)
class Loaded:
    """An order and what its confirmation needs."""

    order: Mapping[str, Any]
    kind_code: str | None
    customer: Mapping[str, Any] | None
    contact: Person | None
    facts: OrderFacts

    @property
    def language(self) -> str | None:
        return str(self.customer["language"]) if self.customer else None

    @property
    def contacts(self) -> list[dict[str, object]]:
        return list(self.customer["contacts"]) if self.customer else []


async def _load(
    uow: UnitOfWork, order_id: uuid.UUID, scope: Scope, *, lock: bool = False
) -> Loaded:
    query = (
        select(tables.service_order, tables.order_kind.c.code.label("kind_code"))
        .outerjoin(tables.order_kind, tables.order_kind.c.id == o.kind_id)
        .where(o.id == order_id, scope.orders_clause())
    )
    if lock:
        # Bookings change under the order's lock: what is sent and its fingerprint agree.
        query = query.with_for_update(of=tables.service_order)
    order = (await uow.session.execute(query)).mappings().first()
    if order is None:
        raise OrderNotFound(order_id)
    s = uow.session
    customer = None
    if order["customer_id"] is not None:
        customer = (
            (
                await s.execute(
                    select(tables.customer).where(tables.customer.c.id == order["customer_id"])
                )
            )
            .mappings()
            .first()
        )
    visits = [
        Visit(
            booking_id=str(row.id),
            technician_id=str(row.technician_id),
            technician_name=row.name,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            local_date=row.local_date,
            local_start=row.local_start,
            local_end=row.local_end,
        )
        for row in await s.execute(
            select(
                b.id,
                b.technician_id,
                b.starts_at,
                b.ends_at,
                b.local_date,
                b.local_start,
                b.local_end,
                tables.technician.c.name,
            )
            .join(tables.technician, tables.technician.c.id == b.technician_id)
            .where(b.order_id == order_id, b.state == "standing")
        )
    ]
    object_ids = list(order["service_object_ids"] or [])
    items = {
        row.id: ServiceObject(row.serial_number, row.name)
        for row in await s.execute(
            select(
                tables.serial_item.c.id,
                tables.serial_item.c.serial_number,
                tables.serial_item.c.name,
            ).where(tables.serial_item.c.id.in_(object_ids))
        )
    }
    customer_name = str(customer["name"]) if customer else ""
    facts = OrderFacts(
        number=order["number"],
        customer_name=customer_name,
        facility_name=order["facility_name"],
        customer_order_number=order["customer_order_number"],
        # In the order's own order; an item catalog never told us of is left out.
        service_objects=[items[i] for i in object_ids if i in items],
        visits=visits,
        description=order["description"] or "",
        location=domain.address_line(order["location"]),
    )
    contact_id = str(order["contact_id"]) if order["contact_id"] is not None else None
    contacts = list(customer["contacts"]) if customer else []
    return Loaded(
        order=dict(order),
        kind_code=order["kind_code"],
        customer=dict(customer) if customer is not None else None,
        contact=domain.contact_of(contact_id, contacts),
        facts=facts,
    )


def _suggestion(person: Person | None) -> Suggestion | None:
    if person is None:
        return None
    return Suggestion(
        name=person.name, email=person.email, mobile=person.mobile, source=person.source
    )


def offer_of(loaded: Loaded) -> domain.Offer:
    contact_id = loaded.order["contact_id"]
    return domain.offer(
        str(contact_id) if contact_id else None,
        loaded.contact,
        stage=loaded.order["stage"],
        standing_bookings=len(loaded.facts.visits),
    )


async def get_confirmation(uow: UnitOfWork, order_id: uuid.UUID, scope: Scope) -> ConfirmationOut:
    loaded = await _load(uow, order_id, scope)
    offer = offer_of(loaded)
    customer = loaded.customer
    people = domain.suggestions(
        order_contact=loaded.contact,
        contacts=loaded.contacts,
        customer_name=str(customer["name"]) if customer else "",
        customer_emails=list(customer["emails"]) if customer else [],
        customer_mobiles=list(customer["mobiles"]) if customer else [],
        facility_name=loaded.order["facility_name"],
    )
    return ConfirmationOut(
        can_offer=offer.can_offer,
        reason=offer.reason,
        default_recipient=_suggestion(loaded.contact),
        suggestions=[s for s in (_suggestion(p) for p in people) if s is not None],
    )


def _entry(row: Mapping[str, Any], flagged: bool) -> SentLogEntry:
    return SentLogEntry(
        id=row["id"],
        purpose=row["purpose"],
        channel=row["channel"],
        recipients=list(row["recipients"]),
        requested_at=row["requested_at"],
        requested_by=row["requested_by"],
        state=row["state"],
        detail=row["detail"],
        sent_at=row["sent_at"],
        message_id=row["message_id"],
        flagged=flagged,
    )


def _recipients(
    channel: ConfirmationChannel, body: ConfirmationIn, contact: Person | None
) -> list[str]:
    """The request's addresses for ``channel``, else the order's contact's."""
    if channel is ConfirmationChannel.EMAIL:
        if body.emails:
            return list(dict.fromkeys(str(e) for e in body.emails))
        if contact is None or not contact.email:
            raise Unprocessable(
                "the order's contact person has no e-mail address: name the recipients",
                field="emails",
            )
        return [contact.email]
    if body.mobiles:
        return list(dict.fromkeys(body.mobiles))
    if contact is None or not contact.mobile:
        raise Unprocessable(
            "the order's contact person has no mobile number: name the recipients",
            field="mobiles",
        )
    return [contact.mobile]


def _key(order_id: uuid.UUID, request_key: str, channel: ConfirmationChannel) -> str:
    return f"booking-confirmation:{order_id}:{request_key}:{channel.value}"


async def send_confirmation(
    uow: UnitOfWork,
    order_id: uuid.UUID,
    body: ConfirmationIn,
    scope: Scope,
    caller: Caller,
    ctx: Context,
    *,
    idempotency_key: str | None = None,
) -> SentOut:
    """Ask notifications to send the confirmation, once per channel, and log each request.
    The same ``idempotency_key`` (the client's retry) answers the first request's entries
    and sends nothing again."""
    if not caller.roles & SENDING_ROLES:
        # A viewer or technician who can see the order is told so; one who cannot, 404.
        await _load(uow, order_id, scope)
        raise Forbidden(f"{caller.username} may not send booking confirmations")
    request_key = idempotency_key or uuid.uuid4().hex
    keys = {_key(order_id, request_key, c): c for c in body.channels}
    loaded = await _load(uow, order_id, scope, lock=True)
    current = domain.fingerprint(loaded.facts.visits)
    earlier = (
        (await uow.session.execute(select(tables.order_message).where(m.idempotency_key.in_(keys))))
        .mappings()
        .all()
    )
    if earlier:
        return SentOut(
            items=[_entry(dict(row), row["bookings_fingerprint"] != current) for row in earlier]
        )
    if loaded.order["stage"] in domain.CLOSED_STAGES:
        raise Conflict(
            f"the order is {loaded.order['stage']}: its bookings are over",
            field="stage",
            reason="order_closed",
        )
    if loaded.kind_code is None:
        raise Conflict(
            "the order has no kind: a booking confirmation's template is chosen by the order's"
            " kind",
            field="kind_id",
            reason="kind_required",
        )
    if not loaded.facts.visits:
        raise Conflict(
            "the order has no standing booking to confirm",
            field="bookings",
            reason="no_standing_booking",
        )
    now = ctx.clock.now()
    values = domain.tags(
        loaded.facts, company=ctx.settings.company_name, language=loaded.language, now=now
    )
    ics = domain.calendar(loaded.facts, company=ctx.settings.company_name, now=now)
    order = loaded.order
    entries: list[SentLogEntry] = []
    for key, channel in keys.items():
        recipients = _recipients(channel, body, loaded.contact)
        entry_id = uuid.uuid4()
        row: dict[str, Any] = {
            "id": entry_id,
            "order_id": order_id,
            "idempotency_key": key,
            "purpose": PURPOSE,
            "channel": channel.value,
            "recipients": recipients,
            "bookings_fingerprint": current,
            "order_version": order["version"],
            "state": "requested",
            "detail": None,
            "requested_at": now,
            "requested_by": caller.username,
            "sent_at": None,
            "message_id": None,
        }
        await uow.session.execute(insert(tables.order_message).values(row))
        await uow.session.execute(
            insert(tables.order_history).values(
                order_id=order_id,
                at=now,
                by=caller.username,
                kind="confirmation_sent",
                to_value=channel.value,
                detail={"message": str(entry_id), "recipients": recipients, "note": body.note},
            )
        )
        email = channel is ConfirmationChannel.EMAIL
        uow.send(
            SendMessage(
                idempotency_key=key,
                requester=REQUESTER,
                requester_reference=str(entry_id),
                recipient=Recipient(emails=recipients) if email else Recipient(mobiles=recipients),
                channel=ChannelChoice.EMAIL if email else ChannelChoice.SMS,
                values=values,
                business_object=BusinessObject(
                    kind=BUSINESS_OBJECT_KIND, id=str(order_id), version=order["version"]
                ),
                template=TemplateRef(order_kind=loaded.kind_code),
                org_unit_id=order["org_unit_id"],
                language=loaded.language,
                attachments=(
                    [
                        Attachment(
                            file_name=domain.calendar_file_name(order["number"]),
                            media_type="text/calendar",
                            content_base64=base64.b64encode(ics.encode()).decode(),
                        )
                    ]
                    if email
                    else []
                ),
                requested_by=caller.username,
            )
        )
        entries.append(_entry(row, False))
    await uow.commit()
    return SentOut(items=entries)


async def booking_calendar(
    uow: UnitOfWork, order_id: uuid.UUID, scope: Scope, ctx: Context
) -> tuple[str, str]:
    """The order's standing bookings as an iCalendar text, and its file name."""
    loaded = await _load(uow, order_id, scope)
    text = domain.calendar(loaded.facts, company=ctx.settings.company_name, now=ctx.clock.now())
    return domain.calendar_file_name(loaded.facts.number), text


async def sent_log(uow: UnitOfWork, order_id: uuid.UUID, scope: Scope, ctx: Context) -> SentLogOut:
    """Everything sent about the order, newest first: a confirmation flagged when the
    standing bookings are no longer those it was sent for, a protocol or work order when
    its document's fingerprint changed (``documents``); messages never."""
    loaded = await _load(uow, order_id, scope)
    current = {
        PURPOSE: domain.fingerprint(loaded.facts.visits)
    } | await documents.current_fingerprints(uow, ctx, loaded.order)
    rows = (
        (
            await uow.session.execute(
                select(tables.order_message)
                .where(m.order_id == order_id)
                .order_by(m.requested_at.desc(), m.id.desc())
            )
        )
        .mappings()
        .all()
    )
    return SentLogOut(
        items=[
            _entry(
                dict(row),
                document_domain.flagged(row["purpose"], row["bookings_fingerprint"], current),
            )
            for row in rows
        ]
    )


# --- notifications' results ----------------------------------------------------------------


def _result_values(
    envelope: Envelope[MessageSent] | Envelope[MessageFailed] | Envelope[MessageBlocked],
) -> dict[str, Any]:
    result = envelope.payload
    values: dict[str, Any] = {"message_id": result.message_id}
    if isinstance(result, MessageSent):
        return values | {
            "state": "sent",
            "sent_at": envelope.occurred_at,
            "detail": "sent to " + ", ".join(result.sent_to),
        }
    if isinstance(result, MessageFailed):
        return values | {"state": "failed", "detail": result.reason[:500]}
    return values | {"state": "blocked", "detail": f"{result.reason.value}: {result.detail}"[:500]}


async def record_result(
    uow: UnitOfWork,
    envelope: Envelope[MessageSent] | Envelope[MessageFailed] | Envelope[MessageBlocked],
) -> None:
    """Move a sent-log entry to sent, failed or blocked. Results of other requesters share
    the events exchange and are ignored; so is a result for an entry we do not have."""
    result = envelope.payload
    if result.requester != REQUESTER:
        return
    await uow.session.execute(
        update(tables.order_message)
        .where(m.idempotency_key == result.idempotency_key)
        .values(_result_values(envelope))
    )
