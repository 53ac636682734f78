"""Scheduling's use cases: projections, planning, dispatching due callouts, results."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, select, text, update
from sqlalchemy.dialects.postgresql import insert

from aftersales_contracts.catalog import (
    CustomerChanged,
    CustomerRegistered,
    SerialItemChanged,
    SerialItemOwnerChanged,
    SerialItemRegistered,
)
from aftersales_contracts.envelope import Envelope
from aftersales_contracts.notifications import (
    BusinessObject,
    ChannelChoice,
    InlineContent,
    MessageBlocked,
    MessageFailed,
    MessageSent,
    Recipient,
    SendMessage,
)
from aftersales_contracts.servicetypes import ServiceTypeChanged
from aftersales_kit.clock import Clock
from aftersales_kit.problems import Conflict, NotFound
from aftersales_kit.uow import UnitOfWork
from scheduling import domain, tables
from scheduling.domain import STATE_FOR_BLOCK, CalloutState
from scheduling.settings import Settings

REQUESTER = "scheduling"
# The snapshot fields scheduling keeps of an item (the rest of the event is not used).
ITEM_PROJECTION = tuple(c.name for c in tables.serial_item.columns if c.name != "id")
BUSINESS_OBJECT_KIND = "scheduling.callout"


class Scheduler:
    """The use cases, bound to the settings and the clock they depend on."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.zone = ZoneInfo(settings.time_zone)

    # --- projections -------------------------------------------------------------

    async def on_customer_registered(
        self, uow: UnitOfWork, envelope: Envelope[CustomerRegistered]
    ) -> None:
        await self._project_customer(uow, envelope.payload)

    async def on_customer_changed(
        self, uow: UnitOfWork, envelope: Envelope[CustomerChanged]
    ) -> None:
        # A change carries the same snapshot as the registration: the same upsert-if-newer.
        await self._project_customer(uow, envelope.payload)

    async def _project_customer(self, uow: UnitOfWork, c: CustomerRegistered) -> None:
        values = {
            "id": c.customer_id,
            "version": c.version,
            "customer_number": c.customer_number,
            "name": c.name,
            "emails": [str(e) for e in c.emails],
            "mobiles": c.mobiles,
        }
        await _upsert_newer(uow, tables.customer, values)

    async def on_serial_item_registered(
        self, uow: UnitOfWork, envelope: Envelope[SerialItemRegistered]
    ) -> None:
        await self._project_item(uow, envelope.payload)

    async def on_serial_item_changed(
        self, uow: UnitOfWork, envelope: Envelope[SerialItemChanged]
    ) -> None:
        # A change carries the same snapshot as the registration: the same upsert-if-newer.
        await self._project_item(uow, envelope.payload)

    async def on_serial_item_owner_changed(
        self, uow: UnitOfWork, envelope: Envelope[SerialItemOwnerChanged]
    ) -> None:
        await self._project_item(uow, envelope.payload)

    async def _project_item(self, uow: UnitOfWork, item: SerialItemRegistered) -> None:
        """Upsert the item's projection if the snapshot is newer, then re-plan its workflows."""
        await _lock_products(uow, [item.product_id])
        values = {c: getattr(item, c) for c in ITEM_PROJECTION} | {"id": item.serial_item_id}
        if not await _upsert_newer(uow, tables.serial_item, values):
            return
        types = (await uow.session.scalars(select(tables.service_type.c.definition))).all()
        for definition in types:
            service_type = ServiceTypeChanged.model_validate(definition)
            if domain.applies_to(service_type, item.product_id):
                await self._plan_workflow(uow, service_type, item.serial_item_id)

    async def on_service_type_changed(
        self, uow: UnitOfWork, envelope: Envelope[ServiceTypeChanged]
    ) -> None:
        service_type = envelope.payload
        await _lock_products(uow, _linked_products(service_type))
        values = {
            "id": service_type.service_type_id,
            "version": service_type.version,
            "definition": service_type.model_dump(mode="json"),
        }
        if not await _upsert_newer(uow, tables.service_type, values):
            return
        product_ids = _linked_products(service_type)
        items = (
            await uow.session.scalars(
                select(tables.serial_item.c.id).where(
                    tables.serial_item.c.product_id.in_(product_ids)
                )
            )
        ).all()
        for item_id in items:
            await self._plan_workflow(uow, service_type, item_id)
        # Items no longer linked keep their history but lose their pending callouts.
        await self._withdraw_unlinked(uow, service_type, set(items))

    # --- planning ------------------------------------------------------------------

    async def _plan_workflow(
        self, uow: UnitOfWork, service_type: ServiceTypeChanged, item_id: uuid.UUID
    ) -> None:
        item = (
            await uow.session.execute(
                select(tables.serial_item).where(tables.serial_item.c.id == item_id)
            )
        ).one()
        await uow.session.execute(
            insert(tables.workflow)
            .values(
                id=uuid.uuid4(),
                service_type_id=service_type.service_type_id,
                serial_item_id=item_id,
            )
            .on_conflict_do_nothing(constraint="uq_workflow_type_item")
        )
        workflow_id = await uow.session.scalar(
            select(tables.workflow.c.id).where(
                tables.workflow.c.service_type_id == service_type.service_type_id,
                tables.workflow.c.serial_item_id == item_id,
            )
        )
        now = self.clock.now()
        planned = (
            domain.plan(
                service_type,
                item.startup_date,
                now.astimezone(self.zone).date(),
                self.settings.horizon_days,
                self.settings.catch_up_days,
            )
            if service_type.enabled and domain.is_serviceable(item.status)
            else []
        )
        existing = {
            (row.step_id, row.occurrence): row
            for row in (
                await uow.session.execute(
                    select(tables.callout).where(tables.callout.c.workflow_id == workflow_id)
                )
            ).all()
        }
        state = domain.initial_state(service_type.approval_method)
        for p in planned:
            due = domain.due_at(p.scheduled_for, self.zone, self.settings.sending_window_start)
            row = existing.pop((p.step_id, p.occurrence), None)
            if row is None:
                await uow.session.execute(
                    insert(tables.callout).values(
                        id=uuid.uuid4(),
                        workflow_id=workflow_id,
                        service_type_id=service_type.service_type_id,
                        serial_item_id=item_id,
                        customer_id=item.owner_customer_id,
                        step_id=p.step_id,
                        occurrence=p.occurrence,
                        org_unit=item.org_unit,
                        scheduled_for=p.scheduled_for,
                        due_at=due,
                        state=state,
                        approved_at=now if state is CalloutState.APPROVED else None,
                    )
                )
            elif row.state in domain.PENDING_STATES and (
                row.scheduled_for != p.scheduled_for or row.customer_id != item.owner_customer_id
            ):
                # A pending callout follows the item's new date and its new owner.
                await uow.session.execute(
                    update(tables.callout)
                    .where(tables.callout.c.id == row.id)
                    .values(
                        scheduled_for=p.scheduled_for,
                        due_at=due,
                        customer_id=item.owner_customer_id,
                        updated_at=now,
                    )
                )
        # Pending callouts the new plan no longer has are withdrawn, never silently sent.
        stale = [row.id for row in existing.values() if row.state in domain.PENDING_STATES]
        if stale:
            reason = (
                "no longer scheduled by the service type"
                if domain.is_serviceable(item.status)
                else f"the serial item is {item.status}"
            )
            await self._cancel(uow, stale, reason)

    async def _withdraw_unlinked(
        self, uow: UnitOfWork, service_type: ServiceTypeChanged, linked: set[uuid.UUID]
    ) -> None:
        c = tables.callout.c
        rows = (
            await uow.session.execute(
                select(c.id, c.serial_item_id).where(
                    c.service_type_id == service_type.service_type_id,
                    c.state.in_(list(domain.PENDING_STATES)),
                )
            )
        ).all()
        stale = [row.id for row in rows if row.serial_item_id not in linked]
        if stale:
            await self._cancel(uow, stale, "the service type no longer applies to the item")

    async def _cancel(self, uow: UnitOfWork, ids: list[uuid.UUID], reason: str) -> None:
        now = self.clock.now()
        await uow.session.execute(
            update(tables.callout)
            .where(tables.callout.c.id.in_(ids), tables.callout.c.send_requested_at.is_(None))
            .values(state=CalloutState.CANCELLED, cancelled_at=now, error=reason, updated_at=now)
        )

    # --- sending -------------------------------------------------------------------

    async def dispatch_due(self, uow: UnitOfWork) -> int:
        """Ask notifications to send every approved callout that is due; returns how many."""
        now = self.clock.now()
        s = self.settings
        if not domain.in_sending_window(
            now, self.zone, s.sending_window_start, s.sending_window_end
        ):
            return 0
        c, item, cust, st = tables.callout, tables.serial_item, tables.customer, tables.service_type
        rows = (
            await uow.session.execute(
                select(
                    c,
                    item,
                    cust.c.name.label("customer_name"),
                    cust.c.customer_number,
                    st.c.definition,
                )
                .join(item, item.c.id == c.c.serial_item_id)
                # A callout whose customer has not reached this projection yet waits a tick.
                .join(cust, cust.c.id == c.c.customer_id)
                .join(st, st.c.id == c.c.service_type_id)
                .where(
                    c.c.state == CalloutState.APPROVED,
                    c.c.send_requested_at.is_(None),
                    c.c.due_at <= now,
                )
                .order_by(c.c.due_at)
                .limit(s.dispatch_batch_size)
                .with_for_update(of=c, skip_locked=True)
            )
        ).all()
        for row in rows:
            attempt = row.send_attempt + 1
            uow.send(self._send_request(row, attempt))
            await uow.session.execute(
                update(c)
                .where(c.c.id == row.id)
                .values(send_requested_at=now, send_attempt=attempt, updated_at=now)
            )
        await uow.commit()
        return len(rows)

    def _send_request(self, row: Row[Any], attempt: int) -> SendMessage:
        service_type = ServiceTypeChanged.model_validate(row.definition)
        step = next(s for s in service_type.steps if s.step_id == row.step_id)
        return SendMessage(
            idempotency_key=f"callout:{row.id}:{attempt}",
            requester=REQUESTER,
            requester_reference=str(row.id),
            recipient=Recipient(customer_id=row.customer_id),
            channel=ChannelChoice.AUTO,
            content=InlineContent(
                email_subject=step.initial.email_subject,
                email_body=step.initial.email_body,
                sms_text=step.initial.sms_text,
            ),
            values={
                "customer_name": row.customer_name,
                "customer_number": row.customer_number,
                "serial_number": row.serial_number,
                "serial_item_name": row.name,
                "product_name": row.product_name,
                "product_number": row.product_number,
                "scheduled_date": row.scheduled_for.isoformat(),
                "step_description": step.description,
                "service_type_name": service_type.display_name,
                "org_unit": row.org_unit or "",
            },
            business_object=BusinessObject(
                kind=BUSINESS_OBJECT_KIND, id=str(row.id), version=attempt
            ),
        )

    async def on_message_sent(self, uow: UnitOfWork, envelope: Envelope[MessageSent]) -> None:
        result = envelope.payload
        await self._record_result(
            uow,
            result.requester,
            result.idempotency_key,
            state=CalloutState.SENT,
            sent_at=envelope.occurred_at,
            message_id=result.message_id,
            send_to=", ".join(result.sent_to),
            error=None,
        )

    async def on_message_failed(self, uow: UnitOfWork, envelope: Envelope[MessageFailed]) -> None:
        result = envelope.payload
        await self._record_result(
            uow,
            result.requester,
            result.idempotency_key,
            state=CalloutState.FAILED,
            message_id=result.message_id,
            error=result.reason,
            trace_id=result.trace_id,
        )

    async def on_message_blocked(self, uow: UnitOfWork, envelope: Envelope[MessageBlocked]) -> None:
        result = envelope.payload
        await self._record_result(
            uow,
            result.requester,
            result.idempotency_key,
            state=STATE_FOR_BLOCK[result.reason],
            message_id=result.message_id,
            error=result.detail,
        )

    async def _record_result(
        self, uow: UnitOfWork, requester: str, idempotency_key: str, **values: Any
    ) -> None:
        if requester != REQUESTER:
            return  # another requester's result on the shared events exchange
        _, callout_id, attempt = idempotency_key.split(":")
        c = tables.callout
        # A result for an older attempt (the callout was resent since) changes nothing.
        await uow.session.execute(
            update(c)
            .where(
                and_(
                    c.c.id == uuid.UUID(callout_id),
                    c.c.send_attempt == int(attempt),
                    c.c.state == CalloutState.APPROVED,
                )
            )
            .values(updated_at=self.clock.now(), **values)
        )

    # --- user actions and queries --------------------------------------------------

    async def approve(self, uow: UnitOfWork, callout_id: uuid.UUID) -> dict[str, Any]:
        row = await _callout_for_update(uow, callout_id)
        try:
            state = domain.approve(CalloutState(row.state))
        except domain.InvalidTransition as error:
            raise Conflict(str(error), field="state", state=row.state) from error
        now = self.clock.now()
        await uow.session.execute(
            update(tables.callout)
            .where(tables.callout.c.id == callout_id)
            .values(state=state, approved_at=now, updated_at=now)
        )
        await uow.commit()
        return await get_callout(uow, callout_id)


def _linked_products(service_type: ServiceTypeChanged) -> list[uuid.UUID]:
    return sorted(
        {
            product
            for link in service_type.links
            for product in ([link.main_product_id] if link.apply_to_main_product else [])
            + link.related_product_ids
        }
    )


async def _lock_products(uow: UnitOfWork, product_ids: list[uuid.UUID]) -> None:
    """Serialize planning per product: an item event and a type event handled at the same
    moment would otherwise each miss the other's uncommitted row and plan nothing."""
    for product_id in sorted(product_ids):  # one order everywhere: no deadlocks
        await uow.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"plan:{product_id}"}
        )


async def _upsert_newer(uow: UnitOfWork, table: Any, values: dict[str, Any]) -> bool:
    """Insert or update a projection row unless it already holds this or a newer version."""
    statement = insert(table).values(values)
    upsert = statement.on_conflict_do_update(
        index_elements=["id"],
        set_={k: statement.excluded[k] for k in values if k != "id"},
        where=table.c.version < statement.excluded.version,
    ).returning(table.c.id)
    return (await uow.session.execute(upsert)).first() is not None


async def _callout_for_update(uow: UnitOfWork, callout_id: uuid.UUID) -> Row[Any]:
    row = (
        await uow.session.execute(
            select(tables.callout).where(tables.callout.c.id == callout_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"no callout with id {callout_id}")
    return row


CALLOUT_VIEW = select(
    tables.callout,
    tables.serial_item.c.serial_number,
    tables.serial_item.c.name.label("serial_item_name"),
    tables.customer.c.name.label("customer_name"),
    tables.service_type.c.definition,
)


def _view(row: Row[Any]) -> dict[str, Any]:
    data = dict(row._mapping)
    definition = data.pop("definition", None) or {}
    steps = {s["step_id"]: s for s in definition.get("steps", [])}
    data["service_type_name"] = definition.get("display_name")
    data["step_description"] = steps.get(str(data["step_id"]), {}).get("description")
    return data


def _joined() -> Any:
    c = tables.callout
    return (
        c.outerjoin(tables.serial_item, tables.serial_item.c.id == c.c.serial_item_id)
        .outerjoin(tables.customer, tables.customer.c.id == c.c.customer_id)
        .outerjoin(tables.service_type, tables.service_type.c.id == c.c.service_type_id)
    )


async def get_callout(uow: UnitOfWork, callout_id: uuid.UUID) -> dict[str, Any]:
    row = (
        await uow.session.execute(
            CALLOUT_VIEW.select_from(_joined()).where(tables.callout.c.id == callout_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no callout with id {callout_id}")
    return _view(row)


async def list_callouts(
    uow: UnitOfWork,
    *,
    serial_item_id: uuid.UUID | None,
    service_type_id: uuid.UUID | None,
    state: CalloutState | None,
    limit: int,
) -> list[dict[str, Any]]:
    c = tables.callout
    query = CALLOUT_VIEW.select_from(_joined())
    if serial_item_id:
        query = query.where(c.c.serial_item_id == serial_item_id)
    if service_type_id:
        query = query.where(c.c.service_type_id == service_type_id)
    if state:
        query = query.where(c.c.state == state)
    rows = (await uow.session.execute(query.order_by(c.c.scheduled_for, c.c.id).limit(limit))).all()
    return [_view(r) for r in rows]
