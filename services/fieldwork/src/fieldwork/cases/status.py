"""Keeping a case's status with its trips and protocols: read the facts the pure rule
(``cases.domain.case_status``) needs, write the status when it moved, tell it.

Kept apart from ``cases.handlers`` (which re-exports ``refresh_case_status``) so the
order write side can call it after every order change without importing the case use
cases, which themselves use the order actions (cancelling a case cancels its trips).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aftersales_contracts.fieldwork import (
    CaseStatus,
    ServiceCaseChanged,
    Stage,
    TechnicianStatus,
)
from aftersales_kit.problems import NotFound
from aftersales_kit.uow import UnitOfWork
from fieldwork import tables
from fieldwork.cases import domain
from fieldwork.context import Context

C = tables.service_case.c
SO = tables.service_order.c
H = tables.order_history.c
B = tables.booking.c
P = tables.protocol.c


class CaseNotFound(NotFound):
    pass


async def lock_case(session: AsyncSession, case_id: uuid.UUID) -> RowMapping:
    """The case's row under ``FOR UPDATE`` (404 when there is none): two changes of one
    case's status wait for each other."""
    query = select(tables.service_case).where(C.id == case_id).with_for_update()
    row = (await session.execute(query)).mappings().first()
    if row is None:
        raise CaseNotFound(f"no service case with id {case_id}")
    return row


async def case_facts(session: AsyncSession, case: RowMapping) -> domain.CaseFacts:
    """What the status rule needs of the case: its trips (stage, status, the latest
    customer absence), its protocols, the latest visit stamp and booking made."""
    case_id = case["id"]
    absences = (
        select(H.order_id, func.max(H.at).label("absent_at"))
        .where(H.kind == "absence")
        .group_by(H.order_id)
        .subquery()
    )
    trips = (
        await session.execute(
            select(SO.number, SO.stage, SO.status, absences.c.absent_at)
            .outerjoin(absences, absences.c.order_id == SO.id)
            .where(SO.case_id == case_id)
        )
    ).all()
    in_case = select(SO.id).where(SO.case_id == case_id).scalar_subquery()
    last_visit_at = await session.scalar(
        select(func.max(H.at)).where(
            H.order_id.in_(in_case),
            H.kind == "status",
            H.to_value.in_([s.value for s in domain.VISIT_UNDER_WAY]),
        )
    )
    last_booked_at = await session.scalar(
        select(func.max(B.created_at)).where(B.order_id.in_(in_case), B.state != "released")
    )
    protocols = (
        await session.execute(
            select(P.status, P.completed_at, P.problem_reported, P.problem_description).where(
                P.case_id == case_id
            )
        )
    ).all()
    return domain.CaseFacts(
        current=CaseStatus(case["status"]),
        trips=[
            domain.TripFacts(
                number=t.number,
                stage=Stage(t.stage),
                status=TechnicianStatus(t.status) if t.status else None,
                absent_at=t.absent_at,
            )
            for t in trips
        ],
        protocols=[
            domain.ProtocolFacts(
                completed_at=p.completed_at if p.status == "completed" else None,
                problem_reported=p.problem_reported,
                problem_description=p.problem_description,
            )
            for p in protocols
        ],
        last_visit_at=last_visit_at,
        last_booked_at=last_booked_at,
    )


async def publish_case_changed(uow: UnitOfWork, case_id: uuid.UUID, by: str | None) -> None:
    """``ServiceCaseChanged`` with the case as it is now (in the outbox, committed with the
    change)."""
    session = uow.session
    case = (
        (await session.execute(select(tables.service_case).where(C.id == case_id))).mappings().one()
    )
    order_ids = list(
        await session.scalars(
            select(SO.id).where(SO.case_id == case_id).order_by(SO.created_at, SO.number)
        )
    )
    uow.publish(
        ServiceCaseChanged(
            case_id=case_id,
            version=case["version"],
            number=case["number"],
            name=case["name"],
            status=CaseStatus(case["status"]),
            customer_id=case["customer_id"],
            org_unit_id=case["org_unit_id"],
            serial_item_ids=list(case["service_object_ids"]),
            order_ids=order_ids,
            changed_by=by,
        )
    )


async def write_status(
    uow: UnitOfWork,
    ctx: Context,
    case: RowMapping,
    verdict: domain.Verdict,
    *,
    by: str | None,
    values: dict[str, object] | None = None,
) -> int:
    """Write the case's new status (and ``values``), bump its version and publish
    ``ServiceCaseChanged``. Returns the new version."""
    version = int(case["version"]) + 1
    await uow.session.execute(
        update(tables.service_case)
        .where(C.id == case["id"])
        .values(
            {
                **(values or {}),
                "status": verdict.status.value,
                "problem_reason": verdict.problem_reason,
                "version": version,
                "updated_at": ctx.clock.now(),
            }
        )
    )
    await publish_case_changed(uow, case["id"], by)
    return version


async def refresh_case_status(
    uow: UnitOfWork,
    ctx: Context,
    case_id: uuid.UUID,
    *,
    by: str | None,
    reason: str | None = None,
) -> CaseStatus:
    """Bring the case's status in line with its trips and protocols after a change of
    one of them; call it in the changing transaction, after the change is written.

    Locks the case, reads its orders (stages, statuses, the latest ``absence`` history
    row of each — a visit that ended with the customer absent), the latest visit stamp
    and booking of the case, and its protocols (completed ones with ``problem_reported``),
    and computes the status with ``cases.domain.case_status``. When the status or the
    problem reason changed it updates the row (version + 1, ``updated_at``) and publishes
    ``ServiceCaseChanged``; otherwise it writes nothing. ``reason``: the caller's own
    words for a problem (a protocol's ``problem_description``), kept as the case's
    ``problem_reason`` when the case goes to (or stays in) Problem; without it a case
    already in Problem keeps its reason, one going there gets the rule's (the customer
    absent at SO-…, the protocol's problem description). Cancelled and Completed cases stay
    as they are. Never commits: the caller's unit of work does. Returns the status.
    Raises ``CaseNotFound`` (404) for an unknown case."""
    case = await lock_case(uow.session, case_id)
    verdict = domain.case_status(await case_facts(uow.session, case))
    if verdict.status is CaseStatus.PROBLEM:
        if reason and reason.strip():
            verdict = domain.Verdict(CaseStatus.PROBLEM, reason.strip()[:500])
        elif case["status"] == CaseStatus.PROBLEM.value and case["problem_reason"]:
            # Still in Problem, nobody says why anew: the reason given stays.
            verdict = domain.Verdict(CaseStatus.PROBLEM, case["problem_reason"])
    if verdict.status.value == case["status"] and (verdict.problem_reason or None) == (
        case["problem_reason"] or None
    ):
        return verdict.status
    await write_status(uow, ctx, case, verdict, by=by)
    return verdict.status
