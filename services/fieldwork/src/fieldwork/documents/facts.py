"""Reading what the documents show from field work's tables: a protocol with its case,
order, customer, lines and attachments; an order with its bookings, technicians and its
protocol's lines; an org unit's document settings. Read-only; used by the documents'
use cases (``handlers``) and by the sent log's flags."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select, true

from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.confirmations.domain import address_line
from fieldwork.context import Context
from fieldwork.documents import domain
from fieldwork.documents.domain import (
    AttachmentRef,
    BookingLine,
    Contact,
    ItemLine,
    ProtocolDoc,
    SerialLine,
    WorkLine,
    WorkOrderDoc,
)
from fieldwork.visibility import Scope

P = tables.protocol.c
SO = tables.service_order.c
SC = tables.service_case.c
B = tables.booking.c
T = tables.technician.c


def protocol_seen(scope: Scope | None) -> ColumnElement[bool]:
    """The protocols ``scope`` sees, as the protocols package decides: those of cases in
    its org units; a technician only those of their own orders."""
    if scope is None:
        return true()
    in_case = exists().where(SC.id == P.case_id, scope.org_unit_clause(SC.org_unit_id))
    clause: ColumnElement[bool] = in_case
    if scope.own_orders_only:
        clause = clause & P.order_id.in_(select(SO.id).where(scope.orders_clause()))
    return clause


async def _first(uow: UnitOfWork, query: Select[Any]) -> dict[str, Any] | None:
    row = (await uow.session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


@dataclass(frozen=True)
class Customer:
    name: str
    number: str | None
    language: str | None
    contacts: list[Contact]


async def customer_of(uow: UnitOfWork, customer_id: uuid.UUID | None) -> Customer:
    row = None
    if customer_id is not None:
        c = tables.customer.c
        row = (
            (await uow.session.execute(select(tables.customer).where(c.id == customer_id)))
            .mappings()
            .first()
        )
    if row is None:
        return Customer("", None, None, [])
    return Customer(
        name=row["name"],
        number=row["customer_number"],
        language=row["language"],
        contacts=domain.contacts_of(row["contacts"] or []),
    )


async def zone_of(uow: UnitOfWork, ctx: Context, org_unit_id: uuid.UUID | None) -> str:
    """The org unit's time zone, else field work's."""
    if org_unit_id is not None:
        zone = await uow.session.scalar(
            select(tables.org_unit.c.time_zone).where(tables.org_unit.c.id == org_unit_id)
        )
        if zone:
            return str(zone)
    return ctx.settings.time_zone


async def settings_of(uow: UnitOfWork, org_unit_id: uuid.UUID | None) -> Mapping[str, Any] | None:
    if org_unit_id is None:
        return None
    s = tables.org_unit_document_settings.c
    row = (
        (
            await uow.session.execute(
                select(tables.org_unit_document_settings).where(s.org_unit_id == org_unit_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def serial_lines(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> tuple[SerialLine, ...]:
    """The serial items in the given order (unknown ones left out), each once."""
    wanted = list(dict.fromkeys(i for i in ids if i is not None))
    if not wanted:
        return ()
    s = tables.serial_item.c
    rows = {
        r.id: SerialLine(r.serial_number, r.name, r.product_name)
        for r in await uow.session.execute(
            select(s.id, s.serial_number, s.name, s.product_name).where(s.id.in_(wanted))
        )
    }
    return tuple(rows[i] for i in wanted if i in rows)


async def _technician_names(uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        r.id: r.name
        for r in await uow.session.execute(select(T.id, T.name).where(T.id.in_(set(ids))))
    }


async def order_technicians(uow: UnitOfWork, order_ids: Sequence[uuid.UUID]) -> list[str]:
    """Every technician of the orders: the responsible one first, then the assigned."""
    if not order_ids:
        return []
    ot = tables.order_technician.c
    responsible = [
        r.technician_id
        for r in await uow.session.execute(
            select(SO.technician_id)
            .where(SO.id.in_(order_ids), SO.technician_id.is_not(None))
            .order_by(SO.created_at)
        )
    ]
    assigned = [
        r.technician_id
        for r in await uow.session.execute(
            select(ot.technician_id)
            .where(ot.order_id.in_(order_ids))
            .order_by(ot.assigned_at, ot.technician_id)
        )
    ]
    ids = list(dict.fromkeys([*responsible, *assigned]))
    names = await _technician_names(uow, ids)
    return [names[i] for i in ids if i in names]


@dataclass(frozen=True)
class Lines:
    items: tuple[ItemLine, ...]
    works: tuple[WorkLine, ...]


async def protocol_lines(uow: UnitOfWork, protocol_id: uuid.UUID) -> Lines:
    i, w = tables.protocol_item.c, tables.protocol_work.c
    items = tuple(
        ItemLine(
            description=r.description,
            quantity=Decimal(r.quantity),
            unit=r.unit,
            product_number=r.product_number,
        )
        for r in await uow.session.execute(
            select(i.description, i.quantity, i.unit, i.product_number)
            .where(i.protocol_id == protocol_id)
            .order_by(i.position)
        )
    )
    work_rows = (
        await uow.session.execute(
            select(w.description, w.minutes, w.technician_id, w.work_date)
            .where(w.protocol_id == protocol_id)
            .order_by(w.position)
        )
    ).all()
    names = await _technician_names(uow, [r.technician_id for r in work_rows if r.technician_id])
    works = tuple(
        WorkLine(
            description=r.description,
            minutes=r.minutes,
            technician_name=names.get(r.technician_id) if r.technician_id else None,
            work_date=r.work_date,
        )
        for r in work_rows
    )
    return Lines(items, works)


async def protocol_row(
    uow: UnitOfWork, protocol_id: uuid.UUID, scope: Scope | None
) -> dict[str, Any] | None:
    return await _first(
        uow, select(tables.protocol).where(P.id == protocol_id, protocol_seen(scope))
    )


async def order_row(
    uow: UnitOfWork, order_id: uuid.UUID, scope: Scope | None
) -> dict[str, Any] | None:
    query = select(tables.service_order).where(SO.id == order_id)
    if scope is not None:
        query = query.where(scope.orders_clause())
    return await _first(uow, query)


async def case_row(uow: UnitOfWork, case_id: uuid.UUID) -> dict[str, Any]:
    row = (
        (await uow.session.execute(select(tables.service_case).where(SC.id == case_id)))
        .mappings()
        .first()
    )
    assert row is not None  # a protocol's and an order's case exists (foreign key)
    return dict(row)


async def first_order(uow: UnitOfWork, case_id: uuid.UUID) -> dict[str, Any] | None:
    """A case's first trip: where a protocol of the whole case is logged and sent from."""
    return await _first(
        uow,
        select(tables.service_order)
        .where(SO.case_id == case_id)
        .order_by(SO.created_at, SO.id)
        .limit(1),
    )


async def order_of_protocol(uow: UnitOfWork, protocol: Mapping[str, Any]) -> dict[str, Any] | None:
    """The order a protocol belongs to: its own, else (a protocol of the whole case) the
    case's first trip."""
    if protocol["order_id"] is not None:
        return await order_row(uow, protocol["order_id"], None)
    return await first_order(uow, protocol["case_id"])


async def attachments_of(uow: UnitOfWork, protocol_id: uuid.UUID) -> tuple[AttachmentRef, ...]:
    a = tables.protocol_attachment.c
    return tuple(
        AttachmentRef(
            attachment_id=str(r.id),
            kind=r.kind,
            file_name=r.file_name,
            media_type=r.media_type,
            sha256=r.sha256,
            storage_key=r.storage_key,
            size_bytes=r.size_bytes,
        )
        for r in await uow.session.execute(
            select(a.id, a.kind, a.file_name, a.media_type, a.sha256, a.storage_key, a.size_bytes)
            .where(a.protocol_id == protocol_id)
            .order_by(a.uploaded_at, a.id)
        )
    )


@dataclass(frozen=True)
class ProtocolFacts:
    doc: ProtocolDoc
    protocol: Mapping[str, Any]
    case: Mapping[str, Any]
    order: Mapping[str, Any] | None
    customer: Customer
    org_unit_id: uuid.UUID | None


async def protocol_facts(
    uow: UnitOfWork, ctx: Context, protocol: Mapping[str, Any]
) -> ProtocolFacts:
    """The protocol document: its case, order (its own; a protocol of the whole case
    names no order number), customer, serial items, visit dates, lines, technicians,
    attachments."""
    case = await case_row(uow, protocol["case_id"])
    own_order = await order_row(uow, protocol["order_id"], None) if protocol["order_id"] else None
    if own_order is not None:
        order_ids = [own_order["id"]]
    else:
        order_ids = list(await uow.session.scalars(select(SO.id).where(SO.case_id == case["id"])))
    customer_id = own_order["customer_id"] if own_order is not None else case["customer_id"]
    customer = await customer_of(uow, customer_id or case["customer_id"])
    if own_order is not None:
        items = [own_order["serial_item_id"], *own_order["service_object_ids"]]
    else:
        items = list(case["service_object_ids"])
    own: dict[str, Any] = dict(own_order) if own_order is not None else {}
    org_unit_id = own.get("org_unit_id") or case["org_unit_id"]
    visit_dates = tuple(
        sorted(
            set(
                await uow.session.scalars(
                    select(B.local_date).where(B.order_id.in_(order_ids), B.state != "released")
                )
            )
        )
    )
    lines = await protocol_lines(uow, protocol["id"])
    technicians = await order_technicians(uow, order_ids)
    for work in lines.works:
        if work.technician_name and work.technician_name not in technicians:
            technicians.append(work.technician_name)
    doc = ProtocolDoc(
        protocol_id=str(protocol["id"]),
        status=protocol["status"],
        case_number=case["number"],
        case_name=case["name"],
        order_number=own_order["number"] if own_order is not None else None,
        customer_name=customer.name,
        customer_number=customer.number,
        customer_order_number=own.get("customer_order_number"),
        location=address_line(own.get("location")),
        facility_name=own.get("facility_name"),
        serial_items=await serial_lines(uow, [i for i in items if i is not None]),
        visit_dates=visit_dates,
        created_at=protocol["created_at"],
        completed_at=protocol["completed_at"],
        completed_by=protocol["completed_by"],
        fault_description=protocol["fault_description"],
        solution_description=protocol["solution_description"],
        problem_reported=protocol["problem_reported"],
        problem_description=protocol["problem_description"],
        items=lines.items,
        works=lines.works,
        technicians=tuple(technicians),
        attachments=await attachments_of(uow, protocol["id"]),
        show_images=protocol["show_images"],
        time_zone=await zone_of(uow, ctx, org_unit_id),
    )
    return ProtocolFacts(doc, dict(protocol), dict(case), own_order, customer, org_unit_id)


async def protocol_of_order(
    uow: UnitOfWork, order: Mapping[str, Any], *, completed_only: bool
) -> dict[str, Any] | None:
    """The order's protocol: its own, else one of its whole case (newest first)."""
    query = (
        select(tables.protocol)
        .where(
            or_(
                P.order_id == order["id"],
                and_(P.order_id.is_(None), P.case_id == order["case_id"]),
            )
        )
        .order_by(P.order_id.is_(None), P.created_at.desc(), P.id)
        .limit(1)
    )
    if completed_only:
        query = query.where(P.status == "completed")
    row = (await uow.session.execute(query)).mappings().first()
    return dict(row) if row is not None else None


async def work_order_doc(uow: UnitOfWork, ctx: Context, order: Mapping[str, Any]) -> WorkOrderDoc:
    case = await case_row(uow, order["case_id"])
    customer = await customer_of(uow, order["customer_id"])
    contact = domain.contact_by_id(customer.contacts, order["contact_id"])
    kind_name = None
    if order["kind_id"] is not None:
        kind_name = await uow.session.scalar(
            select(tables.order_kind.c.name).where(tables.order_kind.c.id == order["kind_id"])
        )
    booking_rows = (
        await uow.session.execute(
            select(B.local_date, B.local_start, B.local_end, B.state, T.name)
            .join(tables.technician, T.id == B.technician_id)
            .where(B.order_id == order["id"], B.state != "released")
            .order_by(B.starts_at, B.id)
        )
    ).all()
    protocol = await protocol_of_order(uow, order, completed_only=True)
    lines = await protocol_lines(uow, protocol["id"]) if protocol is not None else Lines((), ())
    return WorkOrderDoc(
        order_id=str(order["id"]),
        number=order["number"],
        case_number=case["number"],
        case_name=case["name"],
        kind_name=kind_name,
        stage=order["stage"],
        status=order["status"],
        priority=order["priority"],
        trip_type=order["trip_type"],
        distance_km=order["distance_km"],
        customer_name=customer.name,
        customer_number=customer.number,
        contact_name=contact.name if contact is not None else None,
        customer_order_number=order["customer_order_number"],
        facility_name=order["facility_name"],
        location=address_line(order["location"]),
        serial_items=await serial_lines(
            uow, [i for i in (order["serial_item_id"], *order["service_object_ids"]) if i]
        ),
        description=order["description"] or "",
        created_at=order["created_at"],
        completed_at=order["completed_at"],
        bookings=tuple(
            BookingLine(r.local_date, r.local_start, r.local_end, r.name, r.state)
            for r in booking_rows
        ),
        technicians=tuple(await order_technicians(uow, [order["id"]])),
        protocol_items=lines.items,
        protocol_works=lines.works,
        protocol_completed_at=protocol["completed_at"] if protocol is not None else None,
        time_zone=await zone_of(uow, ctx, order["org_unit_id"]),
    )


async def current_fingerprints(
    uow: UnitOfWork, ctx: Context, order: Mapping[str, Any]
) -> dict[str, str | None]:
    """The fingerprints of the order's documents now, by sent-log purpose: its protocol
    (None when it has none) and its work order."""
    protocol = await protocol_of_order(uow, order, completed_only=False)
    protocol_fingerprint = None
    if protocol is not None:
        protocol_fingerprint = domain.fingerprint((await protocol_facts(uow, ctx, protocol)).doc)
    return {
        domain.SERVICE_PROTOCOL: protocol_fingerprint,
        domain.WORK_ORDER: domain.fingerprint(await work_order_doc(uow, ctx, order)),
    }
