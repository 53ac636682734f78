"""Use cases of the documents and messages of an order: render the protocol and work
order PDFs, send the protocol automatically and the work order when asked, free-text
messages, internal e-mails, the planner's note of a booking outside working hours, and
the org units' document settings. Everything sent goes through notifications
(``SendMessage`` in the outbox, same transaction) and into the order's sent log
(``order_message``), whose results the confirmations package records."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from aftersales_contracts.notifications import (
    Attachment,
    BusinessObject,
    ChannelChoice,
    InlineContent,
    Recipient,
    SendMessage,
    UserLink,
)
from aftersales_kit.identity import Caller
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import PreconditionRequired, check_version
from fieldwork import storage, tables
from fieldwork.confirmations.domain import address_line, contact_of
from fieldwork.context import Context
from fieldwork.documents import domain, facts, pdf
from fieldwork.documents.schemas import (
    Channel,
    DefaultTextOut,
    DocumentSettingsIn,
    DocumentSettingsOut,
    FreeTextIn,
    InternalMailIn,
    OfferedContact,
    RequestedOut,
    SentEntry,
    WorkOrderIn,
    WorkOrderOfferOut,
)
from fieldwork.visibility import Scope

log = logging.getLogger(__name__)

REQUESTER = "fieldwork"
BUSINESS_OBJECT_KIND = "fieldwork.service_order"
PDF = "application/pdf"
# Who sends documents and messages to customers: those who plan.
PLANNER_ROLES = frozenset({"admin", "operator"})
# Internal e-mails come from planners and from the order's own technician (who finds
# what is missing on site).
INTERNAL_MAIL_ROLES = PLANNER_ROLES | {"technician"}
# Inline content carries the texts as values: what a user typed is never read as a
# template (a "{{" in it must not fail the message) and is escaped into the HTML body.
_SUBJECT, _BODY = "{{ subject }}", "{{ body }}"

_ADDRESS = {"emails": "e-mail address", "mobiles": "mobile number"}

SO = tables.service_order.c
M = tables.order_message.c


class OrderNotFound(NotFound):
    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"no service order with id {order_id}")


class ProtocolNotFound(NotFound):
    def __init__(self, protocol_id: uuid.UUID) -> None:
        super().__init__(f"no protocol with id {protocol_id}")


class CaseNotFound(NotFound):
    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__(f"no service case with id {case_id}")


def _require(caller: Caller, roles: frozenset[str], what: str) -> None:
    if not caller.roles & roles:
        raise Forbidden(f"{caller.username} may not {what}")


async def _order(uow: UnitOfWork, order_id: uuid.UUID, scope: Scope | None) -> Mapping[str, Any]:
    row = await facts.order_row(uow, order_id, scope)
    if row is None:
        raise OrderNotFound(order_id)
    return dict(row)


# --- the PDFs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    file_name: str
    content: bytes
    fingerprint: str


async def _images(ctx: Context, doc: domain.ProtocolDoc) -> dict[str, bytes]:
    """The bytes of the photos the PDF draws, from the attachment store; one that cannot
    be read is left out (the PDF lists it by name)."""
    store = storage.attachment_store(ctx.settings)
    images: dict[str, bytes] = {}
    for photo in doc.photos():
        try:
            images[photo.attachment_id] = await storage.read_bytes(store, photo.storage_key)
        except (storage.AttachmentMissing, storage.InvalidKey, OSError) as error:
            log.warning("photo %s not in the attachment store: %s", photo.attachment_id, error)
    return images


async def _render_protocol(uow: UnitOfWork, ctx: Context, found: facts.ProtocolFacts) -> Rendered:
    settings = await facts.settings_of(uow, found.org_unit_id)
    with_machine = bool(settings and settings["protocol_file_name_with_machine_number"])
    doc = found.doc
    # Half a second with ten photos, CPU-bound: off the event loop, so the process keeps
    # serving meanwhile (Pillow releases the GIL while it decodes and scales).
    images = await _images(ctx, doc)
    content = await asyncio.to_thread(
        partial(pdf.render_protocol, company=ctx.settings.company_name), doc, images
    )
    name = domain.protocol_file_name(
        doc.reference, doc.machine_number, with_machine_number=with_machine
    )
    return Rendered(name, content, domain.fingerprint(doc))


async def protocol_pdf(
    uow: UnitOfWork, ctx: Context, protocol_id: uuid.UUID, scope: Scope
) -> Rendered:
    row = await facts.protocol_row(uow, protocol_id, scope)
    if row is None:
        raise ProtocolNotFound(protocol_id)
    return await _render_protocol(uow, ctx, await facts.protocol_facts(uow, ctx, row))


async def _render_work_order(uow: UnitOfWork, ctx: Context, order: Mapping[str, Any]) -> Rendered:
    doc = await facts.work_order_doc(uow, ctx, order)
    content = await asyncio.to_thread(
        partial(pdf.render_work_order, company=ctx.settings.company_name), doc
    )
    return Rendered(domain.work_order_file_name(doc.number), content, domain.fingerprint(doc))


async def work_order_pdf(
    uow: UnitOfWork, ctx: Context, order_id: uuid.UUID, scope: Scope
) -> Rendered:
    return await _render_work_order(uow, ctx, await _order(uow, order_id, scope))


# --- sending and the sent log --------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """One message to notifications and its sent-log entry."""

    order: Mapping[str, Any]
    key: str
    purpose: str
    channel: Channel
    recipients: list[str]
    fingerprint: str
    subject: str | None
    body: str
    by: str | None
    language: str | None = None
    attachment: Rendered | None = None
    user_link: UserLink | None = None
    detail: Mapping[str, Any] | None = None


async def _send(uow: UnitOfWork, ctx: Context, out: Outgoing) -> SentEntry | None:
    """Log and send ``out`` once: an idempotency key already in the sent log (a
    redelivered event, a client's retry) sends nothing and answers None."""
    now = ctx.clock.now()
    entry_id = uuid.uuid4()
    order = out.order
    row: dict[str, Any] = {
        "id": entry_id,
        "order_id": order["id"],
        "idempotency_key": out.key,
        "purpose": out.purpose,
        "channel": out.channel.value,
        "recipients": out.recipients,
        "bookings_fingerprint": out.fingerprint,
        "order_version": order["version"],
        "state": "requested",
        "detail": None,
        "requested_at": now,
        "requested_by": out.by,
        "sent_at": None,
        "message_id": None,
    }
    inserted = await uow.session.scalar(
        pg_insert(tables.order_message)
        .values(row)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(M.id)
    )
    if inserted is None:
        return None
    await uow.session.execute(
        insert(tables.order_history).values(
            order_id=order["id"],
            at=now,
            by=out.by,
            kind="message_sent",
            to_value=out.purpose,
            detail={
                "message": str(entry_id),
                "channel": out.channel.value,
                "recipients": out.recipients,
            }
            | dict(out.detail or {}),
        )
    )
    email = out.channel is Channel.EMAIL
    values = {"body": out.body} | ({"subject": out.subject} if out.subject else {})
    uow.send(
        SendMessage(
            idempotency_key=out.key,
            requester=REQUESTER,
            requester_reference=str(entry_id),
            recipient=Recipient(emails=out.recipients)
            if email
            else Recipient(mobiles=out.recipients),
            channel=ChannelChoice.EMAIL if email else ChannelChoice.SMS,
            content=InlineContent(email_subject=_SUBJECT, email_body=_BODY)
            if email
            else InlineContent(sms_text=_BODY),
            values=values,
            business_object=BusinessObject(
                kind=BUSINESS_OBJECT_KIND, id=str(order["id"]), version=order["version"]
            ),
            org_unit_id=order["org_unit_id"],
            language=_language(out.language),
            attachments=[
                Attachment(
                    file_name=out.attachment.file_name,
                    media_type=PDF,
                    content_base64=base64.b64encode(out.attachment.content).decode(),
                )
            ]
            if out.attachment is not None and email
            else [],
            user_link=out.user_link if email else None,
            requested_by=out.by,
        )
    )
    return SentEntry(
        id=entry_id,
        order_id=order["id"],
        purpose=out.purpose,
        channel=out.channel.value,
        recipients=out.recipients,
        requested_at=now,
        requested_by=out.by,
        state="requested",
    )


def _key(purpose: str, subject_id: object, *parts: str) -> str:
    """An idempotency key within the sent log's 200 characters: an address may be 320."""
    digest = hashlib.sha256("|".join(p.lower() for p in parts).encode()).hexdigest()[:40]
    return f"{purpose}:{subject_id}:{digest}"


def _language(language: str | None) -> str | None:
    """The customer's language as notifications takes it (2-10 characters), else none."""
    return language if language and 2 <= len(language) <= 10 else None


def _link(ctx: Context, order: Mapping[str, Any], language: str | None) -> UserLink:
    return UserLink(
        url=domain.order_url(ctx.settings.public_url, str(order["id"])),
        text=domain.link_text(order["number"], language),
    )


# --- the protocol, automatically -----------------------------------------------------------


async def send_protocol_automatically(
    uow: UnitOfWork, ctx: Context, protocol_id: uuid.UUID, *, by: str | None
) -> SentEntry | None:
    """On ``fieldwork.protocol.completed``: the protocol PDF to the order's contact when
    they said "send service protocol: yes" and have an e-mail address; nothing for anyone
    else. A protocol no longer completed (sent back meanwhile) is not sent. The same
    content goes to the same address once (the key holds its fingerprint)."""
    protocol = await facts.protocol_row(uow, protocol_id, None)
    if protocol is None or protocol["status"] != "completed":
        return None
    order = await facts.order_of_protocol(uow, protocol)
    if order is None:
        log.info("protocol %s: its case has no order to send it from", protocol_id)
        return None
    found = await facts.protocol_facts(uow, ctx, protocol)
    contact_id = order["contact_id"] or found.case["contact_id"]
    recipient = domain.protocol_recipient(domain.contact_by_id(found.customer.contacts, contact_id))
    if recipient is None or recipient.email is None:
        return None
    rendered = await _render_protocol(uow, ctx, found)
    language = found.customer.language
    text = domain.protocol_mail(
        found.doc.reference, recipient.name, company=ctx.settings.company_name, language=language
    )
    return await _send(
        uow,
        ctx,
        Outgoing(
            order=order,
            key=_key("service-protocol", protocol_id, rendered.fingerprint, recipient.email),
            purpose=domain.SERVICE_PROTOCOL,
            channel=Channel.EMAIL,
            recipients=[recipient.email],
            fingerprint=rendered.fingerprint,
            subject=text.subject,
            body=text.body,
            by=by,
            language=language,
            attachment=rendered,
            user_link=_link(ctx, order, language),
            detail={"protocol_id": str(protocol_id), "file_name": rendered.file_name},
        ),
    )


# --- the work order at ready for invoicing -------------------------------------------------


async def _case(uow: UnitOfWork, case_id: uuid.UUID, scope: Scope) -> Mapping[str, Any]:
    """A case the caller may see: in its org units; a technician's only through one of
    their own orders."""
    sc = tables.service_case.c
    query = select(tables.service_case).where(
        sc.id == case_id, scope.org_unit_clause(sc.org_unit_id)
    )
    if scope.own_orders_only:
        query = query.where(sc.id.in_(select(SO.case_id).where(scope.orders_clause())))
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise CaseNotFound(case_id)
    return dict(row)


async def _case_orders(uow: UnitOfWork, case_id: uuid.UUID) -> list[Mapping[str, Any]]:
    """The case's trips a work order is sent for: all but the cancelled, oldest first."""
    rows = await uow.session.execute(
        select(tables.service_order)
        .where(SO.case_id == case_id, SO.stage != "cancelled")
        .order_by(SO.created_at, SO.id)
    )
    return [dict(r) for r in rows.mappings()]


async def work_order_offer(uow: UnitOfWork, case_id: uuid.UUID, scope: Scope) -> WorkOrderOfferOut:
    case = await _case(uow, case_id, scope)
    customer = await facts.customer_of(uow, case["customer_id"])
    offered = domain.work_order_offer(customer.contacts)
    ready = case["invoicing_ready_at"] is not None
    orders = await _case_orders(uow, case_id)
    return WorkOrderOfferOut(
        case_id=case_id,
        ready_for_invoicing=ready,
        can_offer=ready and bool(offered) and bool(orders),
        contacts=[
            OfferedContact(contact_id=c.contact_id, name=c.name, email=c.email or "")
            for c in offered
        ],
        order_numbers=[o["number"] for o in orders],
    )


async def note_work_order_offer(uow: UnitOfWork, ctx: Context, case_id: uuid.UUID) -> None:
    """On ``fieldwork.case.ready_for_invoicing``: each of the case's orders notes in its
    history whom the work order is offered to (the user is asked to send it)."""
    case = await facts.case_row(uow, case_id)
    customer = await facts.customer_of(uow, case["customer_id"])
    offered = domain.work_order_offer(customer.contacts)
    if not offered:
        return
    now = ctx.clock.now()
    for order in await _case_orders(uow, case_id):
        await uow.session.execute(
            insert(tables.order_history).values(
                order_id=order["id"],
                at=now,
                by=case["invoicing_ready_by"],
                kind="work_order_offered",
                detail={"contacts": [{"name": c.name, "email": c.email} for c in offered]},
            )
        )


def _work_order_recipients(
    body: WorkOrderIn, contacts: Sequence[domain.Contact]
) -> list[tuple[str, str]]:
    """(name, address) of each recipient: the named contacts (each one of the customer's
    with an e-mail address), the addresses given, else the offered contacts."""
    if body.contact_ids is not None:
        chosen = []
        for index, contact_id in enumerate(body.contact_ids):
            contact = domain.contact_by_id(contacts, contact_id)
            if contact is None:
                raise Unprocessable(
                    f"{contact_id} is not a contact of the case's customer",
                    field=f"contact_ids.{index}",
                )
            if not contact.email:
                raise Unprocessable(
                    f"the contact {contact.name} has no e-mail address",
                    field=f"contact_ids.{index}",
                )
            chosen.append((contact.name, contact.email))
        return chosen
    if body.emails is not None:
        return [("", e) for e in domain.unique_addresses(str(e) for e in body.emails)]
    offered = domain.work_order_offer(contacts)
    if not offered:
        raise Unprocessable(
            "no contact of the customer receives work orders: name the recipients",
            field="contact_ids",
        )
    return [(c.name, c.email or "") for c in offered]


async def send_work_order(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    body: WorkOrderIn,
    scope: Scope,
    caller: Caller,
    *,
    idempotency_key: str | None,
) -> RequestedOut:
    """Each trip's work order PDF to each recipient, one message each (a recipient who is
    a user gets a link to the order instead); logged in each order's sent log."""
    case = await _case(uow, case_id, scope)
    _require(caller, PLANNER_ROLES, "send work orders")
    customer = await facts.customer_of(uow, case["customer_id"])
    recipients = _work_order_recipients(body, customer.contacts)
    orders = await _case_orders(uow, case_id)
    if not orders:
        raise Conflict(
            "the case has no order to send a work order of", field="case_id", reason="no_orders"
        )
    request_key = idempotency_key or uuid.uuid4().hex
    entries: list[SentEntry] = []
    for order in orders:
        rendered = await _render_work_order(uow, ctx, order)
        for name, email in recipients:
            text = domain.work_order_mail(
                order["number"], name, company=ctx.settings.company_name, language=customer.language
            )
            entry = await _send(
                uow,
                ctx,
                Outgoing(
                    order=order,
                    key=_key("work-order", order["id"], request_key, email),
                    purpose=domain.WORK_ORDER,
                    channel=Channel.EMAIL,
                    recipients=[email],
                    fingerprint=rendered.fingerprint,
                    subject=text.subject,
                    body=text.body,
                    by=caller.username,
                    language=customer.language,
                    attachment=rendered,
                    user_link=_link(ctx, order, customer.language),
                    detail={"file_name": rendered.file_name},
                ),
            )
            if entry is not None:
                entries.append(entry)
    await uow.commit()
    return RequestedOut(items=entries)


# --- free-text messages --------------------------------------------------------------------


async def _kind_text(uow: UnitOfWork, kind_id: uuid.UUID | None) -> str:
    if kind_id is None:
        return ""
    k = tables.order_kind.c
    text = await uow.session.scalar(select(k.default_message_text).where(k.id == kind_id))
    return text or ""


async def default_text(uow: UnitOfWork, order_id: uuid.UUID, scope: Scope) -> DefaultTextOut:
    order = await _order(uow, order_id, scope)
    return DefaultTextOut(text=await _kind_text(uow, order["kind_id"]))


async def send_free_text(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    body: FreeTextIn,
    scope: Scope,
    caller: Caller,
    *,
    idempotency_key: str | None,
) -> RequestedOut:
    """A free-text message by e-mail and/or SMS: the text given, else the order kind's
    default; to the addresses given, else the order's contact."""
    order = await _order(uow, order_id, scope)
    _require(caller, PLANNER_ROLES, "send messages to customers")
    text = body.text if body.text is not None else await _kind_text(uow, order["kind_id"])
    if not text.strip():
        raise Unprocessable(
            "no text: write one, or set the order kind's default message text", field="text"
        )
    customer = await facts.customer_of(uow, order["customer_id"])
    raw_contacts: list[dict[str, object]] = [
        {"contact_id": c.contact_id, "name": c.name, "email": c.email, "mobile": c.mobile}
        for c in customer.contacts
    ]
    contact = contact_of(str(order["contact_id"]) if order["contact_id"] else None, raw_contacts)
    request_key = idempotency_key or uuid.uuid4().hex
    entries: list[SentEntry] = []
    for channel in body.channels:
        if channel is Channel.EMAIL:
            given = [str(e) for e in body.emails] if body.emails else None
            fallback, field = (contact.email if contact else None), "emails"
        else:
            given = list(body.mobiles) if body.mobiles else None
            fallback, field = (contact.mobile if contact else None), "mobiles"
        recipients = domain.unique_addresses(given or ([fallback] if fallback else []))
        if not recipients:
            raise Unprocessable(
                f"the order's contact person has no {_ADDRESS[field]}: name the recipients",
                field=field,
            )
        entry = await _send(
            uow,
            ctx,
            Outgoing(
                order=order,
                key=f"free-text:{order_id}:{request_key}:{channel.value}",
                purpose=domain.FREE_TEXT,
                channel=channel,
                recipients=recipients,
                fingerprint=domain.fingerprint_of(text),
                subject=domain.free_text_subject(order["number"], customer.language),
                body=text,
                by=caller.username,
                language=customer.language,
            ),
        )
        if entry is not None:
            entries.append(entry)
    await uow.commit()
    return RequestedOut(items=entries)


# --- internal e-mails ----------------------------------------------------------------------


async def send_internal_mail(
    uow: UnitOfWork,
    ctx: Context,
    order_id: uuid.UUID,
    body: InternalMailIn,
    scope: Scope,
    caller: Caller,
    *,
    idempotency_key: str | None,
) -> RequestedOut:
    """An internal e-mail about the order to its org unit's list for ``body.kind``; 409
    naming the setting when that list is empty."""
    order = await _order(uow, order_id, scope)
    _require(caller, INTERNAL_MAIL_ROLES, "send internal e-mails")
    kind = body.kind
    settings = await facts.settings_of(uow, order["org_unit_id"])
    addresses = list(settings[kind.setting]) if settings else []
    if not addresses:
        raise Conflict(
            f"the order's org unit has no addresses for {kind.label.lower()}: an admin sets"
            f" them in its document settings ({kind.setting})",
            field=kind.setting,
            reason="no_addresses",
        )
    customer = await facts.customer_of(uow, order["customer_id"])
    text = domain.internal_mail(
        kind,
        number=order["number"],
        customer_name=customer.name,
        location=address_line(order["location"]),
        text=body.text,
        sender=caller.username,
        url=domain.order_url(ctx.settings.public_url, str(order_id)),
    )
    entry = await _send(
        uow,
        ctx,
        Outgoing(
            order=order,
            key=f"internal:{kind.value}:{order_id}:{idempotency_key or uuid.uuid4().hex}",
            purpose=kind.value,
            channel=Channel.EMAIL,
            recipients=addresses,
            fingerprint=domain.fingerprint_of(body.text),
            subject=text.subject,
            body=text.body,
            by=caller.username,
        ),
    )
    await uow.commit()
    return RequestedOut(items=[entry] if entry is not None else [])


async def note_bookings_outside_hours(
    uow: UnitOfWork, ctx: Context, order_id: uuid.UUID, *, by: str | None
) -> list[SentEntry]:
    """On ``fieldwork.order.booked``: each standing booking a planner made outside the
    technician's working hours is told to the org unit's planners, once per booking (the
    key is the booking's). Nothing when the org unit names no planners."""
    order = await facts.order_row(uow, order_id, None)
    if order is None:
        return []
    settings = await facts.settings_of(uow, order["org_unit_id"])
    planners = list(settings[domain.PLANNER_SETTING]) if settings else []
    if not planners:
        return []
    b, t = tables.booking.c, tables.technician.c
    rows = (
        await uow.session.execute(
            select(
                b.id,
                b.overrides,
                b.state,
                b.local_date,
                b.local_start,
                b.local_end,
                b.override_reason,
                b.created_by,
                t.name,
            )
            .join(tables.technician, t.id == b.technician_id)
            .where(b.order_id == order_id, b.state == "standing")
            .order_by(b.starts_at, b.id)
        )
    ).all()
    customer = await facts.customer_of(uow, order["customer_id"])
    url = domain.order_url(ctx.settings.public_url, str(order_id))
    entries = []
    for row in rows:
        if not domain.needs_planner_note(list(row.overrides), row.state):
            continue
        booking = domain.OutsideHours(
            booking_id=str(row.id),
            technician_name=row.name,
            local_date=row.local_date,
            local_start=row.local_start,
            local_end=row.local_end,
            reason=row.override_reason,
            booked_by=row.created_by,
        )
        text = domain.planner_mail(
            booking, number=order["number"], customer_name=customer.name, url=url
        )
        entry = await _send(
            uow,
            ctx,
            Outgoing(
                order=order,
                key=f"planner-outside-hours:{row.id}",
                purpose=domain.PLANNER_OUTSIDE_HOURS,
                channel=Channel.EMAIL,
                recipients=planners,
                fingerprint=domain.fingerprint_of(text.body),
                subject=text.subject,
                body=text.body,
                by=by,
                detail={"booking_id": str(row.id)},
            ),
        )
        if entry is not None:
            entries.append(entry)
    return entries


# --- the sent log's flags ------------------------------------------------------------------


async def current_fingerprints(
    uow: UnitOfWork, ctx: Context, order: Mapping[str, Any]
) -> dict[str, str | None]:
    """For the sent log: the fingerprints of the order's protocol and work order now."""
    return await facts.current_fingerprints(uow, ctx, order)


# --- document settings ---------------------------------------------------------------------


def _settings_out(org_unit_id: uuid.UUID, row: Mapping[str, Any] | None) -> DocumentSettingsOut:
    if row is None:
        return DocumentSettingsOut(org_unit_id=org_unit_id, version=0)
    return DocumentSettingsOut.model_validate(dict(row))


async def _org_unit(uow: UnitOfWork, org_unit_id: uuid.UUID, scope: Scope, caller: Caller) -> None:
    _require(caller, frozenset({"admin"}), "read or change document settings")
    known = await uow.session.scalar(
        select(tables.org_unit.c.id).where(tables.org_unit.c.id == org_unit_id)
    )
    if known is None or not scope.sees_org_unit(org_unit_id):
        raise NotFound(f"no org unit with id {org_unit_id}")


async def get_document_settings(
    uow: UnitOfWork, org_unit_id: uuid.UUID, scope: Scope, caller: Caller
) -> DocumentSettingsOut:
    """An org unit's settings; one never saved answers the defaults at version 0."""
    await _org_unit(uow, org_unit_id, scope, caller)
    return _settings_out(org_unit_id, await facts.settings_of(uow, org_unit_id))


async def put_document_settings(
    uow: UnitOfWork,
    org_unit_id: uuid.UUID,
    body: DocumentSettingsIn,
    expected: int | None,
    scope: Scope,
    caller: Caller,
    *,
    now: datetime,
) -> DocumentSettingsOut:
    """Replace an org unit's settings. The first save needs no If-Match (or ``"0"``);
    every later one the current version."""
    await _org_unit(uow, org_unit_id, scope, caller)
    s = tables.org_unit_document_settings.c
    current = (
        (
            await uow.session.execute(
                select(tables.org_unit_document_settings)
                .where(s.org_unit_id == org_unit_id)
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    values = body.model_dump(mode="json") | {"updated_at": now, "updated_by": caller.username}
    if current is None:
        check_version(0, expected)
        row = values | {"org_unit_id": org_unit_id, "version": 1}
        inserted = await uow.session.scalar(
            pg_insert(tables.org_unit_document_settings)
            .values(row)
            .on_conflict_do_nothing(index_elements=["org_unit_id"])
            .returning(s.org_unit_id)
        )
        if inserted is None:
            # Another first save won the race: this one was based on version 0.
            check_version(1, 0)
    else:
        if expected is None:
            raise PreconditionRequired(
                "If-Match is required: send the ETag you read", field="If-Match"
            )
        check_version(current["version"], expected)
        row = dict(current) | values | {"version": current["version"] + 1}
        await uow.session.execute(
            update(tables.org_unit_document_settings)
            .where(s.org_unit_id == org_unit_id)
            .values(row)
        )
    await uow.commit()
    return DocumentSettingsOut.model_validate(row)
