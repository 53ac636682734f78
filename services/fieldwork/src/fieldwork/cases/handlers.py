"""The service case's use cases (seed 002): create, change, list and read a case, add a
trip, cancel it with its open trips, the dispatcher's review, closing, sending back and
ready for invoicing. Each runs in a unit of work, commits the case with its events, and
raises kit problems (422 naming the field, 403, 404, 409 with the reason).

The status follows the trips and protocols (``refresh_case_status``, from
``cases.status``, which the order write side and the protocols call after their changes).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy import Sequence as DbSequence
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_contracts.fieldwork import (
    CaseStatus,
    ProtocolItemLine,
    ProtocolWorkLine,
    ServiceCaseReadyForInvoicing,
    Stage,
)
from aftersales_kit import keyset
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import Conflict, Forbidden, Unprocessable
from aftersales_kit.search import like_escape, plan_for_values
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from fieldwork import tables
from fieldwork.cases import domain
from fieldwork.cases.schemas import (
    CaseChange,
    CaseDraft,
    CaseProtocolOut,
    CaseRow,
    CaseView,
    FindingOut,
    ReviewOut,
    TripDraft,
    TripOut,
)
from fieldwork.cases.status import (
    CaseNotFound,
    case_facts,
    lock_case,
    publish_case_changed,
    refresh_case_status,
    write_status,
)
from fieldwork.context import Context
from fieldwork.orders import actions, store
from fieldwork.orders import domain as order_domain
from fieldwork.orders import handlers as order_handlers
from fieldwork.orders.schemas import ContactOut, OrderDraft, OrderView
from fieldwork.orders.snapshots import trip_technicians
from fieldwork.visibility import Scope

__all__ = ["CaseNotFound", "refresh_case_status"]

C = tables.service_case.c
SO = tables.service_order.c
P = tables.protocol.c
K = tables.order_kind.c
_CASE_NUMBERS = DbSequence("service_case_number_seq")
PHOTO_KINDS = ("photo_before", "photo_after")
# The list's sort: newest first, the id breaking ties.
_LIST_SORT = Sort("created_at", descending=True)


class CaseClosed(Conflict):
    """A completed or cancelled case: the change does not apply (the reason named)."""


class CaseNotReady(Conflict):
    """The case may not be closed yet: ``missing`` names everything in the way."""


# --- sight -------------------------------------------------------------------------------


def _case_clause(scope: Scope | None) -> ColumnElement[bool] | None:
    """The cases a caller sees: in its org units; a technician-only caller only those
    holding one of their own orders."""
    if scope is None:
        return None
    clause = scope.org_unit_clause(C.org_unit_id)
    if scope.own_orders_only:
        clause = clause & exists(select(SO.id).where(SO.case_id == C.id, scope.orders_clause()))
    return clause


async def _find(
    session: AsyncSession, case_id: uuid.UUID, scope: Scope | None, *, lock: bool = False
) -> RowMapping:
    """The case (404 outside the caller's sight), under ``FOR UPDATE`` when ``lock``."""
    query = select(tables.service_case).where(C.id == case_id)
    clause = _case_clause(scope)
    if clause is not None:
        query = query.where(clause)
    if lock:
        query = query.with_for_update(of=tables.service_case)
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise CaseNotFound(f"no service case with id {case_id}")
    return row


def _refuse_if_final(case: RowMapping, doing: str) -> None:
    if case["status"] in (CaseStatus.COMPLETED.value, CaseStatus.CANCELLED.value):
        raise CaseClosed(
            f"the case is {case['status']}: it cannot be {doing}",
            current_status=case["status"],
        )


def _require_visible_unit(scope: Scope | None, org_unit_id: uuid.UUID | None) -> None:
    if scope is not None and not scope.sees_org_unit(org_unit_id):
        raise Forbidden("you may only place cases in the org units you see", field="org_unit_id")


# --- references --------------------------------------------------------------------------


async def _customer(session: AsyncSession, customer_id: uuid.UUID) -> RowMapping:
    row = (
        (await session.execute(select(tables.customer).where(tables.customer.c.id == customer_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise Unprocessable(
            f"unknown customer {customer_id}: it may not have arrived from catalog yet",
            field="customer_id",
        )
    return row


def _check_contact(customer: RowMapping | None, contact_id: uuid.UUID | None) -> None:
    if contact_id is None:
        return
    contacts = (customer["contacts"] if customer is not None else None) or []
    if not any(str(c.get("contact_id")) == str(contact_id) for c in contacts):
        raise Unprocessable(
            f"contact {contact_id} is not a contact of the case's customer", field="contact_id"
        )


async def _check_items(session: AsyncSession, item_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    known = set(
        await session.scalars(
            select(tables.serial_item.c.id).where(tables.serial_item.c.id.in_(list(item_ids)))
        )
    )
    for index, item_id in enumerate(item_ids):
        if item_id not in known:
            raise Unprocessable(f"unknown serial item {item_id}", field=f"serial_item_ids.{index}")
    return list(dict.fromkeys(item_ids))


async def _check_org_unit(
    session: AsyncSession, scope: Scope | None, org_unit_id: uuid.UUID | None, *, given: bool
) -> None:
    if given and org_unit_id is not None:
        found = await session.scalar(
            select(tables.org_unit.c.id).where(tables.org_unit.c.id == org_unit_id)
        )
        if found is None:
            raise Unprocessable(
                f"unknown org unit {org_unit_id}: it may not have arrived from catalog yet",
                field="org_unit_id",
            )
    _require_visible_unit(scope, org_unit_id)


# --- create, change ----------------------------------------------------------------------


async def create_case(
    uow: UnitOfWork, ctx: Context, draft: CaseDraft, *, by: str | None, scope: Scope | None
) -> CaseView:
    """Open a case (Planned): a customer known to field work (else 422 naming
    ``customer_id``), one of its contacts (422 ``contact_id``), known serial items (422
    ``serial_item_ids.<i>``), the org unit given or the customer's (a restricted caller
    only in its own: 403 ``org_unit_id``). Number ``SC-…`` from the case sequence.
    Publishes ``ServiceCaseChanged``."""
    session = uow.session
    now = ctx.clock.now()
    customer = await _customer(session, draft.customer_id)
    _check_contact(customer, draft.contact_id)
    items = await _check_items(session, draft.serial_item_ids)
    org_unit_id = draft.org_unit_id or customer["org_unit_id"]
    await _check_org_unit(session, scope, org_unit_id, given=draft.org_unit_id is not None)
    value = await session.scalar(select(_CASE_NUMBERS.next_value()))
    case_id = uuid.uuid4()
    await session.execute(
        tables.service_case.insert().values(
            id=case_id,
            version=1,
            number=order_domain.format_number(
                ctx.settings.case_number_prefix, int(value or 0), ctx.settings.number_width
            ),
            name=draft.name,
            customer_id=draft.customer_id,
            contact_id=draft.contact_id,
            org_unit_id=org_unit_id,
            status=CaseStatus.PLANNED.value,
            service_object_ids=items,
            planned_start=draft.planned_start,
            created_at=now,
            created_by=by,
            updated_at=now,
        )
    )
    await publish_case_changed(uow, case_id, by)
    await uow.commit()
    return await case_view(session, case_id, scope)


async def change_case(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    change: CaseChange,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> CaseView:
    """Change the fields sent (If-Match); the same checks as creating. A completed or
    cancelled case is 409. Nothing changed: nothing written. Publishes
    ``ServiceCaseChanged``."""
    session = uow.session
    case = await _find(session, case_id, scope, lock=True)
    check_version(case["version"], expected_version)
    _refuse_if_final(case, "changed")
    given = change.model_fields_set
    if "name" in given and change.name is None:
        raise Unprocessable("name cannot be cleared", field="name")
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = change.name
    if "contact_id" in given:
        customer = (
            await _customer(session, case["customer_id"])
            if case["customer_id"] is not None and change.contact_id is not None
            else None
        )
        _check_contact(customer, change.contact_id)
        values["contact_id"] = change.contact_id
    if "serial_item_ids" in given:
        values["service_object_ids"] = await _check_items(session, change.serial_item_ids or [])
    if "planned_start" in given:
        values["planned_start"] = change.planned_start
    if "org_unit_id" in given:
        await _check_org_unit(session, scope, change.org_unit_id, given=True)
        values["org_unit_id"] = change.org_unit_id
    changed = {
        name: value
        for name, value in values.items()
        if (list(value) if isinstance(value, list) else value)
        != (list(case[name]) if isinstance(case[name], list) else case[name])
    }
    if changed:
        await session.execute(
            update(tables.service_case)
            .where(C.id == case_id)
            .values(**changed, version=int(case["version"]) + 1, updated_at=ctx.clock.now())
        )
        await publish_case_changed(uow, case_id, by)
        await uow.commit()
    return await case_view(session, case_id, scope)


async def add_trip(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    trip: TripDraft,
    *,
    by: str | None,
    scope: Scope | None,
) -> OrderView:
    """A trip in the case: an order (``orders.handlers.create_order``, its checks and
    events) of the case's customer and contact, at ``serial_item_id`` or ``location``,
    else the case's first serial item. A completed or cancelled case is 409."""
    case = await _find(uow.session, case_id, scope)
    _refuse_if_final(case, "given a trip")
    if case["customer_id"] is None:
        raise CaseClosed("the case has no customer: a trip needs one")
    fields: dict[str, Any] = {
        name: getattr(trip, name) for name in trip.model_fields_set if name != "location"
    }
    if trip.location is not None:
        fields["location"] = trip.location
    elif trip.serial_item_id is None and case["service_object_ids"]:
        fields["serial_item_id"] = case["service_object_ids"][0]
    draft = OrderDraft(
        customer_id=case["customer_id"],
        contact_id=case["contact_id"],
        case_id=case_id,
        org_unit_id=case["org_unit_id"],
        **fields,
    )
    return await order_handlers.create_order(uow, ctx, draft, by=by, scope=scope)


# --- reads -------------------------------------------------------------------------------


async def _trips(session: AsyncSession, case_id: uuid.UUID, scope: Scope | None) -> list[TripOut]:
    query = (
        select(tables.service_order, K.name.label("kind_name"))
        .outerjoin(tables.order_kind, K.id == SO.kind_id)
        .where(SO.case_id == case_id)
        .order_by(SO.created_at, SO.number)
    )
    if scope is not None:
        query = query.where(scope.orders_clause())
    trips = []
    for row in (await session.execute(query)).mappings():
        distance = row["distance_km"]
        trips.append(
            TripOut(
                id=row["id"],
                number=row["number"],
                trip_type=row["trip_type"],
                kind_name=row["kind_name"],
                stage=row["stage"],
                status=row["status"],
                technician_id=row["technician_id"],
                technicians=await trip_technicians(session, row["id"], row["technician_id"]),
                booked_from=row["booked_from"],
                distance_km=float(distance) if distance is not None else None,
                customer_order_number=row["customer_order_number"],
            )
        )
    return trips


async def review_facts(session: AsyncSession, case_id: uuid.UUID) -> domain.ReviewFacts:
    """What the review counts: the case's completed protocols, their items, work minutes
    and photos, the trips whose kind requires photos and those still open (cancelled
    trips count for nothing)."""
    completed = select(P.id).where(P.case_id == case_id, P.status == "completed")
    completed_ids = list(await session.scalars(completed))
    items = await session.scalar(
        select(func.count()).where(tables.protocol_item.c.protocol_id.in_(completed_ids))
    )
    minutes = await session.scalar(
        select(func.coalesce(func.sum(tables.protocol_work.c.minutes), 0)).where(
            tables.protocol_work.c.protocol_id.in_(completed_ids)
        )
    )
    A = tables.protocol_attachment.c
    photos = await session.scalar(
        select(func.count()).where(A.protocol_id.in_(completed_ids), A.kind.in_(PHOTO_KINDS))
    )
    trips = (
        await session.execute(
            select(SO.number, SO.stage, K.requires_photos)
            .outerjoin(tables.order_kind, K.id == SO.kind_id)
            .where(SO.case_id == case_id, SO.stage != Stage.CANCELLED.value)
        )
    ).all()
    return domain.ReviewFacts(
        completed_protocols=len(completed_ids),
        items=int(items or 0),
        work_minutes=int(minutes or 0),
        photos=int(photos or 0),
        photos_required_by=[t.number for t in trips if t.requires_photos],
        open_orders=[t.number for t in trips if Stage(t.stage) in domain.OPEN_STAGES],
    )


def _review(case: RowMapping, findings: Sequence[domain.Finding]) -> ReviewOut:
    status = CaseStatus(case["status"])
    return ReviewOut(
        case_id=case["id"],
        status=status,
        missing=[FindingOut(code=f.code, detail=f.detail, orders=f.orders) for f in findings],
        can_close=not findings and status not in domain.FINAL,
        sent_back_at=case["sent_back_at"],
        sent_back_by=case["sent_back_by"],
        sent_back_reason=case["sent_back_reason"],
    )


def _contact(customer: RowMapping | None, contact_id: uuid.UUID | None) -> ContactOut | None:
    if customer is None or contact_id is None:
        return None
    for contact in customer["contacts"] or []:
        if str(contact.get("contact_id")) == str(contact_id):
            return ContactOut(
                contact_id=contact_id,
                name=str(contact.get("name") or ""),
                email=contact.get("email") or None,
                mobile=contact.get("mobile") or None,
            )
    return None


async def case_view(session: AsyncSession, case_id: uuid.UUID, scope: Scope | None) -> CaseView:
    """The case with its trips the caller may see, its protocols (a technician: those of
    their trips and the case's own) and its review; 404 outside the caller's sight."""
    case = await _find(session, case_id, scope)
    customer = None
    if case["customer_id"] is not None:
        customer = (
            (
                await session.execute(
                    select(tables.customer).where(tables.customer.c.id == case["customer_id"])
                )
            )
            .mappings()
            .first()
        )
    trips = await _trips(session, case_id, scope)
    protocols_query = select(tables.protocol).where(P.case_id == case_id)
    if scope is not None and scope.own_orders_only:
        protocols_query = protocols_query.where(
            or_(P.order_id.is_(None), P.order_id.in_([t.id for t in trips]))
        )
    protocols = (await session.execute(protocols_query.order_by(P.created_at, P.id))).mappings()
    return CaseView(
        id=case["id"],
        version=case["version"],
        number=case["number"],
        name=case["name"],
        status=case["status"],
        problem_reason=case["problem_reason"],
        customer_id=case["customer_id"],
        customer_name=customer["name"] if customer is not None else None,
        contact_id=case["contact_id"],
        contact=_contact(customer, case["contact_id"]),
        serial_item_ids=list(case["service_object_ids"]),
        planned_start=case["planned_start"],
        org_unit_id=case["org_unit_id"],
        created_at=case["created_at"],
        created_by=case["created_by"],
        updated_at=case["updated_at"],
        closed_at=case["closed_at"],
        closed_by=case["closed_by"],
        invoicing_ready_at=case["invoicing_ready_at"],
        invoicing_ready_by=case["invoicing_ready_by"],
        orders=trips,
        protocols=[
            CaseProtocolOut(
                id=p["id"],
                order_id=p["order_id"],
                status=p["status"],
                problem_reported=p["problem_reported"],
                completed_at=p["completed_at"],
            )
            for p in protocols
        ],
        review=_review(case, domain.missing(await review_facts(session, case_id))),
    )


async def get_case(uow: UnitOfWork, case_id: uuid.UUID, *, scope: Scope | None) -> CaseView:
    return await case_view(uow.session, case_id, scope)


async def list_cases(
    uow: UnitOfWork,
    *,
    scope: Scope | None,
    statuses: Sequence[CaseStatus],
    customer_ids: Sequence[uuid.UUID],
    org_unit_ids: Sequence[uuid.UUID],
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[CaseRow], str | None]:
    """A page of the cases the caller sees, newest first, with the filters (each list:
    any of); ``q`` a part of the name or the start of the number (case-insensitive)."""
    query = select(tables.service_case, tables.customer.c.name.label("customer_name")).outerjoin(
        tables.customer, tables.customer.c.id == C.customer_id
    )
    clause = _case_clause(scope)
    if clause is not None:
        query = query.where(clause)
    if statuses:
        query = query.where(C.status.in_([s.value for s in statuses]))
    if customer_ids:
        query = query.where(C.customer_id.in_(list(customer_ids)))
    if org_unit_ids:
        query = query.where(C.org_unit_id.in_(list(org_unit_ids)))
    if q:
        await plan_for_values(uow.session)
        escaped = like_escape(q)
        query = query.where(
            or_(
                C.name.ilike(f"%{escaped}%", escape="\\"),
                C.number.ilike(f"{escaped}%", escape="\\"),
            )
        )
    rows, next_cursor = await keyset.page(
        uow.session,
        query,
        (C.created_at, C.id),
        (datetime, uuid.UUID),
        _LIST_SORT,
        cursor,
        limit,
    )
    return [CaseRow.model_validate(row) for row in rows], next_cursor


async def review(uow: UnitOfWork, case_id: uuid.UUID, *, scope: Scope | None) -> ReviewOut:
    """What keeps the case from being closed (``cases.domain.missing``)."""
    case = await _find(uow.session, case_id, scope)
    return _review(case, domain.missing(await review_facts(uow.session, case_id)))


# --- cancel, close, send back, ready for invoicing ---------------------------------------


async def _lock_trips(session: AsyncSession, case_id: uuid.UUID) -> list[RowMapping]:
    """The case's orders under ``FOR UPDATE``, before the case itself: the order actions
    lock an order, then its case; taking them in the same order never deadlocks."""
    query = (
        select(tables.service_order)
        .where(SO.case_id == case_id)
        .order_by(SO.id)
        .with_for_update(of=tables.service_order)
    )
    return list((await session.execute(query)).mappings())


async def cancel_case(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> CaseView:
    """Cancel the case (If-Match) and every open order in it (New or Planned, a visit
    under way included) through the orders' own cancel action (their bookings
    released, their events). A completed or cancelled case is 409. Publishes
    ``ServiceCaseChanged``."""
    session = uow.session
    await _find(session, case_id, scope)
    trips = await _lock_trips(session, case_id)
    case = await lock_case(session, case_id)
    check_version(case["version"], expected_version)
    _refuse_if_final(case, "cancelled")
    for trip in trips:
        if Stage(trip["stage"]) not in order_domain.FINAL_STAGES:
            await actions.cancel_for_case(uow, ctx, trip["id"], by=by)
    await write_status(
        uow,
        ctx,
        case,
        domain.Verdict(CaseStatus.CANCELLED),
        by=by,
        values={"closed_at": ctx.clock.now(), "closed_by": by},
    )
    await uow.commit()
    return await case_view(session, case_id, scope)


async def close_case(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> CaseView:
    """The dispatcher closes the case (If-Match): Completed, ``closed_at``/``closed_by``
    stamped. Refused 409 with ``missing`` (the review's findings, each ``{code, detail,
    orders}``) while anything is missing, and for a completed or cancelled case.
    Publishes ``ServiceCaseChanged``."""
    session = uow.session
    await _find(session, case_id, scope)
    case = await lock_case(session, case_id)
    check_version(case["version"], expected_version)
    _refuse_if_final(case, "closed")
    findings = domain.missing(await review_facts(session, case_id))
    if findings:
        raise CaseNotReady(
            "the case cannot be closed: " + "; ".join(f.detail for f in findings),
            missing=[
                FindingOut(code=f.code, detail=f.detail, orders=f.orders).model_dump()
                for f in findings
            ],
        )
    await write_status(
        uow,
        ctx,
        case,
        domain.Verdict(CaseStatus.COMPLETED),
        by=by,
        values={"closed_at": ctx.clock.now(), "closed_by": by},
    )
    await uow.commit()
    return await case_view(session, case_id, scope)


async def send_back(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    reason: str,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> CaseView:
    """The dispatcher sends the case back to the technician (If-Match): its completed
    protocols become drafts again (editable; version + 1), ``sent_back_at/by/reason``
    are stamped, each of its orders gets a ``sent_back`` history entry (the reason and
    the protocols), and the status follows the rule again (InProgress or Planned, or
    Problem). A completed or cancelled case is 409. Publishes ``ServiceCaseChanged``."""
    session = uow.session
    await _find(session, case_id, scope)
    case = await lock_case(session, case_id)
    check_version(case["version"], expected_version)
    _refuse_if_final(case, "sent back")
    now = ctx.clock.now()
    reopened = list(
        await session.scalars(
            update(tables.protocol)
            .where(P.case_id == case_id, P.status == "completed")
            .values(
                status="draft",
                version=P.version + 1,
                updated_at=now,
                completed_at=None,
                completed_by=None,
            )
            .returning(P.id)
        )
    )
    for order_id in await session.scalars(select(SO.id).where(SO.case_id == case_id)):
        await store.Recorder(session, order_id, now, by)(
            "sent_back",
            detail={
                "case_id": str(case_id),
                "reason": reason,
                "protocol_ids": sorted(str(p) for p in reopened),
            },
        )
    verdict = domain.case_status(await case_facts(session, case))
    await write_status(
        uow,
        ctx,
        case,
        verdict,
        by=by,
        values={"sent_back_at": now, "sent_back_by": by, "sent_back_reason": reason},
    )
    await uow.commit()
    return await case_view(session, case_id, scope)


def _quantity(value: Decimal) -> str:
    """A quantity as text, without trailing zeros or an exponent: ``2``, ``1.5``."""
    return format(value.normalize(), "f")


async def _invoicing_event(
    session: AsyncSession, case: RowMapping, by: str | None
) -> ServiceCaseReadyForInvoicing:
    case_id = case["id"]
    trips = (
        await session.execute(
            select(SO.id, SO.number, SO.customer_order_number, SO.technician_id)
            .where(SO.case_id == case_id, SO.stage != Stage.CANCELLED.value)
            .order_by(SO.created_at, SO.number)
        )
    ).all()
    completed = list(
        await session.scalars(
            select(P.id)
            .where(P.case_id == case_id, P.status == "completed")
            .order_by(P.completed_at, P.id)
        )
    )
    IT = tables.protocol_item.c
    W = tables.protocol_work.c
    T = tables.technician.c
    position = {protocol_id: index for index, protocol_id in enumerate(completed)}
    item_rows = sorted(
        (await session.execute(select(tables.protocol_item).where(IT.protocol_id.in_(completed))))
        .mappings()
        .all(),
        key=lambda r: (position[r["protocol_id"]], r["position"]),
    )
    work_rows = sorted(
        (
            await session.execute(
                select(tables.protocol_work, T.name.label("technician_name"))
                .outerjoin(tables.technician, T.id == W.technician_id)
                .where(W.protocol_id.in_(completed))
            )
        )
        .mappings()
        .all(),
        key=lambda r: (position[r["protocol_id"]], r["position"]),
    )
    names: list[str] = []
    for trip in trips:
        for ref in await trip_technicians(session, trip.id, trip.technician_id):
            if ref.name not in names:
                names.append(ref.name)
    return ServiceCaseReadyForInvoicing(
        case_id=case_id,
        case_number=case["number"],
        customer_id=case["customer_id"],
        org_unit_id=case["org_unit_id"],
        order_ids=[t.id for t in trips],
        order_numbers=[t.number for t in trips],
        customer_order_numbers=list(
            dict.fromkeys(t.customer_order_number for t in trips if t.customer_order_number)
        ),
        technicians=names,
        items=[
            ProtocolItemLine(
                product_id=r["product_id"],
                product_number=r["product_number"],
                description=r["description"],
                quantity=_quantity(r["quantity"]),
                unit=r["unit"],
            )
            for r in item_rows
        ],
        works=[
            ProtocolWorkLine(
                description=r["description"],
                minutes=r["minutes"],
                technician_id=r["technician_id"],
                technician_name=r["technician_name"],
            )
            for r in work_rows
        ],
        ready_by=by,
    )


async def ready_for_invoicing(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope | None,
) -> CaseView:
    """Mark a Completed case ready for invoicing (If-Match), once: stamps
    ``invoicing_ready_at/by`` and publishes ``ServiceCaseReadyForInvoicing`` (the
    completed protocols' items, quantities as text, and works with minutes and
    technician; every technician of the trips; order and customer order numbers; the
    case) and ``ServiceCaseChanged``. Another status is 409, and so is a second time."""
    session = uow.session
    await _find(session, case_id, scope)
    case = await lock_case(session, case_id)
    check_version(case["version"], expected_version)
    if case["status"] != CaseStatus.COMPLETED.value:
        raise Conflict(
            f"the case is {case['status']}: only a completed case is ready for invoicing",
            current_status=case["status"],
        )
    if case["invoicing_ready_at"] is not None:
        raise Conflict(
            "the case is already marked ready for invoicing",
            invoicing_ready_at=case["invoicing_ready_at"].isoformat(),
            invoicing_ready_by=case["invoicing_ready_by"],
        )
    uow.publish(await _invoicing_event(session, case, by))
    await write_status(
        uow,
        ctx,
        case,
        domain.Verdict(CaseStatus.COMPLETED),
        by=by,
        values={"invoicing_ready_at": ctx.clock.now(), "invoicing_ready_by": by},
    )
    await uow.commit()
    return await case_view(session, case_id, scope)
