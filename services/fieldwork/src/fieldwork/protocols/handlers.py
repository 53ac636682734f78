"""Protocol use cases: create a draft (of a case or of one of its orders), read and list
what the caller sees, change its texts, replace its item and work lists, complete it.

Who sees a protocol: whoever sees its case (the case's org unit); a technician-only
caller only the protocols of their own orders (``Scope.orders_clause``), so another's is
a 404. Every change is versioned (If-Match) and bumps the protocol's version.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, true, update
from sqlalchemy.engine import RowMapping

from aftersales_contracts.fieldwork import ProtocolCompleted, ProtocolItemLine, ProtocolWorkLine
from aftersales_kit import keyset
from aftersales_kit.pagination import Sort
from aftersales_kit.problems import Conflict, Forbidden, NotFound, Unprocessable
from aftersales_kit.uow import UnitOfWork
from aftersales_kit.versioning import check_version
from fieldwork import tables
from fieldwork.cases.status import refresh_case_status
from fieldwork.context import Context
from fieldwork.protocols import domain
from fieldwork.protocols.domain import ProtocolStatus
from fieldwork.protocols.schemas import (
    AttachmentOut,
    CompletedProtocol,
    ItemOut,
    ItemsIn,
    ProtocolChange,
    ProtocolDraft,
    ProtocolSummary,
    ProtocolView,
    Recipient,
    WorkOut,
    WorksIn,
)
from fieldwork.visibility import Scope

P = tables.protocol.c
C = tables.service_case.c
SO = tables.service_order.c
PI = tables.protocol_item.c
PW = tables.protocol_work.c
PA = tables.protocol_attachment.c
T = tables.technician.c

# Cases and orders in these states take no new protocol.
_CLOSED_CASE = ("completed", "cancelled")


class ProtocolNotFound(NotFound):
    pass


def seen(scope: Scope | None) -> ColumnElement[bool]:
    """The protocols ``scope`` sees (None: a system caller, every one)."""
    if scope is None:
        return true()
    clause = scope.org_unit_clause(C.org_unit_id)
    if scope.own_orders_only:
        clause = clause & P.order_id.in_(select(SO.id).where(scope.orders_clause()))
    return clause


def _joined() -> Any:
    return tables.protocol.join(tables.service_case, C.id == P.case_id).outerjoin(
        tables.service_order, SO.id == P.order_id
    )


_SUMMARY_COLUMNS = (
    P.id,
    P.version,
    P.case_id,
    C.number.label("case_number"),
    P.order_id,
    SO.number.label("order_number"),
    P.status,
    P.problem_reported,
    P.created_at,
    P.created_by,
    P.updated_at,
    P.completed_at,
    P.completed_by,
)


async def find_protocol(
    uow: UnitOfWork, protocol_id: uuid.UUID, scope: Scope | None, *, lock: bool
) -> RowMapping:
    """The protocol with its case's and order's references (locked ``FOR UPDATE`` when
    ``lock``); 404 when it does not exist or the caller may not see it."""
    query = (
        select(
            tables.protocol,
            C.number.label("case_number"),
            C.status.label("case_status"),
            C.customer_id.label("case_customer_id"),
            C.contact_id.label("case_contact_id"),
            SO.number.label("order_number"),
            SO.customer_id.label("order_customer_id"),
            SO.contact_id.label("order_contact_id"),
        )
        .select_from(_joined())
        .where(P.id == protocol_id, seen(scope))
    )
    if lock:
        query = query.with_for_update(of=tables.protocol)
    row = (await uow.session.execute(query)).mappings().first()
    if row is None:
        raise ProtocolNotFound(f"no protocol with id {protocol_id}")
    return row


async def lock_for_change(
    uow: UnitOfWork, protocol_id: uuid.UUID, scope: Scope | None, expected: int | None
) -> RowMapping:
    """The protocol locked, its version checked (412 when stale), and still editable
    (409: completed, or its case closed)."""
    row = await find_protocol(uow, protocol_id, scope, lock=True)
    check_version(row["version"], expected)
    domain.check_editable(ProtocolStatus(row["status"]), row["case_status"])
    return row


async def bump(uow: UnitOfWork, ctx: Context, row: RowMapping, **values: Any) -> int:
    version = int(row["version"]) + 1
    await uow.session.execute(
        update(tables.protocol)
        .where(P.id == row["id"])
        .values(version=version, updated_at=ctx.clock.now(), **values)
    )
    return version


# --- create ------------------------------------------------------------------------------


async def create_protocol(
    uow: UnitOfWork, ctx: Context, draft: ProtocolDraft, *, by: str | None, scope: Scope
) -> ProtocolView:
    """A new draft. With ``order_id`` the order is locked while it is checked that it has
    no protocol yet, so two phones cannot both open one (409 naming the existing one)."""
    session = uow.session
    order = None
    if draft.order_id is not None:
        order = (
            (
                await session.execute(
                    select(SO.id, SO.case_id, SO.stage)
                    .where(SO.id == draft.order_id, scope.orders_clause())
                    .with_for_update(of=tables.service_order)
                )
            )
            .mappings()
            .first()
        )
        if order is None:
            raise Unprocessable(f"no service order with id {draft.order_id}", field="order_id")
        if draft.case_id is not None and draft.case_id != order["case_id"]:
            raise Unprocessable(
                f"the order {draft.order_id} belongs to another case", field="order_id"
            )
        if order["stage"] == "cancelled":
            raise Conflict("the order is cancelled: it takes no protocol", field="order_id")
        existing = await session.scalar(select(P.id).where(P.order_id == draft.order_id))
        if existing is not None:
            raise Conflict(
                f"the order already has the protocol {existing}",
                field="order_id",
                existing_protocol_id=str(existing),
            )
        case_id = order["case_id"]
    elif draft.case_id is not None:
        if scope.own_orders_only:
            # A case-wide protocol is the dispatcher's; the phone fills its order's.
            raise Forbidden(
                "a technician opens the protocol of one of their orders: send order_id",
                field="order_id",
            )
        case_id = draft.case_id
    else:
        raise Unprocessable("send case_id or order_id", field="case_id")
    case = (
        (await session.execute(select(C.id, C.org_unit_id, C.status).where(C.id == case_id)))
        .mappings()
        .first()
    )
    if case is None or (order is None and not scope.sees_org_unit(case["org_unit_id"])):
        raise Unprocessable(f"no service case with id {case_id}", field="case_id")
    if case["status"] in _CLOSED_CASE:
        raise Conflict(
            f"the service case is {case['status']}: it takes no new protocol",
            field="case_id",
            case_status=case["status"],
        )
    now = ctx.clock.now()
    protocol_id = uuid.uuid4()
    await session.execute(
        tables.protocol.insert().values(
            id=protocol_id,
            version=1,
            case_id=case_id,
            order_id=draft.order_id,
            status=ProtocolStatus.DRAFT.value,
            created_at=now,
            created_by=by,
            updated_at=now,
        )
    )
    await uow.commit()
    return await protocol_view(uow, protocol_id)


# --- read --------------------------------------------------------------------------------


async def protocol_view(uow: UnitOfWork, protocol_id: uuid.UUID) -> ProtocolView:
    """The protocol as answered, read in the caller's transaction (sight already checked)."""
    row = await find_protocol(uow, protocol_id, None, lock=False)
    return await _view_of(uow, row)


async def _view_of(uow: UnitOfWork, row: RowMapping) -> ProtocolView:
    session = uow.session
    items = (
        await session.execute(
            select(tables.protocol_item).where(PI.protocol_id == row["id"]).order_by(PI.position)
        )
    ).mappings()
    works = (
        await session.execute(
            select(tables.protocol_work, T.name.label("technician_name"))
            .select_from(
                tables.protocol_work.outerjoin(tables.technician, T.id == PW.technician_id)
            )
            .where(PW.protocol_id == row["id"])
            .order_by(PW.position)
        )
    ).mappings()
    attachments = (
        await session.execute(
            select(tables.protocol_attachment)
            .where(PA.protocol_id == row["id"])
            .order_by(PA.uploaded_at, PA.id)
        )
    ).mappings()
    return ProtocolView.model_validate(
        {
            **row,
            "items": [ItemOut.model_validate(dict(i)) for i in items],
            "works": [WorkOut.model_validate(dict(w)) for w in works],
            "attachments": [AttachmentOut.model_validate(dict(a)) for a in attachments],
        }
    )


async def get_protocol(uow: UnitOfWork, protocol_id: uuid.UUID, *, scope: Scope) -> ProtocolView:
    return await _view_of(uow, await find_protocol(uow, protocol_id, scope, lock=False))


_SORT = Sort("created_at", descending=False)


async def list_protocols(
    uow: UnitOfWork,
    *,
    scope: Scope,
    case_id: uuid.UUID | None,
    order_id: uuid.UUID | None,
    status: ProtocolStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[ProtocolSummary], str | None]:
    """The protocols the caller sees, oldest first (keyset on created_at, id)."""
    query = select(*_SUMMARY_COLUMNS).select_from(_joined()).where(seen(scope))
    if case_id is not None:
        query = query.where(P.case_id == case_id)
    if order_id is not None:
        query = query.where(P.order_id == order_id)
    if status is not None:
        query = query.where(P.status == status.value)
    rows, next_cursor = await keyset.page(
        uow.session,
        query,
        (P.created_at, P.id),
        (datetime, uuid.UUID),
        _SORT,
        cursor,
        limit,
    )
    return [ProtocolSummary.model_validate(r) for r in rows], next_cursor


# --- change ------------------------------------------------------------------------------


async def change_protocol(
    uow: UnitOfWork,
    ctx: Context,
    protocol_id: uuid.UUID,
    change: ProtocolChange,
    *,
    expected_version: int | None,
    scope: Scope,
) -> ProtocolView:
    """The texts, the reported problem and the PDF's photo setting; a reported problem
    needs its description (422 naming ``problem_description``)."""
    row = await lock_for_change(uow, protocol_id, scope, expected_version)
    values = change.model_dump(exclude_unset=True)
    for name in ("fault_description", "solution_description", "problem_reported", "show_images"):
        if name in values and values[name] is None:
            raise Unprocessable(f"{name} may not be null", field=name)
    if values.get("problem_description") == "":
        values["problem_description"] = None
    merged = {**row, **values}
    domain.check_problem(bool(merged["problem_reported"]), merged["problem_description"])
    await bump(uow, ctx, row, **values)
    await uow.commit()
    return await protocol_view(uow, protocol_id)


async def replace_items(
    uow: UnitOfWork,
    ctx: Context,
    protocol_id: uuid.UUID,
    body: ItemsIn,
    *,
    expected_version: int | None,
    scope: Scope,
) -> ProtocolView:
    row = await lock_for_change(uow, protocol_id, scope, expected_version)
    asked = {line.product_id for line in body.items if line.product_id is not None}
    products: dict[uuid.UUID, domain.Product] = {}
    if asked:
        found = await uow.session.execute(
            select(
                tables.product.c.id, tables.product.c.product_number, tables.product.c.name
            ).where(tables.product.c.id.in_(asked))
        )
        products = {r.id: domain.Product(r.id, r.product_number, r.name) for r in found}
    settled = domain.settle_items(
        [domain.ItemIn(i.product_id, i.description, i.quantity, i.unit) for i in body.items],
        products,
    )
    await uow.session.execute(delete(tables.protocol_item).where(PI.protocol_id == protocol_id))
    if settled:
        await uow.session.execute(
            tables.protocol_item.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "protocol_id": protocol_id,
                    "position": position,
                    "product_id": item.product_id,
                    "product_number": item.product_number,
                    "description": item.description,
                    "quantity": item.quantity,
                    "unit": item.unit,
                }
                for position, item in enumerate(settled, start=1)
            ],
        )
    await bump(uow, ctx, row)
    await uow.commit()
    return await protocol_view(uow, protocol_id)


async def replace_works(
    uow: UnitOfWork,
    ctx: Context,
    protocol_id: uuid.UUID,
    body: WorksIn,
    *,
    expected_version: int | None,
    scope: Scope,
) -> ProtocolView:
    row = await lock_for_change(uow, protocol_id, scope, expected_version)
    asked = {line.technician_id for line in body.works if line.technician_id is not None}
    known: frozenset[uuid.UUID] = frozenset()
    if asked:
        known = frozenset(await uow.session.scalars(select(T.id).where(T.id.in_(asked))))
    settled = domain.settle_works(
        [domain.WorkIn(w.description, w.minutes, w.technician_id, w.work_date) for w in body.works],
        known,
        default_technician=scope.technician_id if scope.own_orders_only else None,
    )
    await uow.session.execute(delete(tables.protocol_work).where(PW.protocol_id == protocol_id))
    if settled:
        await uow.session.execute(
            tables.protocol_work.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "protocol_id": protocol_id,
                    "position": position,
                    "description": work.description,
                    "minutes": work.minutes,
                    "technician_id": work.technician_id,
                    "work_date": work.work_date,
                }
                for position, work in enumerate(settled, start=1)
            ],
        )
    await bump(uow, ctx, row)
    await uow.commit()
    return await protocol_view(uow, protocol_id)


# --- complete ----------------------------------------------------------------------------


async def complete_protocol(
    uow: UnitOfWork,
    ctx: Context,
    protocol_id: uuid.UUID,
    *,
    expected_version: int | None,
    by: str | None,
    scope: Scope,
) -> CompletedProtocol:
    """Draft → completed (at least one work line: 409 naming ``works``): stamped,
    ``fieldwork.protocol.completed`` published with its lines, and the case's status
    refreshed (a reported problem puts it in Problem). The answer says who the PDF goes
    to automatically (``will_send_to``)."""
    found = await find_protocol(uow, protocol_id, scope, lock=False)
    # The case first, then the protocol: the order a send-back takes (the case, then its
    # protocols), so a completion and a send-back never wait on each other crosswise.
    await uow.session.execute(
        select(C.id).where(C.id == found["case_id"]).with_for_update(of=tables.service_case)
    )
    row = await lock_for_change(uow, protocol_id, scope, expected_version)
    view = await _view_of(uow, row)
    domain.check_completable(len(view.works))
    domain.check_problem(view.problem_reported, view.problem_description)
    now = ctx.clock.now()
    await bump(
        uow, ctx, row, status=ProtocolStatus.COMPLETED.value, completed_at=now, completed_by=by
    )
    uow.publish(
        ProtocolCompleted(
            protocol_id=protocol_id,
            case_id=row["case_id"],
            order_id=row["order_id"],
            problem_reported=view.problem_reported,
            items=[
                ProtocolItemLine(
                    product_id=i.product_id,
                    product_number=i.product_number,
                    description=i.description,
                    quantity=domain.quantity_text(i.quantity),
                    unit=i.unit,
                )
                for i in view.items
            ],
            works=[
                ProtocolWorkLine(
                    description=w.description,
                    minutes=w.minutes,
                    technician_id=w.technician_id,
                    technician_name=w.technician_name,
                )
                for w in view.works
            ],
            completed_by=by,
        )
    )
    # The case follows its protocols (cases.domain): a reported problem puts it in
    # Problem with the protocol's words as the reason; a problem-free protocol may resolve
    # an earlier Problem. Refreshed on every completion, so the rule alone decides.
    await refresh_case_status(
        uow,
        ctx,
        row["case_id"],
        by=by,
        reason=view.problem_description if view.problem_reported else None,
    )
    recipient = await _recipient(uow, row)
    await uow.commit()
    done = await protocol_view(uow, protocol_id)
    return CompletedProtocol.model_validate(
        {
            **done.model_dump(),
            "will_send_to": Recipient.model_validate(recipient) if recipient else None,
        }
    )


async def _recipient(uow: UnitOfWork, row: RowMapping) -> dict[str, str] | None:
    """The order's contact (else the case's), of the order's (else the case's) customer."""
    contact_id = row["order_contact_id"] or row["case_contact_id"]
    customer_id = row["order_customer_id"] or row["case_customer_id"]
    if contact_id is None or customer_id is None:
        return None
    contacts: Sequence[dict[str, Any]] | None = await uow.session.scalar(
        select(tables.customer.c.contacts).where(tables.customer.c.id == customer_id)
    )
    return domain.protocol_recipient(contacts or [], contact_id)


async def attachment_count(uow: UnitOfWork, protocol_id: uuid.UUID) -> int:
    count = await uow.session.scalar(
        select(func.count())
        .select_from(tables.protocol_attachment)
        .where(PA.protocol_id == protocol_id)
    )
    return int(count or 0)
