"""Planning callouts: bringing workflows in line with their service type, in batches.

Planning is set-based. A batch of items of one type costs the same few queries whatever
its size (the items, their workflows, their callouts, the org units' time zones; one
executemany per kind of write); what to create, move and withdraw is decided by the
pure ``planning_rules``, this module reads and writes around it. A new version of a
type plans its first batch in the event's transaction and the rest in the planning loop,
one committed batch per transaction (``service_type.plan_cursor`` says where the run
stands), so a type linked to a million items neither holds one transaction for an hour
nor outlives RabbitMQ's consumer timeout.

Concurrency: planning takes the advisory locks of ``lock_planning`` (per product and per
service type) and locks the items it plans ``FOR SHARE``, so an item event (which updates
the item's row) and a batch planning that item run one after the other, and each sees
the other's writes.
"""

from __future__ import annotations

import collections
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prometheus_client import Counter, Gauge
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Row,
    any_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert

from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_kit.clock import Clock
from aftersales_kit.db import compiled_once
from aftersales_kit.metrics import REGISTRY
from aftersales_kit.uow import UnitOfWork
from scheduling import domain, planning_rules, tables
from scheduling.domain import CalloutState
from scheduling.planning_rules import (
    DELETED_REASON,
    NOT_APPLICABLE_REASON,
    PlannedItem,
    PlanningPolicy,
)
from scheduling.settings import Settings

log = logging.getLogger(__name__)


RUNS_WAITING = Gauge(
    "scheduling_planning_runs_waiting",
    "Service types whose latest version is not yet planned for all their items, as the"
    " planning loop last saw them.",
    registry=REGISTRY,
)
BATCHES = Counter(
    "scheduling_planning_batches",
    "Batches of a service type's items the planning loop planned, by outcome (planned, failed).",
    ["outcome"],
    registry=REGISTRY,
)

_PENDING = sorted(domain.PENDING_STATES)
_MAX_BACKOFF = 300.0  # seconds a failing type's run waits at most before the next try
_c, _w, _si, _st = (
    tables.callout.c,
    tables.workflow.c,
    tables.serial_item.c,
    tables.service_type.c,
)
# The statements a batch runs many times: built once, so SQLAlchemy compiles them once.
_UUIDS = ARRAY(UUID(as_uuid=True))
# The batch's new workflows in one statement, answering the ones it created (a workflow
# another transaction created first is left out, and looked up). ``created_at`` is the
# planner's clock: the startup of an item without a startup date.
_INSERT_WORKFLOWS = compiled_once(
    insert(tables.workflow)
    .from_select(
        ["id", "service_type_id", "serial_item_id", "created_at"],
        select(
            func.unnest(bindparam("ids", type_=_UUIDS)),
            bindparam("service_type_id", type_=UUID(as_uuid=True)),
            func.unnest(bindparam("serial_item_ids", type_=_UUIDS)),
            bindparam("created_at", type_=DateTime(timezone=True)),
        ),
    )
    .on_conflict_do_nothing(constraint="uq_workflow_type_item")
    .returning(_w.serial_item_id, _w.id, _w.created_at)
)
_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext(key)) FROM unnest(CAST(:keys AS text[])) AS key"
)
_INSERT_CALLOUT = tables.callout.insert()
_MOVE_CALLOUT = (
    update(tables.callout)
    .where(_c.id == bindparam("b_id"))
    .values(
        scheduled_for=bindparam("b_scheduled_for"),
        due_at=bindparam("b_due_at"),
        customer_id=bindparam("b_customer_id"),
        org_unit=bindparam("b_org_unit"),
        service_type_name=bindparam("b_service_type_name"),
        step_description=bindparam("b_step_description"),
        updated_at=bindparam("b_updated_at"),
    )
)
_CALLOUT_FIELDS = (
    _c.id,
    _c.workflow_id,
    _c.step_id,
    _c.occurrence,
    _c.state,
    _c.send_requested_at,
    _c.scheduled_for,
    _c.due_at,
    _c.customer_id,
    _c.org_unit,
    _c.service_type_name,
    _c.step_description,
)


def uuids(ids: Iterable[uuid.UUID]) -> Any:
    """One array parameter (``= ANY(:ids)``): the statement's text, and so SQLAlchemy's
    compiled cache entry, is the same however many ids a batch has."""
    return any_(literal(list(ids), _UUIDS))


def linked_items(service_type: ServiceTypeChanged) -> ColumnElement[bool]:
    """The serial items a type's run plans: of a linked product, or pinning the type."""
    return or_(
        _si.product_id == uuids(domain.linked_products(service_type.links)),
        _si.pinned_service_type_id == service_type.service_type_id,
    )


def zone_named(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def lock_planning(uow: UnitOfWork, keys: Iterable[uuid.UUID | None]) -> None:
    """Serialize planning per product (and per service type): an item event and a type
    event handled at the same moment would otherwise each miss the other's uncommitted
    row and plan nothing."""
    # One order everywhere (unnest keeps the array's): no deadlocks.
    ordered = sorted({f"plan:{k}" for k in keys if k is not None})
    if ordered:
        await uow.session.execute(_LOCK, {"keys": ordered})


async def _try_lock_planning(uow: UnitOfWork, key: uuid.UUID) -> bool:
    return bool(
        await uow.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"), {"key": f"plan:{key}"}
        )
    )


class Planner:
    """Plans workflows: for a type's items in batches, for one item, for the horizon."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.zone = ZoneInfo(settings.time_zone)
        # Types whose last batch failed: skipped until (monotonic time), and the pause.
        self._failing: dict[uuid.UUID, tuple[float, float]] = {}
        self._last: uuid.UUID | None = None  # the type the loop planned a batch of last

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    # --- a service type's planning run ------------------------------------------------

    async def start(self, uow: UnitOfWork, service_type: ServiceTypeChanged) -> None:
        """A new version of a type arrived (its row just upserted, its planning locks
        held): withdraw what a deleted or disabled type had pending, or plan the first
        batch of its items; the planning loop plans the rest."""
        if service_type.deleted or not service_type.enabled:
            # History stays; what was still to come is withdrawn with a reason users read.
            reason = DELETED_REASON if service_type.deleted else NOT_APPLICABLE_REASON
            await self.withdraw(uow, reason, service_type_id=service_type.service_type_id)
            await self._finish(uow, service_type)
            return
        await self._advance(uow, service_type, cursor=None)

    async def continue_runs(self, uow: UnitOfWork) -> bool:
        """Plan the next batch of one type whose planning run is unfinished, and commit.
        Replicas share the work: a type another one is planning is skipped. False when
        no run is waiting."""
        waiting = (
            await uow.session.scalars(
                select(_st.id)
                .where(_st.planned_version.is_distinct_from(_st.version))
                .order_by(_st.id)
            )
        ).all()
        RUNS_WAITING.set(len(waiting))
        # Round robin: the types after the one planned last go first, so a small run is
        # not kept waiting behind a million-item one.
        if self._last is not None:
            waiting = [t for t in waiting if t > self._last] + [
                t for t in waiting if t <= self._last
            ]
        now = time.monotonic()
        for type_id in waiting:
            if self._failing.get(type_id, (0.0, 0.0))[0] > now:
                continue  # failed lately: the others go first
            if not await _try_lock_planning(uow, type_id):
                continue
            row = (
                await uow.session.execute(
                    select(_st.definition, _st.version, _st.planned_version, _st.plan_cursor).where(
                        _st.id == type_id
                    )
                )
            ).one()
            if row.planned_version == row.version:
                continue  # finished by another replica since the query above
            try:
                service_type = ServiceTypeChanged.model_validate(row.definition)
                done = await self._advance(uow, service_type, row.plan_cursor)
                await uow.commit()
            except Exception:
                # Planning is deterministic: a batch that failed fails again. Back off
                # (doubling, up to the cap) so one broken type cannot hold up the rest;
                # the loop's supervisor logs the error and rolls the transaction back.
                pause = min(2 * self._failing.get(type_id, (0.0, 0.5))[1], _MAX_BACKOFF)
                self._failing[type_id] = (time.monotonic() + pause, pause)
                BATCHES.labels("failed").inc()
                raise
            BATCHES.labels("planned").inc()
            self._failing.pop(type_id, None)
            self._last = type_id
            if done:
                log.info(
                    "planned service type",
                    extra={"service_type_id": str(type_id), "version": row.version},
                )
            return True
        return False

    async def _advance(
        self, uow: UnitOfWork, service_type: ServiceTypeChanged, cursor: uuid.UUID | None
    ) -> bool:
        """Plan the next batch of the type's items after ``cursor`` (by id); True when
        that was the last batch."""
        batch = self.settings.planning_batch_size
        type_id = service_type.service_type_id
        query = (
            select(tables.serial_item)
            .where(linked_items(service_type))
            .order_by(_si.id)
            .limit(batch)
            .with_for_update(read=True)
        )
        if cursor is not None:
            query = query.where(_si.id > cursor)
        items = (await uow.session.execute(query)).all()
        await self.plan_items(uow, service_type, items)
        if len(items) < batch:
            await self.withdraw_unlinked(uow, service_type)
            await self._finish(uow, service_type)
            return True
        await uow.session.execute(
            update(tables.service_type)
            .where(_st.id == type_id, _st.version == service_type.version)
            .values(plan_cursor=items[-1].id)
        )
        return False

    async def _finish(self, uow: UnitOfWork, service_type: ServiceTypeChanged) -> None:
        await uow.session.execute(
            update(tables.service_type)
            .where(_st.id == service_type.service_type_id, _st.version == service_type.version)
            .values(planned_version=service_type.version, plan_cursor=None)
        )

    # --- planning items ---------------------------------------------------------------

    async def plan_item_ids(
        self, uow: UnitOfWork, service_type: ServiceTypeChanged, ids: Sequence[uuid.UUID]
    ) -> None:
        items = (
            await uow.session.execute(
                select(tables.serial_item)
                .where(_si.id == uuids(ids))
                .order_by(_si.id)
                .with_for_update(read=True)
            )
        ).all()
        await self.plan_items(uow, service_type, items)

    async def plan_items(
        self, uow: UnitOfWork, service_type: ServiceTypeChanged, items: Sequence[PlannedItem]
    ) -> None:
        """Bring the type's workflows of ``items`` in line with the plan
        (``planning_rules.plan_workflows``): read what they have, write what it decides.
        Idempotent: planning twice changes nothing."""
        if not items:
            return
        session = uow.session
        type_id = service_type.service_type_id
        applies = planning_rules.applicability(service_type, items)
        began: dict[uuid.UUID, datetime] = {}  # workflow id -> created_at
        workflows = await self._workflows(uow, type_id, [item.id for item in items], began)
        known = set(workflows.values())  # the workflows that may have callouts already
        missing = [item.id for item in items if applies[item.id] and item.id not in workflows]
        if missing:
            created = await session.execute(
                _INSERT_WORKFLOWS,
                {
                    "ids": [uuid.uuid4() for _ in missing],
                    "service_type_id": type_id,
                    "serial_item_ids": missing,
                    "created_at": self.clock.now(),
                },
            )
            for item_id, workflow_id, created_at in created.tuples():
                workflows[item_id] = workflow_id
                began[workflow_id] = created_at
            raced = [i for i in missing if i not in workflows]
            if raced:  # created meanwhile by another transaction: may have callouts
                found = await self._workflows(uow, type_id, raced, began)
                workflows |= found
                known |= set(found.values())
        if not workflows:
            return  # nothing planned before, nothing to plan now
        existing: dict[uuid.UUID, dict[tuple[uuid.UUID, int], Any]] = defaultdict(dict)
        if known:
            for callout in await session.execute(
                select(*_CALLOUT_FIELDS).where(_c.workflow_id == uuids(known))
            ):
                existing[callout.workflow_id][(callout.step_id, callout.occurrence)] = callout
        zones = await self.zones(uow, {item.org_unit for item in items})
        today = self.today()
        policy = PlanningPolicy(
            today=today,
            now=self.clock.now(),
            horizon_days=self.settings.horizon_days,
            catch_up_days=self.settings.catch_up_days,
        )
        changes = planning_rules.plan_workflows(
            service_type, items, applies, workflows, existing, zones, policy, began
        )
        if changes.created:
            await session.execute(
                _INSERT_CALLOUT,
                [
                    {
                        "id": uuid.uuid4(),
                        "workflow_id": new.workflow_id,
                        "service_type_id": type_id,
                        "serial_item_id": new.serial_item_id,
                        "customer_id": new.customer_id,
                        "step_id": new.step_id,
                        "occurrence": new.occurrence,
                        "org_unit": new.org_unit,
                        "scheduled_for": new.scheduled_for,
                        "due_at": new.due_at,
                        "state": new.state,
                        "approved_at": new.approved_at,
                        "service_type_name": new.service_type_name,
                        "step_description": new.step_description,
                    }
                    for new in changes.created
                ],
            )
        if changes.moved:
            await session.execute(
                _MOVE_CALLOUT,
                [
                    {
                        "b_id": move.callout_id,
                        "b_scheduled_for": move.scheduled_for,
                        "b_due_at": move.due_at,
                        "b_customer_id": move.customer_id,
                        "b_org_unit": move.org_unit,
                        "b_service_type_name": move.service_type_name,
                        "b_step_description": move.step_description,
                        "b_updated_at": policy.now,
                    }
                    for move in changes.moved
                ],
            )
        await session.execute(
            update(tables.workflow)
            .where(_w.id == uuids(workflows.values()))
            .values(generated_until=domain.horizon_until(today, self.settings.horizon_days))
        )
        for reason, ids in changes.withdrawn.items():
            await self._cancel(uow, reason, _c.id == uuids(ids))

    async def replan_items(
        self, uow: UnitOfWork, items: Sequence[PlannedItem]
    ) -> collections.Counter[uuid.UUID]:
        """Re-plan every workflow the items (projection rows, their planning locks held)
        have or should have, one batch per type (``planning_rules.replans``); how many
        workflows each item's planning touched."""
        touched: collections.Counter[uuid.UUID] = collections.Counter()
        if not items:
            return touched
        types = [
            ServiceTypeChanged.model_validate(d)
            for d in (await uow.session.scalars(select(_st.definition))).all()
        ]
        pairs = set(
            (
                await uow.session.execute(
                    select(_w.service_type_id, _w.serial_item_id).where(
                        _w.serial_item_id == uuids(item.id for item in items)
                    )
                )
            ).tuples()
        )
        for replan in planning_rules.replans(types, items, pairs):
            type_id = replan.service_type.service_type_id
            if replan.applying:
                await self.plan_items(uow, replan.service_type, replan.applying)
            if replan.withdrawn:
                await self.withdraw(
                    uow, replan.reason, service_type_id=type_id, item_ids=replan.withdrawn
                )
            touched.update(item.id for item in replan.applying)
            touched.update(replan.withdrawn)
        return touched

    async def _workflows(
        self,
        uow: UnitOfWork,
        type_id: uuid.UUID,
        item_ids: list[uuid.UUID],
        began: dict[uuid.UUID, datetime],
    ) -> dict[uuid.UUID, uuid.UUID]:
        """Serial item id -> the id of its workflow of the type; each workflow's creation
        time goes into ``began``."""
        rows = await uow.session.execute(
            select(_w.serial_item_id, _w.id, _w.created_at).where(
                _w.service_type_id == type_id, _w.serial_item_id == uuids(item_ids)
            )
        )
        found = {}
        for item_id, workflow_id, created_at in rows.tuples():
            found[item_id] = workflow_id
            began[workflow_id] = created_at
        return found

    async def zones(self, uow: UnitOfWork, codes: set[str | None]) -> dict[str | None, ZoneInfo]:
        """Each org unit's time zone from the projection; the service's zone otherwise."""
        found = {
            code: zone_named(name)
            for code, name in await uow.session.execute(
                select(tables.org_unit.c.code, tables.org_unit.c.time_zone).where(
                    tables.org_unit.c.code.in_(sorted(c for c in codes if c is not None))
                )
            )
        }
        return {code: found.get(code) or self.zone for code in codes}

    # --- withdrawing ------------------------------------------------------------------

    async def withdraw(
        self,
        uow: UnitOfWork,
        reason: str,
        *,
        service_type_id: uuid.UUID,
        item_ids: Sequence[uuid.UUID] | None = None,
    ) -> None:
        """The pending callouts of a type (of these items, or of all) that no longer apply."""
        where = [_c.service_type_id == service_type_id]
        if item_ids is not None:
            where.append(_c.serial_item_id == uuids(item_ids))
        await self._cancel(uow, reason, *where)

    async def withdraw_unlinked(self, uow: UnitOfWork, service_type: ServiceTypeChanged) -> None:
        """Items no longer linked to the type keep their history but lose their pending
        callouts: one statement, in the database, however many there are."""
        type_id = service_type.service_type_id
        still_linked = (
            select(_si.id).where(_si.id == _c.serial_item_id, linked_items(service_type)).exists()
        )
        await self._cancel(uow, NOT_APPLICABLE_REASON, _c.service_type_id == type_id, ~still_linked)

    async def _cancel(self, uow: UnitOfWork, reason: str, *where: Any) -> None:
        """Cancel the pending callouts matching ``where`` that no message was asked for."""
        now = self.clock.now()
        await uow.session.execute(
            update(tables.callout)
            .where(*where, _c.state.in_(_PENDING), _c.send_requested_at.is_(None))
            .values(state=CalloutState.CANCELLED, cancelled_at=now, error=reason, updated_at=now)
        )

    # --- the rolling horizon ----------------------------------------------------------

    async def extend_horizon(self, uow: UnitOfWork) -> int:
        """The rolling horizon: plan the next occurrences of up to a batch of workflows
        whose callouts end before today + horizon. Safe with several replicas (the
        planning locks, then the rows re-read with SKIP LOCKED) and idempotent (planning
        never duplicates or alters history). Returns how many workflows it examined."""
        until = domain.horizon_until(self.today(), self.settings.horizon_days)
        behind = or_(_w.generated_until.is_(None), _w.generated_until < until)
        candidates = (
            await uow.session.execute(
                select(_w.id, _si.product_id, _si.pinned_service_type_id, _w.service_type_id)
                .join(tables.serial_item, _si.id == _w.serial_item_id)
                .where(behind)
                .order_by(_w.generated_until.nulls_first(), _w.id)
                .limit(self.settings.horizon_batch_size)
            )
        ).all()
        if not candidates:
            return 0
        # The same locks as event planning, taken first (then the rows): no deadlocks.
        keys: list[uuid.UUID | None] = [r.product_id for r in candidates]
        keys += [r.pinned_service_type_id for r in candidates]
        keys += [r.service_type_id for r in candidates]
        await lock_planning(uow, keys)
        rows = (
            await uow.session.execute(
                select(_w.id, _w.service_type_id, _w.serial_item_id, _st.definition)
                .join(tables.service_type, _st.id == _w.service_type_id)
                .where(_w.id.in_([r.id for r in candidates]), behind)
                .with_for_update(of=tables.workflow, skip_locked=True)
            )
        ).all()
        by_type: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
        for row in rows:
            by_type[row.service_type_id].append(row)
        for type_rows in by_type.values():
            service_type = ServiceTypeChanged.model_validate(type_rows[0].definition)
            await self.plan_item_ids(uow, service_type, [r.serial_item_id for r in type_rows])
        # A workflow whose type is gone from the projection cannot be planned: mark it.
        orphans = {r.id for r in candidates} - {r.id for r in rows}
        if orphans:
            await uow.session.execute(
                update(tables.workflow)
                .where(
                    _w.id.in_(orphans),
                    behind,
                    ~_w.service_type_id.in_(select(_st.id)),
                )
                .values(generated_until=until)
            )
        await uow.commit()
        return len(candidates)
